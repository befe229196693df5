package io.stele.engine.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stele.engine.CorruptLogException;
import io.stele.engine.SegmentInit;
import io.stele.engine.format.BatchDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * Recovery keeps exactly the valid prefix of a damaged log, is idempotent, never accepts a corrupt
 * batch, and refuses to start when the damage is before the durable point.
 */
class RecoveryTest {
  private static final int SEGMENT_BYTES = 256 * 1024;

  /** Recovers a copy; returns per-partition end offsets and the next log index. */
  private static long[] recover(final Path shard) throws Exception {
    final Recovery.Result r = Recovery.recover(shard, SEGMENT_BYTES, 512, SegmentInit.ZEROS);
    try {
      final TopicState t = r.state().topicsByName.get("t");
      final long[] out = new long[3];
      out[0] = t == null ? -1 : t.partitions[0].nextOffset;
      out[1] = t == null ? -1 : t.partitions[1].nextOffset;
      out[2] = r.state().nextLogIndex;
      return out;
    } finally {
      r.log().closeAll();
    }
  }

  private static long lastNonZero(final LogImage img, final LogImage.Batch b) {
    long i = b.end();
    while (i > b.position() && img.segment[(int) i - 1] == 0) {
      i--;
    }
    return i;
  }

  private static long[] expected(final LogImage img, final int batches) {
    final long[] c = img.recordsIn(batches);
    return new long[] {batches == 0 ? -1 : c[0], batches == 0 ? -1 : c[1], batches + 1};
  }

  @Test
  void shouldKeepExactlyTheCompleteBatchesWhenCutAtEveryByteOfTheLastBatches() throws Exception {
    final LogImage img = LogImage.get();
    final int n = img.batches.size();
    final long from = img.batches.get(n - 3).position();
    final Path base = Files.createTempDirectory("stele-cut");
    try {
      for (long cut = from; cut <= img.end(); cut++) {
        final byte[] seg = img.segment.clone();
        Arrays.fill(seg, (int) cut, seg.length, (byte) 0);
        final Path data = base.resolve("c" + cut);
        final Path shard = LogImage.write(data, seg);
        int complete = 0;
        // A batch survives the cut if the zeroed bytes were zero anyway (its last byte, the
        // header count of its last record, is always 0).
        while (complete < n && lastNonZero(img, img.batches.get(complete)) <= cut) {
          complete++;
        }
        final long[] want = expected(img, complete);
        assertArrayEquals(want, recover(shard), "cut at " + cut);
        assertArrayEquals(want, recover(shard), "second recovery, cut at " + cut);
        LogImage.deleteTree(data);
      }
    } finally {
      LogImage.deleteTree(base);
    }
  }

  @Property(tries = 60)
  void shouldIgnoreAndZeroGarbageAfterTheLastBatch(
      @ForAll @IntRange(min = 1, max = 3000) final int garbageLength,
      @ForAll final long seed,
      @ForAll final boolean zeros)
      throws Exception {
    final LogImage img = LogImage.get();
    final byte[] seg = img.segment.clone();
    final java.util.Random random = new java.util.Random(seed);
    final int at = (int) img.end();
    for (int i = 0; i < garbageLength; i++) {
      seg[at + i] = zeros ? 0 : (byte) random.nextInt(256);
    }
    final Path data = Files.createTempDirectory("stele-garbage");
    try {
      final Path shard = LogImage.write(data, seg);
      final long[] want = expected(img, img.batches.size());
      assertArrayEquals(want, recover(shard));
      final byte[] after = Files.readAllBytes(shard.resolve(LogImage.SEGMENT));
      assertEquals(
          at,
          Recovery.lastNonZero(new UnsafeBuffer(after), at, after.length),
          "garbage after the end must be zeroed");
      assertArrayEquals(want, recover(shard));
    } finally {
      LogImage.deleteTree(data);
    }
  }

  @Property(tries = 200)
  void shouldNeverAcceptABatchWithAFlippedBit(
      @ForAll @IntRange(min = 0, max = 1_000_000) final int batchPick,
      @ForAll @IntRange(min = 0, max = 1_000_000) final int bitPick,
      @ForAll final boolean durableMark)
      throws Exception {
    final LogImage img = LogImage.get();
    final int k = batchPick % img.batches.size();
    final LogImage.Batch b = img.batches.get(k);
    final int bit = bitPick % (b.length() * 8);
    final byte[] seg = img.segment.clone();
    seg[(int) b.position() + bit / 8] ^= (byte) (1 << (bit % 8));
    final Path data = Files.createTempDirectory("stele-flip");
    try {
      final Path shard = LogImage.write(data, seg);
      if (durableMark) {
        // Everything was flushed: damage anywhere is corruption, never a torn tail.
        LogImage.writeMark(shard, img.end());
        final CorruptLogException e = assertThrows(CorruptLogException.class, () -> recover(shard));
        assertTrue(
            e.getMessage().contains("position " + b.position()),
            "message names the position: " + e.getMessage());
      } else {
        // Without a durable point the damaged batch and everything after it is a torn tail.
        assertArrayEquals(expected(img, k), recover(shard), "flip in batch " + k + " bit " + bit);
        assertArrayEquals(expected(img, k), recover(shard));
      }
    } finally {
      LogImage.deleteTree(data);
    }
  }

  @Test
  void shouldRecoverFromCheckpointScanningOnlyTheTail() throws Exception {
    final LogImage img = LogImage.get();
    final Path data = Files.createTempDirectory("stele-ckpt");
    try {
      final Path shard = LogImage.write(data, img.segment.clone());
      final Recovery.Result full = Recovery.recover(shard, SEGMENT_BYTES, 512, SegmentInit.ZEROS);
      final long mid = img.batches.get(20).position();
      // A checkpoint at batch 20: rebuild the state up to there by recovering a cut copy.
      final byte[] cut = img.segment.clone();
      Arrays.fill(cut, (int) mid, cut.length, (byte) 0);
      final Path data2 = Files.createTempDirectory("stele-ckpt2");
      final Path shard2 = LogImage.write(data2, cut);
      final Recovery.Result partial =
          Recovery.recover(shard2, SEGMENT_BYTES, 512, SegmentInit.ZEROS);
      Checkpoints.write(shard, partial.state().snapshot(mid, SEGMENT_BYTES), null);
      partial.log().closeAll();
      full.log().closeAll();
      LogImage.deleteTree(data2);
      final Recovery.Result fromCkpt =
          Recovery.recover(shard, SEGMENT_BYTES, 512, SegmentInit.ZEROS);
      try {
        assertTrue(fromCkpt.fromCheckpoint());
        assertEquals(mid, fromCkpt.tailStart());
        assertEquals(img.end() - mid, fromCkpt.scannedBytes());
        final long[] c = img.recordsIn(img.batches.size());
        assertEquals(c[0], fromCkpt.state().topicsByName.get("t").partitions[0].nextOffset);
        assertEquals(c[1], fromCkpt.state().topicsByName.get("t").partitions[1].nextOffset);
      } finally {
        fromCkpt.log().closeAll();
      }
      // A corrupt checkpoint is ignored and the state is rebuilt from the log.
      final Path ck = shard.resolve(Checkpoints.CURRENT);
      final byte[] bytes = Files.readAllBytes(ck);
      bytes[bytes.length / 2] ^= 1;
      Files.write(ck, bytes);
      final Recovery.Result rebuilt =
          Recovery.recover(shard, SEGMENT_BYTES, 512, SegmentInit.ZEROS);
      try {
        assertTrue(!rebuilt.fromCheckpoint() || rebuilt.tailStart() == 0);
        assertEquals(
            img.recordsIn(img.batches.size())[0],
            rebuilt.state().topicsByName.get("t").partitions[0].nextOffset);
      } finally {
        rebuilt.log().closeAll();
      }
    } finally {
      LogImage.deleteTree(data);
    }
  }

  @Test
  void shouldDescribeTheImage() throws Exception {
    final LogImage img = LogImage.get();
    assertEquals(41, img.batches.size());
    assertEquals(BatchDescriptor.TYPE_CONTROL, img.batches.get(0).type());
  }
}
