package io.stele.engine.crash;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recovery checks only 32 MiB after the end of the log for stray bytes because the writer never
 * gets further than that ahead of the durable position. Here every fdatasync of the child takes 3 s
 * (strace delay injection) while it appends 4 KiB records as fast as it can without waiting for
 * flushes, with room for 256K of them in flight: the distance must come near the limit (the slow
 * flushes really let the writer get ahead) and never exceed it. Negative controls, seen: with the
 * writer's drain check and its wait before a write both disabled the distance went past the limit,
 * and also with only the wait disabled (one duty cycle may drain up to 4,096 appends).
 */
class UnflushedWindowTest {
  private static final long LIMIT = 32L << 20;

  @TempDir Path dir;

  @Test
  void shouldNeverWriteMoreThanTheLimitBeyondTheDurablePosition() throws Exception {
    Assumptions.assumeTrue(
        Files.isExecutable(Path.of("/usr/bin/strace")),
        "strace is not installed (apt-get install strace)");
    final List<String> cmd =
        new ArrayList<>(
            List.of(
                "/usr/bin/strace",
                "-f",
                "-qq",
                "--seccomp-bpf",
                "-o",
                dir.resolve("strace.out").toString(),
                "-e",
                "trace=fdatasync",
                "-e",
                "inject=fdatasync:delay_enter=3000000"));
    final String java =
        System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    cmd.addAll(
        List.of(
            java,
            "--add-exports",
            "java.base/jdk.internal.misc=ALL-UNNAMED",
            "-Xmx256m",
            "-cp",
            System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
            WindowChild.class.getName(),
            dir.resolve("data").toString()));
    final ChildProcess child = ChildProcess.start(cmd);
    long max = -1;
    try {
      // bounded: until the distance came near the limit, or 20 s
      child.awaitLines(
          lines -> !lines.isEmpty() && distance(lines.get(lines.size() - 1)) > LIMIT / 2, 20_000);
      // keep writing against the limit a while (stops early once past it)
      child.awaitLines(
          lines -> !lines.isEmpty() && distance(lines.get(lines.size() - 1)) > LIMIT, 4_000);
      for (final String l : child.lines) {
        assertTrue(!l.startsWith("F "), "the child failed: " + l);
        max = Math.max(max, distance(l));
      }
    } finally {
      child.kill();
    }
    if (max < 0) {
      Assumptions.abort("strace could not run the child: " + child.stderr());
    }
    assertTrue(
        Files.readString(dir.resolve("strace.out")).contains("fdatasync"),
        "the child's fdatasyncs were not traced");
    assertTrue(max > LIMIT / 2, "the slow flushes let the writer get ahead: " + max);
    assertTrue(max <= LIMIT, "written beyond durable + 32 MiB: " + max);
  }

  private static long distance(final String line) {
    return line.startsWith("W ") ? Long.parseLong(line.substring(2).trim()) : -1;
  }
}
