package io.stele.engine.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A segment created a piece at a time is the same file as one created at once. */
class SegmentCreationTest {
  @TempDir Path dir;

  @Test
  void shouldCreateASegmentAPieceAtATime() throws Exception {
    final int length = 5 << 20;
    final Segment.Creation c = Segment.begin(dir, 3L * length, length);
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
    final Segment.Creation c = Segment.begin(dir, length, length);
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

  @Test
  void shouldLeaveNothingWhenAborted() throws Exception {
    final Segment.Creation c = Segment.begin(dir, 0, 1 << 20);
    c.step(64 << 10);
    c.abort();
    try (var files = Files.list(dir)) {
      assertEquals(0, files.count());
    }
  }
}
