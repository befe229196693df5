package io.stele.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code stele} command as a real child process: start, serve, SIGTERM, bad settings. */
class ServeProcessTest {
  private static final Pattern LISTENING = Pattern.compile("HTTP listening on [^:]+:(\\d+)");

  private static final Map<Process, Path> OUTPUTS = new ConcurrentHashMap<>();

  @TempDir Path dir;
  private final List<Process> started = new ArrayList<>();

  @AfterEach
  void killLeftovers() {
    for (final Process p : started) {
      p.destroyForcibly();
    }
  }

  private Process start(final String... args) throws IOException {
    final List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("--add-exports");
    cmd.add("java.base/jdk.internal.misc=ALL-UNNAMED");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(Main.class.getName());
    cmd.addAll(List.of(args));
    final Path out = Files.createTempFile(dir, "out", ".log");
    final Process p =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    OUTPUTS.put(p, out);
    started.add(p);
    return p;
  }

  /** The process's combined output so far. */
  private static String output(final Process p) throws IOException {
    return Files.readString(OUTPUTS.get(p), StandardCharsets.UTF_8);
  }

  private static int awaitPort(final Process p) throws Exception {
    final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      final Matcher m = LISTENING.matcher(output(p));
      if (m.find()) {
        return Integer.parseInt(m.group(1));
      }
      if (!p.isAlive()) {
        break;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("server did not report its port; output: " + output(p));
  }

  @Test
  void shouldServeHealthAndExitZeroOnSigtermWithinFiveSeconds() throws Exception {
    final Process p = start("serve", "--port", "0", "--data-dir", dir.resolve("data").toString());
    final int port = awaitPort(p);

    final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    final HttpResponse<String> health =
        client.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, health.statusCode());
    assertEquals("{\"status\":\"ok\"}\n", health.body());
    final HttpResponse<String> ready =
        client.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/readyz")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, ready.statusCode());

    final long t0 = System.nanoTime();
    p.destroy(); // SIGTERM on Linux
    assertTrue(p.waitFor(5, TimeUnit.SECONDS), "did not exit within 5 s of SIGTERM");
    final long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    assertEquals(0, p.exitValue(), "exit status after SIGTERM; output: " + output(p));
    assertTrue(ms < 5_000, "took " + ms + " ms");
    final String out = output(p);
    assertTrue(out.contains("SIGTERM received: shutting down"), out);
    assertTrue(out.contains("stopped"), out);
  }

  @Test
  void shouldExitTwoWithOneLineNamingTheSettingOnBadValues() throws Exception {
    final String[][] cases = {
      {"--port", "abc"},
      {"--port", "-1"},
      {"--io-threads", "0"},
      {"--transport", "carrier-pigeon"},
      {"--idle-timeout-ms", "1e3"},
    };
    for (final String[] bad : cases) {
      final Process p =
          start("serve", bad[0], bad[1], "--data-dir", dir.resolve("data").toString());
      assertTrue(p.waitFor(30, TimeUnit.SECONDS));
      final String out = output(p);
      assertEquals(ExitCode.USAGE, p.exitValue(), out);
      final String[] outLines = out.strip().split("\n");
      assertEquals(1, outLines.length, "expected one line, got: " + out);
      assertTrue(outLines[0].startsWith("stele: invalid " + bad[0].substring(2) + " '"), out);
      assertFalse(out.contains("Exception") || out.contains("\tat "), out);
    }
  }

  @Test
  void shouldRefuseUnknownCommandsAndOptions() throws Exception {
    final Process cmd = start("frobnicate");
    assertTrue(cmd.waitFor(30, TimeUnit.SECONDS));
    assertEquals(ExitCode.USAGE, cmd.exitValue());
    final Process opt = start("serve", "--no-such-thing", "1");
    assertTrue(opt.waitFor(30, TimeUnit.SECONDS));
    assertEquals(ExitCode.USAGE, opt.exitValue());
    assertEquals("stele: unknown option --no-such-thing (see --help)", output(opt).strip());
  }

  @Test
  void shouldServeSeveralShardsAndOpenOnlyWithTheirCount() throws Exception {
    final String data = dir.resolve("sharded").toString();
    final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    final Process first = start("serve", "--port", "0", "--shards", "3", "--data-dir", data);
    final String base = "http://127.0.0.1:" + awaitPort(first);
    assertEquals(
        201,
        client
            .send(
                HttpRequest.newBuilder(URI.create(base + "/v1/topics/orders"))
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"partitions\":6}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .statusCode());
    for (int p = 0; p < 6; p++) {
      for (int i = 0; i <= p; i++) {
        final HttpResponse<String> r =
            client.send(
                HttpRequest.newBuilder(
                        URI.create(base + "/v1/topics/orders/records?partition=" + p))
                    .POST(HttpRequest.BodyPublishers.ofString("p" + p + "-" + i))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.body().contains("\"offset\":" + i), r.body());
      }
    }
    first.destroy();
    assertTrue(first.waitFor(10, TimeUnit.SECONDS));
    assertEquals(0, first.exitValue(), output(first));
    for (int k = 0; k < 3; k++) {
      assertTrue(Files.isDirectory(Path.of(data, "shard-" + k)), "shard-" + k);
    }

    final Process wrong = start("serve", "--port", "0", "--shards", "2", "--data-dir", data);
    assertTrue(wrong.waitFor(30, TimeUnit.SECONDS));
    assertEquals(ExitCode.FATAL, wrong.exitValue(), output(wrong));
    assertTrue(output(wrong).contains("was created with 3 shards"), output(wrong));

    final Process again = start("serve", "--port", "0", "--shards", "3", "--data-dir", data);
    final String base2 = "http://127.0.0.1:" + awaitPort(again);
    for (int p = 0; p < 6; p++) {
      final HttpResponse<String> r =
          client.send(
              HttpRequest.newBuilder(
                      URI.create(base2 + "/v1/topics/orders/partitions/" + p + "/records?offset=0"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode(), r.body());
      final String[] lines = r.body().strip().split("\n");
      assertEquals(p + 1, lines.length, r.body());
      assertTrue(lines[p].contains("\"value\":\"p" + p + "-" + p + "\""), r.body());
    }
    again.destroy();
    assertTrue(again.waitFor(10, TimeUnit.SECONDS));
    assertEquals(0, again.exitValue(), output(again));
  }

  @Test
  void shouldExitOneWhenTheDataDirectoryIsInUse() throws Exception {
    final String data = dir.resolve("shared").toString();
    final Process first = start("serve", "--port", "0", "--data-dir", data);
    awaitPort(first);
    final Process second = start("serve", "--port", "0", "--data-dir", data);
    assertTrue(second.waitFor(30, TimeUnit.SECONDS));
    final String out = output(second);
    assertEquals(ExitCode.FATAL, second.exitValue(), out);
    assertTrue(out.contains("is in use by another Stele process"), out);
    first.destroy();
    assertTrue(first.waitFor(5, TimeUnit.SECONDS));
  }

  @Test
  void shouldExitOneWhenThePortIsTaken() throws Exception {
    final Process first = start("serve", "--port", "0", "--data-dir", dir.resolve("a").toString());
    final int port = awaitPort(first);
    final Process second =
        start("serve", "--port", Integer.toString(port), "--data-dir", dir.resolve("b").toString());
    assertTrue(second.waitFor(30, TimeUnit.SECONDS));
    final String out = output(second);
    assertEquals(ExitCode.FATAL, second.exitValue(), out);
    assertTrue(out.contains("stele: cannot listen on 127.0.0.1:" + port), out);
    assertFalse(out.contains("\tat "), out);
    first.destroy();
    assertTrue(first.waitFor(5, TimeUnit.SECONDS));
  }

  @Test
  void shouldPrintVersionAndHelp() throws Exception {
    final Process v = start("version");
    assertTrue(v.waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, v.exitValue());
    assertTrue(output(v).matches("stele \\d+\\.\\d+\\.\\d+.*\\n"));
    final Process h = start("serve", "--help");
    assertTrue(h.waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, h.exitValue());
    final String help = output(h);
    for (final Setting<?> s : Settings.ALL) {
      assertTrue(help.contains(s.flag()), "help lacks " + s.flag());
    }
  }

  @Test
  void shouldCheckADataDirectoryAndFindACorruptBatch() throws Exception {
    final Path data = dir.resolve("checked");
    final Process p = start("serve", "--port", "0", "--data-dir", data.toString());
    final int port = awaitPort(p);
    final HttpClient client = HttpClient.newHttpClient();
    final String base = "http://127.0.0.1:" + port;
    assertEquals(
        201,
        client
            .send(
                HttpRequest.newBuilder(URI.create(base + "/v1/topics/c"))
                    .PUT(HttpRequest.BodyPublishers.noBody())
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .statusCode());
    for (int i = 0; i < 10; i++) {
      assertEquals(
          200,
          client
              .send(
                  HttpRequest.newBuilder(URI.create(base + "/v1/topics/c/records?durability=local"))
                      .POST(HttpRequest.BodyPublishers.ofString("record-" + i))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .statusCode());
    }
    p.destroy();
    assertTrue(p.waitFor(5, TimeUnit.SECONDS));

    final Process ok = start("check", "--data-dir", data.toString());
    assertTrue(ok.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, ok.exitValue(), output(ok));

    // Flip one byte inside the last record's value: its batch CRC no longer matches.
    final Path segment;
    try (java.util.stream.Stream<Path> files = Files.walk(data)) {
      segment =
          files
              .filter(f -> Files.isRegularFile(f) && f.getFileName().toString().matches("\\d+.*"))
              .filter(f -> f.getParent().getFileName().toString().startsWith("shard"))
              .sorted()
              .findFirst()
              .orElseThrow(() -> new AssertionError("no segment file under " + data));
    }
    final byte[] bytes = Files.readAllBytes(segment);
    final byte[] needle = "record-9".getBytes(StandardCharsets.US_ASCII);
    int at = -1;
    for (int i = 0; i + needle.length <= bytes.length && at < 0; i++) {
      if (java.util.Arrays.equals(bytes, i, i + needle.length, needle, 0, needle.length)) {
        at = i;
      }
    }
    assertTrue(at > 0, "record-9 not found in " + segment);
    try (java.nio.channels.FileChannel ch =
        java.nio.channels.FileChannel.open(segment, java.nio.file.StandardOpenOption.WRITE)) {
      ch.write(java.nio.ByteBuffer.wrap(new byte[] {(byte) (bytes[at] ^ 0x01)}), at);
    }
    final Process bad = start("check", "--data-dir", data.toString());
    assertTrue(bad.waitFor(60, TimeUnit.SECONDS));
    assertEquals(2, bad.exitValue(), output(bad));

    final Process missing = start("check", "--data-dir", dir.resolve("none").toString());
    assertTrue(missing.waitFor(60, TimeUnit.SECONDS));
    assertEquals(ExitCode.USAGE, missing.exitValue(), output(missing));
  }
}
