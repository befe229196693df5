package io.stele.bench.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Temporary directories and the JVM flags the benchmark forks need (FACTS.md). */
final class BenchSupport {
  static final String AGRONA = "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED";

  private BenchSupport() {}

  /**
   * A {@code cacheWindow} parameter: {@code default} (the engine's default), {@code off} (-1, the
   * kernel keeps every page) or a number of bytes.
   */
  static long cacheWindow(final String v) {
    switch (v) {
      case "default":
        return io.stele.engine.EngineConfig.DEFAULT_CACHE_WINDOW_BYTES;
      case "off":
        return -1;
      default:
        return Long.parseLong(v);
    }
  }

  static Path tempDir(final String prefix) throws IOException {
    final String base = System.getProperty("stele.bench.dir");
    return base == null
        ? Files.createTempDirectory(prefix)
        : Files.createTempDirectory(Path.of(base), prefix);
  }

  static void delete(final Path p) throws IOException {
    if (p == null || !Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (final Path f : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(f);
      }
    }
  }
}
