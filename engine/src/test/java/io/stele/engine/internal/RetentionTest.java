package io.stele.engine.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stele.engine.AppendRequest;
import io.stele.engine.AppendStatus;
import io.stele.engine.Completions;
import io.stele.engine.Durability;
import io.stele.engine.EngineFixture;
import io.stele.engine.ReadStatus;
import io.stele.engine.TopicConfig;
import io.stele.engine.TopicStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RetentionTest {
  @TempDir Path dir;

  @Test
  void shouldAdvanceStartOffsetAndDeleteSegmentsNoPartitionNeeds() throws Exception {
    try (StorageEngine e = EngineFixture.open(dir)) {
      assertEquals(
          TopicStatus.CREATED,
          EngineFixture.create(e, "r", new TopicConfig(1, -1, 64 * 1024, Map.of())));
      final AppendRequest r = new AppendRequest(16);
      final Completions c = new Completions();
      final String v = "v".repeat(1000);
      final String[] ten = new String[10];
      java.util.Arrays.fill(ten, v);
      for (int i = 0; i < 200; i++) {
        assertEquals(
            AppendStatus.ACCEPTED, EngineFixture.append(e, r, c, "r", 0, Durability.LOCAL, i, ten));
        assertEquals(AppendStatus.OK, c.next().status());
      }
      final long deadline = System.nanoTime() + 10_000_000_000L;
      long start = 0;
      while (System.nanoTime() < deadline
          && (start = e.describeTopic("r").partitions().get(0).startOffset()) < 1500) {
        Thread.onSpinWait();
      }
      assertTrue(start >= 1500, "start offset advanced by byte retention: " + start);
      assertTrue(start <= 2000 - 60, "keeps at least retention_bytes: " + start);
      assertEquals(
          ReadStatus.OFFSET_GONE, e.read("r", 0, 0, 1, 1, (o, ts, b, ko, kl, vo, vl) -> true));
      // Retention runs every 10 ms: wait for it to settle at the exact batch boundary.
      // 200 batches of 10168 bytes, keep >= 65536: the first kept batch is 193 (offset 1930)...
      // conservatively at index-entry granularity the start lands on batch 194 (offset 1940).
      while (System.nanoTime() < deadline
          && (start = e.describeTopic("r").partitions().get(0).startOffset()) < 1940) {
        Thread.onSpinWait();
      }
      assertEquals(1940, start);
      final long[] first = {-1};
      assertEquals(
          ReadStatus.OK,
          e.read(
              "r",
              0,
              start,
              1,
              1,
              (o, ts, b, ko, kl, vo, vl) -> {
                first[0] = o;
                return true;
              }));
      assertEquals(start, first[0]);
      // Two checkpoints have passed (512 KiB interval, ~2 MiB written): old segments go.
      while (System.nanoTime() < deadline && !Files.notExists(segment(dir, 0))) {
        Thread.onSpinWait();
      }
      assertTrue(Files.notExists(segment(dir, 0)), "first segment deleted");
    }
    try (StorageEngine e = EngineFixture.open(dir)) {
      assertTrue(e.describeTopic("r").partitions().get(0).startOffset() >= 1500);
      assertEquals(2000, e.describeTopic("r").partitions().get(0).endOffset());
    }
  }

  @Test
  void shouldDropIndexChunksRetentionNoLongerNeeds() throws Exception {
    try (StorageEngine e = EngineFixture.open(dir)) {
      assertEquals(
          TopicStatus.CREATED,
          EngineFixture.create(e, "r", new TopicConfig(1, -1, 256 * 1024, Map.of())));
      final AppendRequest r = new AppendRequest(4);
      final Completions c = new Completions();
      final String v = "x".repeat(600); // one index entry per batch (interval 512 bytes)
      final int batches = 3 * PartitionIndex.CHUNK;
      // one append at a time: each is its own batch (appends queued together share one)
      for (int i = 0; i < batches; i++) {
        while (EngineFixture.append(e, r, c, "r", 0, Durability.MEMORY, i, v)
            != AppendStatus.ACCEPTED) {
          Thread.onSpinWait();
        }
        assertEquals(AppendStatus.OK, c.next().status());
      }
      final PartitionIndex index = e.state.topicsByName.get("r").partitions[0].index;
      final long deadline = System.nanoTime() + 10_000_000_000L;
      // MEMORY acks come before the flush; the high watermark (and with it how far retention may
      // move the start) follows the flush: wait until every record is visible to readers
      while (System.nanoTime() < deadline
          && (index.first() < 2L * PartitionIndex.CHUNK
              || e.describeTopic("r").partitions().get(0).endOffset() < batches)) {
        Thread.onSpinWait();
      }
      assertEquals(batches, e.describeTopic("r").partitions().get(0).endOffset());
      // ~2 MiB written, 256 KiB kept: the first two chunks serve only offsets below the start
      assertTrue(index.first() >= 2L * PartitionIndex.CHUNK, "first entry " + index.first());
      // retention may still be moving the start while the test reads: a read at the start offset
      // either sees the record there or reports the offset gone, never "no records"
      for (int attempt = 0; ; attempt++) {
        final long start = e.describeTopic("r").partitions().get(0).startOffset();
        assertTrue(index.offsetAt(index.first()) <= start, "the start offset is still indexed");
        assertEquals(
            ReadStatus.OFFSET_GONE, e.read("r", 0, 0, 1, 1, (o, ts, b, ko, kl, vo, vl) -> true));
        final First read = readFirst(e, start);
        if (read.status() == ReadStatus.OK) {
          assertEquals(start, read.offset(), "an OK read at the start offset returned its record");
          break;
        }
        assertEquals(ReadStatus.OFFSET_GONE, read.status());
        assertTrue(
            e.describeTopic("r").partitions().get(0).startOffset() > start,
            "gone only because the start moved");
        assertTrue(attempt < 100, "the start offset settles");
      }
    }
  }

  @Test
  void shouldNeverAnswerOkWithoutARecordWhileRetentionDeletesSegments() throws Exception {
    try (StorageEngine e = EngineFixture.open(dir)) {
      assertEquals(
          TopicStatus.CREATED,
          EngineFixture.create(e, "r", new TopicConfig(1, -1, 128 * 1024, Map.of())));
      final java.util.concurrent.atomic.AtomicBoolean done =
          new java.util.concurrent.atomic.AtomicBoolean();
      final long[] counts = new long[3]; // records seen, gone, OK without a record
      final Thread reader =
          new Thread(
              () -> {
                while (!done.get()) {
                  final var d = e.describeTopic("r").partitions().get(0);
                  final long start = d.startOffset();
                  if (start >= d.endOffset()) {
                    continue;
                  }
                  final First read = readFirst(e, start);
                  if (read.status() == ReadStatus.OFFSET_GONE) {
                    counts[1]++;
                  } else if (read.status() == ReadStatus.OK && read.offset() == start) {
                    counts[0]++;
                  } else {
                    counts[2]++;
                  }
                }
              },
              "retention-reader");
      reader.start();
      final AppendRequest r = new AppendRequest(4);
      final Completions c = new Completions();
      final String v = "y".repeat(2000);
      final int batches = 8_000; // ~16 MiB through 256 KiB segments, 128 KiB kept
      for (int i = 0; i < batches; i++) {
        while (EngineFixture.append(e, r, c, "r", 0, Durability.MEMORY, i, v)
            != AppendStatus.ACCEPTED) {
          Thread.onSpinWait();
        }
        if ((i & 63) == 63) {
          for (int k = 0; k < 64; k++) {
            assertEquals(AppendStatus.OK, c.next().status());
          }
        }
      }
      done.set(true);
      reader.join();
      assertTrue(counts[0] > 0, "the reader saw records: " + java.util.Arrays.toString(counts));
      assertEquals(0, counts[2], "reads at the start answered OK without its record: " + counts[2]);
    }
  }

  /** A read of one record of r/0: its status and the offset of the record seen (-1: none). */
  private record First(ReadStatus status, long offset) {}

  private static First readFirst(final StorageEngine e, final long offset) {
    final long[] seen = {-1};
    final ReadStatus status =
        e.read(
            "r",
            0,
            offset,
            1,
            Integer.MAX_VALUE,
            (o, ts, b, ko, kl, vo, vl) -> {
              seen[0] = o;
              return true;
            });
    return new First(status, seen[0]);
  }

  private static Path segment(final Path dir, final long base) throws Exception {
    final Path shard = dir.resolve("shard-0");
    try (Stream<Path> s = Files.list(shard)) {
      return s.filter(p -> p.getFileName().toString().startsWith(String.format("%020d.", base)))
          .findFirst()
          .orElse(shard.resolve("absent"));
    }
  }
}
