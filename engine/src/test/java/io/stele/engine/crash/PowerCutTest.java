package io.stele.engine.crash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stele.engine.EngineFixture;
import io.stele.engine.internal.StorageEngine;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Simulated power cut (DESIGN §7): the data directory lives on a loop-mounted XFS image; while the
 * child appends with {@code local} durability, {@code xfs_io -x -c shutdown} cuts the filesystem
 * off (what was not flushed never reaches the image), the child is killed, the image is unmounted
 * and mounted again, and every acknowledged record must be there. The negative control runs the
 * child under {@code eatmydata} (fsync is a no-op) and must find lost acknowledgements: proof the
 * check can fail. Root only; skipped with the reason elsewhere.
 */
@Tag("slow")
class PowerCutTest {
  @TempDir Path dir;

  @Test
  void shouldKeepEveryAckedRecordAcrossPowerCuts() throws Exception {
    powerCuts(3, "pc", 200);
  }

  /**
   * The same with reserved, unwritten segment blocks ({@code SegmentInit.ALLOCATE}): what a flush
   * wrote must survive the cut, and what it did not must read as zeros, not as a stale block.
   */
  @Test
  void shouldKeepEveryAckedRecordAcrossPowerCutsWithReservedSegments() throws Exception {
    powerCuts(2, "pa", 300, "1048576", "1", "ALLOCATE");
  }

  /**
   * Cycles of append, power cut, remount, verify on one image; cycle {@code k} cuts after {@code
   * firstAcks + 150 k} acknowledgements.
   */
  private void powerCuts(
      final int cycles, final String label, final int firstAcks, final String... childArgs)
      throws Exception {
    final Path mnt = mountImage();
    try {
      final AckVerifier acks = new AckVerifier();
      for (int cycle = 0; cycle < cycles; cycle++) {
        final List<String> lines =
            runAndCut(mnt, List.of(), label + cycle, firstAcks + cycle * 150, childArgs);
        acks.addAcks(lines);
        remount(mnt);
        try (StorageEngine e = EngineFixture.open(mnt.resolve("data"))) {
          assertEquals(
              List.of(), acks.verify(e, CrashChild.TOPIC, CrashChild.PARTITIONS), "cycle " + cycle);
        }
      }
      assertTrue(acks.count() > 300, "acks: " + acks.count());
    } finally {
      unmount(mnt);
    }
  }

  @Test
  void negativeControlShouldLoseAcksWhenFsyncIsANoOp() throws Exception {
    Assumptions.assumeTrue(
        Files.isExecutable(Path.of("/usr/bin/eatmydata")), "eatmydata is not installed");
    final Path mnt = mountImage();
    try {
      final List<String> lines = runAndCut(mnt, List.of("/usr/bin/eatmydata"), "nc", 400);
      final AckVerifier acks = new AckVerifier();
      acks.addAcks(lines);
      remount(mnt);
      List<String> problems;
      try (StorageEngine e = EngineFixture.open(mnt.resolve("data"))) {
        problems = acks.verify(e, CrashChild.TOPIC, CrashChild.PARTITIONS);
      } catch (final IOException refused) {
        problems = List.of("recovery refused: " + refused.getMessage());
      }
      assertFalse(
          problems.isEmpty(),
          "with fsync suppressed a power cut must lose acknowledged records, else the test is blind");
    } finally {
      unmount(mnt);
    }
  }

  private List<String> runAndCut(
      final Path mnt,
      final List<String> prefix,
      final String label,
      final int acks,
      final String... childArgs)
      throws Exception {
    final List<String> cmd = new ArrayList<>(prefix);
    cmd.addAll(ChildProcess.javaCommand(mnt.resolve("data"), label, childArgs));
    final ChildProcess child = ChildProcess.start(cmd);
    try {
      assertTrue(
          child.awaitLines(l -> l.stream().filter(x -> x.startsWith("A ")).count() >= acks, 60_000),
          "child did not ack " + acks + ": " + child.stderr());
      // The power cut: nothing written after this reaches the image.
      run("xfs_io", "-x", "-c", "shutdown", mnt.toString());
    } finally {
      child.kill();
    }
    return new ArrayList<>(child.lines);
  }

  private Path mountImage() throws Exception {
    Assumptions.assumeTrue(
        "root".equals(System.getProperty("user.name")), "power-cut test needs root (mount)");
    Assumptions.assumeTrue(
        Files.exists(Path.of("/dev/loop-control")), "no loop devices in this environment");
    Assumptions.assumeTrue(
        Files.isExecutable(Path.of("/usr/sbin/mkfs.xfs"))
            && Files.isExecutable(Path.of("/usr/sbin/xfs_io")),
        "xfsprogs is not installed (apt-get install xfsprogs)");
    final Path img = dir.resolve("fs.img");
    try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
      f.setLength(320L << 20);
    }
    run("/usr/sbin/mkfs.xfs", "-q", "-f", img.toString());
    final Path mnt = dir.resolve("mnt");
    Files.createDirectories(mnt);
    final String out = run("mount", "-o", "loop", img.toString(), mnt.toString());
    Assumptions.assumeTrue(isMounted(mnt), "cannot loop-mount an image here: " + out);
    return mnt;
  }

  private void remount(final Path mnt) throws Exception {
    final String out = umountWithRetry(mnt);
    assertFalse(isMounted(mnt), "unmount failed: " + out + holders(mnt));
    run("mount", "-o", "loop", dir.resolve("fs.img").toString(), mnt.toString());
    assertTrue(isMounted(mnt), "remount failed");
  }

  private void unmount(final Path mnt) throws Exception {
    if (isMounted(mnt)) {
      umountWithRetry(mnt);
    }
    if (isMounted(mnt)) {
      run("umount", "-l", mnt.toString()); // after a failure: never leave the mount behind
    }
  }

  /** The killed child's files may take a moment to be released; bounded retries. */
  private static String umountWithRetry(final Path mnt) throws Exception {
    String out = "";
    final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() - deadline < 0) {
      out = run("umount", mnt.toString());
      if (!isMounted(mnt)) {
        return out;
      }
      Thread.sleep(100); // waiting for the kernel to release the dead child's files
    }
    return out;
  }

  /** Processes with a cwd, open file or mapping under {@code mnt}, for the failure message. */
  private static String holders(final Path mnt) throws IOException {
    final StringBuilder sb = new StringBuilder();
    try (var procs = Files.list(Path.of("/proc"))) {
      for (final Path p : procs.filter(x -> x.getFileName().toString().matches("\\d+")).toList()) {
        try {
          final String maps = Files.readString(p.resolve("maps"));
          boolean held = maps.contains(mnt.toString());
          try (var fds = Files.list(p.resolve("fd"))) {
            for (final Path fd : fds.toList()) {
              try {
                held |= Files.readSymbolicLink(fd).toString().startsWith(mnt.toString());
              } catch (final IOException ignored) {
                // raced with close
              }
            }
          }
          if (held) {
            sb.append("\n held by ")
                .append(p)
                .append(' ')
                .append(Files.readString(p.resolve("cmdline")).replace('\0', ' '));
          }
        } catch (final IOException ignored) {
          // process gone or not ours to read
        }
      }
    }
    return sb.toString();
  }

  private static boolean isMounted(final Path mnt) throws IOException {
    final String m = Files.readString(Path.of("/proc/mounts"), StandardCharsets.UTF_8);
    return m.contains(" " + mnt.toAbsolutePath() + " ");
  }

  private static String run(final String... cmd) throws Exception {
    final Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("timeout: " + String.join(" ", cmd));
    }
    return out + (p.exitValue() == 0 ? "" : " (exit " + p.exitValue() + ")");
  }
}
