package io.stele.engine.crash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stele.engine.EngineFixture;
import io.stele.engine.internal.StorageEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * fsyncgate (DESIGN §3): the child runs under strace, which makes its Nth fdatasync fail with EIO
 * (once: the classic case where a retry would "succeed" although the data is gone). After the first
 * failure nothing may be acknowledged: the ack stream must end at the first failure line, the
 * failure must name the fsync, and every record acked before it must still be there.
 */
class FsyncFailureTest {
  @TempDir Path dir;

  @Test
  void shouldAckNothingAfterTheFirstFailedFdatasync() throws Exception {
    Assumptions.assumeTrue(
        Files.isExecutable(Path.of("/usr/bin/strace")),
        "strace is not installed (apt-get install strace)");
    final Path data = dir.resolve("data");
    final Path trace = dir.resolve("strace.out");
    final List<String> cmd = new ArrayList<>();
    cmd.addAll(
        List.of(
            "/usr/bin/strace",
            "-f",
            "-qq",
            "--seccomp-bpf",
            "-o",
            trace.toString(),
            "-e",
            "trace=fdatasync,fsync,msync",
            "-e",
            "inject=fdatasync:error=EIO:when=40"));
    cmd.addAll(ChildProcess.javaCommand(data, "eio"));
    final ChildProcess child = ChildProcess.start(cmd);
    final boolean failed;
    try {
      failed = child.awaitLines(l -> l.stream().anyMatch(x -> x.startsWith("F ")), 60_000);
      if (!failed && child.lines.isEmpty()) {
        Assumptions.abort(
            "strace could not run the child (ptrace not permitted?): " + child.stderr());
      }
      // Give the child time to (wrongly) ack more after the failure, so the check has teeth.
      child.awaitLines(l -> false, 500);
    } finally {
      child.kill();
    }
    final String straceOut = Files.readString(trace);
    assertTrue(straceOut.contains("(INJECTED)"), "the EIO was not injected:\n" + straceOut);
    assertTrue(failed, "the child never reported a failure: " + child.lines + child.stderr());
    final List<String> lines = new ArrayList<>(child.lines);
    int firstFailure = -1;
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).startsWith("F ")) {
        firstFailure = i;
        break;
      }
    }
    final List<String> acksAfter =
        lines.subList(firstFailure, lines.size()).stream().filter(l -> l.startsWith("A ")).toList();
    assertEquals(List.of(), acksAfter, "acks after the first failure: " + lines.get(firstFailure));
    assertTrue(
        lines.stream().anyMatch(l -> l.startsWith("F ") && l.contains("fsync")),
        "the failure reason names the fsync: " + lines.subList(firstFailure, lines.size()));
    final long acked =
        lines.subList(0, firstFailure).stream().filter(l -> l.startsWith("A ")).count();
    assertTrue(acked > 0, "some appends were acked before the failure");

    // Everything acked before the failure was flushed by an fdatasync that succeeded.
    final AckVerifier acks = new AckVerifier();
    acks.addAcks(lines.subList(0, firstFailure));
    try (StorageEngine e = EngineFixture.open(data)) {
      assertEquals(List.of(), acks.verify(e, CrashChild.TOPIC, CrashChild.PARTITIONS));
    }
    assertTrue(child.process.waitFor(10, TimeUnit.SECONDS));
  }
}
