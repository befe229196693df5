package io.stele.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigurationTest {
  @TempDir Path dir;

  @Test
  void shouldUseDefaultsWhenNothingIsSet() {
    final Configuration c = Configuration.load(List.of(), Map.of());
    assertEquals("127.0.0.1", c.get(Settings.HOST));
    assertEquals(7070, c.get(Settings.PORT));
    assertEquals("./data", c.get(Settings.DATA_DIR));
    assertEquals("default", c.sourceOf(Settings.PORT));
  }

  @Test
  void shouldTakeFlagsOverEnvironmentOverFileOverDefaults() throws Exception {
    final Path file = dir.resolve("stele.conf");
    Files.writeString(
        file, "# comment\nport = 7001\nhost = 10.0.0.1\ndata-dir = /from/file\nio-threads=3\n");
    final Configuration c =
        Configuration.load(
            List.of("--config", file.toString(), "--port=7003"),
            Map.of("STELE_PORT", "7002", "STELE_HOST", "0.0.0.0"));
    assertEquals(7003, c.get(Settings.PORT));
    assertEquals("--port", c.sourceOf(Settings.PORT));
    assertEquals("0.0.0.0", c.get(Settings.HOST));
    assertEquals("STELE_HOST", c.sourceOf(Settings.HOST));
    assertEquals("/from/file", c.get(Settings.DATA_DIR));
    assertEquals(file + ":4", c.sourceOf(Settings.DATA_DIR));
    assertEquals(3, c.get(Settings.IO_THREADS));
  }

  @Test
  void shouldTurnAProfileIntoTheEnginesIdleStrategy() {
    final Path d = dir.resolve("data");
    final io.stele.engine.EngineConfig balanced =
        Node.engineConfig(Configuration.load(List.of(), Map.of()), d, false);
    final io.stele.engine.EngineConfig latency =
        Node.engineConfig(Configuration.load(List.of("--profile", "latency"), Map.of()), d, false);
    final io.stele.engine.EngineConfig throughput =
        Node.engineConfig(
            Configuration.load(List.of(), Map.of("STELE_PROFILE", "throughput")), d, false);
    assertEquals(io.stele.engine.EngineConfig.DEFAULT_IDLE_SPINS, balanced.idleSpins());
    assertEquals(20_000, latency.idleSpins());
    assertEquals(100_000L, latency.idleMaxParkNs());
    assertEquals(0, throughput.idleSpins());
    assertEquals(0, throughput.idleYields());
    assertEquals(
        4 * io.stele.engine.EngineConfig.DEFAULT_WRITE_BUFFER_BYTES, throughput.writeBufferBytes());
    assertEquals(
        io.stele.engine.EngineConfig.DEFAULT_WRITE_BUFFER_BYTES, balanced.writeBufferBytes());
    assertEquals(
        Math.max(1, Runtime.getRuntime().availableProcessors() / 2),
        Node.ioThreads(Configuration.load(List.of("--profile", "throughput"), Map.of())));
    assertEquals(
        3,
        Node.ioThreads(
            Configuration.load(List.of("--profile", "throughput", "--io-threads", "3"), Map.of())),
        "an explicit --io-threads wins over the profile");
    final ConfigException bad =
        assertThrows(
            ConfigException.class,
            () -> Configuration.load(List.of("--profile", "fast"), Map.of()));
    assertTrue(bad.getMessage().contains("profile"), bad.getMessage());
  }

  @Test
  void shouldTurnSegmentInitIntoTheEnginesChoice() {
    final Path d = dir.resolve("data");
    assertEquals(
        io.stele.engine.SegmentInit.ZEROS,
        Node.engineConfig(Configuration.load(List.of(), Map.of()), d, false).segmentInit());
    assertEquals(
        io.stele.engine.SegmentInit.ALLOCATE,
        Node.engineConfig(
                Configuration.load(List.of("--segment-init", "allocate"), Map.of()), d, false)
            .segmentInit());
    assertEquals(
        io.stele.engine.SegmentInit.ALLOCATE,
        Node.engineConfig(
                Configuration.load(List.of(), Map.of("STELE_SEGMENT_INIT", "allocate")), d, true)
            .segmentInit());
    final ConfigException bad =
        assertThrows(
            ConfigException.class,
            () -> Configuration.load(List.of("--segment-init", "sparse"), Map.of()));
    assertTrue(bad.getMessage().contains("segment-init"), bad.getMessage());
  }

  @Test
  void shouldPassTheCacheWindowToTheEngine() {
    final Path d = dir.resolve("data");
    assertEquals(
        io.stele.engine.EngineConfig.DEFAULT_CACHE_WINDOW_BYTES,
        Node.engineConfig(Configuration.load(List.of(), Map.of()), d, false).cacheWindowBytes());
    assertEquals(
        -1L,
        Node.engineConfig(
                Configuration.load(List.of("--cache-window-bytes=-1"), Map.of()), d, false)
            .cacheWindowBytes());
    assertEquals(
        0L,
        Node.engineConfig(
                Configuration.load(List.of(), Map.of("STELE_CACHE_WINDOW_BYTES", "0")), d, true)
            .cacheWindowBytes());
    final ConfigException bad =
        assertThrows(
            ConfigException.class,
            () -> Configuration.load(List.of("--cache-window-bytes", "-2"), Map.of()));
    assertTrue(bad.getMessage().contains("cache-window-bytes"), bad.getMessage());
  }

  @Test
  void shouldReadConfigFileNamedByEnvironment() throws Exception {
    final Path file = dir.resolve("env.conf");
    Files.writeString(file, "port = 7010\n");
    final Configuration c = Configuration.load(List.of(), Map.of("STELE_CONFIG", file.toString()));
    assertEquals(7010, c.get(Settings.PORT));
  }

  @Test
  void shouldNameSettingSourceAndRangeWhenValueIsBad() {
    final ConfigException e =
        assertThrows(
            ConfigException.class, () -> Configuration.load(List.of("--port", "abc"), Map.of()));
    assertEquals(
        "invalid port 'abc' (from --port): expected an integer in [0, 65535]", e.getMessage());

    final ConfigException range =
        assertThrows(
            ConfigException.class,
            () -> Configuration.load(List.of(), Map.of("STELE_PORT", "70000")));
    assertTrue(range.getMessage().contains("(from STELE_PORT)"), range.getMessage());

    final ConfigException choice =
        assertThrows(
            ConfigException.class,
            () -> Configuration.load(List.of("--transport", "kqueue"), Map.of()));
    assertTrue(choice.getMessage().contains("one of auto, io_uring, epoll, nio"));
  }

  @Test
  void shouldRejectUnknownOptionsMissingValuesAndBadFiles() throws Exception {
    assertEquals(
        "unknown option --prot (see --help)",
        assertThrows(
                ConfigException.class, () -> Configuration.load(List.of("--prot", "1"), Map.of()))
            .getMessage());
    assertTrue(
        assertThrows(ConfigException.class, () -> Configuration.load(List.of("--port"), Map.of()))
            .getMessage()
            .startsWith("option --port needs a value"));
    assertTrue(
        assertThrows(
                ConfigException.class,
                () ->
                    Configuration.load(
                        List.of("--config", dir.resolve("none").toString()), Map.of()))
            .getMessage()
            .startsWith("cannot read config file"));
    final Path bad = dir.resolve("bad.conf");
    Files.writeString(bad, "port = 1\nbogus = 2\n");
    assertEquals(
        "unknown setting 'bogus' at " + bad + ":2",
        assertThrows(
                ConfigException.class,
                () -> Configuration.load(List.of("--config", bad.toString()), Map.of()))
            .getMessage());
  }

  @Test
  void shouldDocumentEverySettingInHelp() {
    final String help = Configuration.help();
    for (final Setting<?> s : Settings.ALL) {
      assertTrue(help.contains(s.flag()), s.name());
      assertTrue(help.contains(s.envName()), s.name());
      assertTrue(help.contains(s.doc()), s.name());
      assertTrue(!s.doc().isBlank(), s.name());
    }
  }

  @Test
  void shouldParseEveryDefault() {
    // A default outside its own range would fail only at a user's start-up.
    for (final Setting<?> s : Settings.ALL) {
      if (!s.defaultValue().isEmpty()) {
        s.parse(s.defaultValue(), "default");
      }
    }
  }
}
