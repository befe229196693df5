package io.stele.engine.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.stele.engine.TopicConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The chunked index against a plain-array model, across chunk boundaries and dropped chunks. */
class PartitionIndexTest {
  @TempDir Path dir;

  /** Entry i of the model: offset 10i, position 100i + 7, running max timestamp, bytes 50i. */
  private static long offset(final long i) {
    return 10 * i;
  }

  private static long position(final long i) {
    return 100 * i + 7;
  }

  private static long timestamp(final long i) {
    return 1_000 + 3 * (i / 2);
  }

  private static long bytes(final long i) {
    return 50 * i;
  }

  private static PartitionIndex filled(final int n) {
    final PartitionIndex x = new PartitionIndex();
    for (int i = 0; i < n; i++) {
      x.add(offset(i), position(i), timestamp(i), bytes(i));
    }
    return x;
  }

  @Property(tries = 60)
  void lookupsMatchTheModel(
      @ForAll @IntRange(min = 0, max = 5000) final int n,
      @ForAll @IntRange(min = 0, max = 5000) final int dropAt,
      @ForAll @IntRange(min = -5, max = 52_000) final int key) {
    final PartitionIndex x = filled(n);
    final PartitionIndex.View before = x.view();
    x.dropBefore(dropAt);
    final long first = x.first();
    assertEquals(Math.min(dropAt, n) / PartitionIndex.CHUNK * PartitionIndex.CHUNK, first);
    assertEquals(n, x.count());
    // floor by offset among the held entries [first, n)
    long expect = -1;
    for (long i = first; i < n; i++) {
      if (offset(i) <= key) {
        expect = i;
      }
    }
    assertEquals(expect, x.floorByOffset(key));
    if (expect >= 0) {
      assertEquals(position(expect), x.positionAt(expect));
      assertEquals(bytes(expect), x.bytesAt(expect));
      assertEquals(offset(expect), x.offsetAt(expect));
    }
    long ceil = n;
    for (long i = n - 1; i >= first; i--) {
      if (timestamp(i) >= key) {
        ceil = i;
      }
    }
    assertEquals(ceil, x.ceilingByTimestamp(key));
    // a dropped entry reads as -1; the view taken before the drop still holds all of it
    if (first > 0) {
      assertEquals(-1, x.positionAt(first - 1));
      assertEquals(position(first - 1), before.table().get(PartitionIndex.POSITION, first - 1));
    }
    assertEquals(0, before.first());
    assertEquals(n, before.count());
  }

  @Test
  void shouldGrowWithoutCopyingPublishedChunks() {
    final PartitionIndex x = filled(PartitionIndex.CHUNK);
    final PartitionIndex.View v = x.view();
    final long[] firstChunk = v.table().chunks[0];
    for (int i = PartitionIndex.CHUNK; i < 10 * PartitionIndex.CHUNK; i++) {
      x.add(offset(i), position(i), timestamp(i), bytes(i));
    }
    assertEquals(firstChunk, x.view().table().chunks[0], "chunk 0 is the same array");
    assertEquals(
        position(5 * PartitionIndex.CHUNK + 3), x.positionAt(5 * PartitionIndex.CHUNK + 3));
  }

  @Test
  void shouldKeepASmallIndexSmall() {
    final PartitionIndex x = filled(3);
    assertEquals(
        PartitionIndex.COLUMNS * PartitionIndex.FIRST_CAPACITY, x.view().table().chunk(0).length);
    final PartitionIndex.View early = x.view();
    for (int i = 3; i < 100; i++) {
      x.add(offset(i), position(i), timestamp(i), bytes(i));
    }
    assertEquals(PartitionIndex.COLUMNS * 128, x.view().table().chunk(0).length);
    for (int i = 0; i < 100; i++) {
      assertEquals(position(i), x.positionAt(i));
      assertEquals(bytes(i), x.bytesAt(i));
    }
    for (int i = 0; i < early.count(); i++) {
      assertEquals(timestamp(i), early.table().get(PartitionIndex.TIMESTAMP, i));
    }
  }

  @Test
  void shouldRoundTripIndexesThroughACheckpointFile() throws IOException {
    final ShardState s = new ShardState(4096);
    final TopicState t = new TopicState(1, "t", new TopicConfig(2, -1, -1, Map.of()));
    s.topicsById.put(1, t);
    s.topicsByName.put("t", t);
    s.nextTopicId = 2;
    final Random random = new Random(7);
    final int n0 = 3 * PartitionIndex.CHUNK + 17;
    for (int i = 0; i < n0; i++) {
      t.partitions[0].index.add(offset(i), position(i), timestamp(i), bytes(i));
      s.logIndexIndex.add(i + 1, position(i), 0, 0);
    }
    t.partitions[0].index.dropBefore(PartitionIndex.CHUNK + 5);
    t.partitions[1].index.add(42, 4242, random.nextInt(), 0);
    final ShardState.Snapshot snap = s.snapshot(position(n0), 1 << 20);
    // entries added after the snapshot are not in it
    t.partitions[0].index.add(offset(n0), position(n0), timestamp(n0), bytes(n0));

    final Path file = dir.resolve("checkpoint");
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      snap.writeTo(ch, ByteBuffer.allocateDirect(4096)); // many pieces
    }
    assertEquals(snap.size(), file.toFile().length());
    final ShardState.Restored r = Checkpoints.read(file, 4096);
    assertEquals(2, r.version());
    assertEquals(position(n0), r.position());
    final PartitionIndex p0 = r.state().topicsById.get(1).partitions[0].index;
    assertEquals(PartitionIndex.CHUNK, p0.first());
    assertEquals(n0, p0.count());
    for (long i = p0.first(); i < n0; i++) {
      assertEquals(offset(i), p0.offsetAt(i));
      assertEquals(position(i), p0.positionAt(i));
      assertEquals(timestamp(i), p0.timestampAt(i));
      assertEquals(bytes(i), p0.bytesAt(i));
    }
    assertEquals(4242, r.state().topicsById.get(1).partitions[1].index.positionAt(0));
    assertEquals(n0, r.state().logIndexIndex.count());
    assertEquals(
        position(99),
        r.state().logIndexIndex.positionAt(r.state().logIndexIndex.floorByOffset(100)));
    // the same bytes through the array path
    assertEquals(n0, ShardState.restore(snap.toBytes(), 4096).state().logIndexIndex.count());

    // negative control: one flipped bit anywhere in the columns is refused
    final byte[] bytes = snap.toBytes();
    bytes[bytes.length - 100] ^= 1;
    assertThrows(IOException.class, () -> ShardState.restore(bytes, 4096));
  }
}
