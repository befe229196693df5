package io.stele.engine.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stele.engine.SegmentInit;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A segment created a piece at a time is the same file as one created at once. */
class SegmentCreationTest {
  @TempDir Path dir;

  @Test
  void shouldCreateASegmentAPieceAtATime() throws Exception {
    final int length = 5 << 20;
    final Segment.Creation c = Segment.begin(dir, 3L * length, length, SegmentInit.ZEROS);
    final Path tmp = dir.resolve(Segment.fileName(3L * length, Segment.TMP_SUFFIX));
    assertThrows(IllegalStateException.class, c::finish, "not before every byte is written");
    int steps = 0;
    while (!c.step(2 << 20)) {
      steps++;
      assertTrue(Files.exists(tmp), "written under its temporary name");
    }
    assertEquals(2, steps, "5 MiB in pieces of 2 MiB: two before the last");
    final Segment s = c.finish();
    final Path open = dir.resolve(Segment.fileName(3L * length, Segment.OPEN_SUFFIX));
    assertFalse(Files.exists(tmp));
    assertEquals(length, Files.size(open));
    final byte[] bytes = Files.readAllBytes(open);
    for (final byte b : bytes) {
      assertEquals(0, b);
    }
    assertEquals(3L * length, s.basePosition());
    s.close();
  }

  @Test
  void shouldCompleteACreationOthersBegan() throws Exception {
    final int length = 3 << 20;
    final Segment.Creation c = Segment.begin(dir, length, length, SegmentInit.ZEROS);
    final Path tmp = dir.resolve(Segment.fileName(length, Segment.TMP_SUFFIX));
    assertFalse(c.step(1 << 20), "a third of it");
    // what is already there must stay; complete writes only the rest
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(new byte[] {7}), 4096);
    }
    final Segment s = Segment.complete(c);
    final Path open = dir.resolve(Segment.fileName(length, Segment.OPEN_SUFFIX));
    assertFalse(Files.exists(tmp));
    final byte[] bytes = Files.readAllBytes(open);
    assertEquals(length, bytes.length);
    assertEquals(7, bytes[4096], "the first piece was not written again");
    for (int i = 1 << 20; i < length; i++) {
      assertEquals(0, bytes[i]);
    }
    s.close();
  }

  /**
   * {@link SegmentInit#ALLOCATE}: the file has its full size and its blocks (not sparse), its
   * extents are reserved but unwritten (no zeros went to the device), its pages are in memory ahead
   * of the writer, and records written into it read back. Each property has a control that shows
   * the check can fail: a written-zeros segment has no unwritten extents, a sparse file lacks
   * blocks, a reserved file nobody read has no pages in memory.
   */
  @Test
  void shouldReserveASegmentWithoutWritingIt() throws Exception {
    final String fs = Files.getFileStore(dir).type();
    Assumptions.assumeTrue(
        fs.equals("ext4") || fs.equals("xfs"),
        "reserving and filefrag's unwritten flag are checked on ext4 and XFS; the temporary"
            + " directory is on "
            + fs);
    final int length = 8 << 20;
    final Segment.Creation c = Segment.begin(dir, 0, length, SegmentInit.ALLOCATE);
    assertTrue(c.reserved(), "this file system (" + Files.getFileStore(dir).type() + ") reserves");
    final Path tmp = dir.resolve(Segment.fileName(0, Segment.TMP_SUFFIX));
    assertEquals(length, Files.size(tmp), "full size as soon as it is reserved");
    final Segment s = Segment.complete(c);
    final Path open = s.path();
    assertEquals(length, Files.size(open));
    assertTrue(allocatedBytes(open) >= length, "blocks reserved: " + allocatedBytes(open));
    assertTrue(run("filefrag", "-v", open.toString()).contains("unwritten"), "nothing written");
    assertTrue(residentBytes(open) >= length / 2, "read into memory: " + residentBytes(open));

    final ByteBuffer record = ByteBuffer.allocateDirect(4096);
    for (int i = 0; i < 4096; i++) {
      record.put(i, (byte) (i * 31 + 7));
    }
    s.write(record, 1 << 20);
    s.force();
    final byte[] bytes = Files.readAllBytes(open);
    for (int i = 0; i < length; i++) {
      final int expected =
          i >= 1 << 20 && i < (1 << 20) + 4096 ? (byte) ((i - (1 << 20)) * 31 + 7) : 0;
      if (bytes[i] != expected) {
        assertEquals(expected, bytes[i], "byte " + i);
      }
    }
    s.close();

    // controls
    final Segment zeros = Segment.create(dir, length, length, SegmentInit.ZEROS);
    assertFalse(run("filefrag", "-v", zeros.path().toString()).contains("unwritten"));
    assertTrue(allocatedBytes(zeros.path()) >= length);
    zeros.close();
    final Path sparse = dir.resolve("sparse");
    try (RandomAccessFile f = new RandomAccessFile(sparse.toFile(), "rw")) {
      f.setLength(length);
    }
    assertTrue(allocatedBytes(sparse) < length, "a sparse file has no blocks to speak of");
    final Path unread = dir.resolve("unread");
    Files.createFile(unread);
    assertTrue(FileSpace.reserve(unread, length));
    assertEquals(length, allocatedBytes(unread));
    assertTrue(residentBytes(unread) < length / 2, "reserving alone reads nothing");
  }

  /** A full disk fails the reservation at once, with the reason, and leaves no file behind. */
  @Test
  void shouldRefuseToReserveOnAFullDisk() throws Exception {
    Assumptions.assumeTrue(
        "root".equals(System.getProperty("user.name")), "needs root to mount a small tmpfs");
    final Path small = dir.resolve("small");
    Files.createDirectories(small);
    run("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", small.toString());
    try {
      final IOException e =
          assertThrows(
              IOException.class, () -> Segment.create(small, 0, 4 << 20, SegmentInit.ALLOCATE));
      assertTrue(e.getMessage().contains("No space left on device"), e.getMessage());
      try (var files = Files.list(small)) {
        assertEquals(0, files.count(), "the temporary file is gone");
      }
      // what fits is reserved
      Segment.create(small, 0, 1 << 20, SegmentInit.ALLOCATE).close();
    } finally {
      run("umount", small.toString());
    }
  }

  private static long allocatedBytes(final Path file) throws Exception {
    final String[] blocks = run("stat", "-c", "%b %B", file.toString()).trim().split(" ");
    return Long.parseLong(blocks[0]) * Long.parseLong(blocks[1]);
  }

  private static long residentBytes(final Path file) throws Exception {
    return Long.parseLong(run("fincore", "-b", "-n", "-o", "RES", file.toString()).trim());
  }

  private static String run(final String... command) throws Exception {
    final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), String.join(" ", command) + " did not end");
    assertEquals(0, p.exitValue(), String.join(" ", command) + ": " + out);
    return out;
  }

  @Test
  void shouldLeaveNothingWhenAborted() throws Exception {
    final Segment.Creation c = Segment.begin(dir, 0, 1 << 20, SegmentInit.ZEROS);
    c.step(64 << 10);
    c.abort();
    try (var files = Files.list(dir)) {
      assertEquals(0, files.count());
    }
  }
}
