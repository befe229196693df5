package io.stele.engine.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stele.engine.AppendRequest;
import io.stele.engine.AppendStatus;
import io.stele.engine.Completions;
import io.stele.engine.Durability;
import io.stele.engine.EngineFixture;
import io.stele.engine.TopicConfig;
import io.stele.engine.TopicStatus;
import io.stele.engine.format.BatchDescriptor;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Appends queued together for one partition share a batch: every append still gets its own
 * completion with its own offsets, and every record reads back with its offset, timestamp, key and
 * value, before and after a restart.
 */
class BatchCoalescingTest {
  private static final int PARTITIONS = 2;

  @TempDir Path dir;

  /** What one record should read back as. */
  private record Expected(long timestamp, String key, String value) {}

  @Test
  void shouldKeepEveryAppendsOffsetsAndRecordsWhenAppendsShareABatch() throws Exception {
    final long seed = Long.getLong("stele.seed", System.nanoTime());
    final Random random = new Random(seed);
    final Map<Long, List<Expected>> sentByCorrelation = new HashMap<>();
    final Map<Long, Integer> partitionByCorrelation = new HashMap<>();
    final List<Map<Long, Expected>> byOffset = new ArrayList<>();
    for (int p = 0; p < PARTITIONS; p++) {
      byOffset.add(new HashMap<>());
    }
    final int appends = 3_000;
    int batches;
    try (StorageEngine e = EngineFixture.open(dir)) {
      assertEquals(
          TopicStatus.CREATED,
          EngineFixture.create(e, "c", new TopicConfig(PARTITIONS, -1, -1, Map.of())));
      final AppendRequest r = new AppendRequest(8);
      final Completions c = new Completions();
      final long now = System.currentTimeMillis();
      int outstanding = 0;
      int partition = 0;
      for (long corr = 0; corr < appends; corr++) {
        if (random.nextInt(10) == 0) {
          partition = random.nextInt(PARTITIONS); // mostly runs of one partition
        }
        r.reset()
            .topic("c", partition)
            .durability(random.nextBoolean() ? Durability.MEMORY : Durability.LOCAL)
            .correlationId(corr);
        // now and then a timestamp of its own, earlier or later than the batch's first
        final long ts = random.nextInt(4) == 0 ? now - 5_000 + random.nextInt(10_000) : 0;
        r.timestampMs(ts);
        final int kind = random.nextInt(20);
        if (kind == 0) {
          r.producer("p" + partition, 0, producerSeq(partition));
        } else if (kind == 1) {
          r.streamSeq(String.format("%012d", corr));
        }
        final int count = 1 + random.nextInt(4);
        final List<Expected> records = new ArrayList<>();
        for (int i = 0; i < count; i++) {
          final String key = random.nextInt(3) == 0 ? null : "k" + corr + "-" + i;
          final String value = "v" + corr + "-" + i + "-" + "x".repeat(random.nextInt(300));
          final byte[] v = value.getBytes(StandardCharsets.UTF_8);
          if (key == null) {
            r.addRecord(new UnsafeBuffer(v), 0, -1, 0, v.length);
          } else {
            final byte[] kv = (key + value).getBytes(StandardCharsets.UTF_8);
            r.addRecord(new UnsafeBuffer(kv), 0, key.length(), key.length(), v.length);
          }
          records.add(new Expected(ts, key, value));
        }
        sentByCorrelation.put(corr, records);
        partitionByCorrelation.put(corr, partition);
        AppendStatus s;
        while ((s = e.append(r, c)) == AppendStatus.BACKPRESSURE) {
          Thread.onSpinWait();
        }
        assertEquals(AppendStatus.ACCEPTED, s);
        outstanding++;
        if (random.nextInt(200) == 0) {
          // sometimes let the queue drain, so batches also start from a quiet writer
          for (; outstanding > 0; outstanding--) {
            record(c.next(), sentByCorrelation, partitionByCorrelation, byOffset, seed);
          }
        }
      }
      for (; outstanding > 0; outstanding--) {
        record(c.next(), sentByCorrelation, partitionByCorrelation, byOffset, seed);
      }
      batches = countDataBatches(e);
      verify(e, byOffset, now, seed);
    }
    assertTrue(
        batches < appends / 2,
        "seed " + seed + ": appends queued together share batches: " + batches + " batches");
    try (StorageEngine e = EngineFixture.open(dir)) {
      verify(e, byOffset, System.currentTimeMillis(), seed);
    }
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertEquals(LogChecker.OK, LogChecker.check(dir, new PrintStream(out, true)), out.toString());
  }

  private final int[] producerSeqs = new int[PARTITIONS];

  private long producerSeq(final int partition) {
    return producerSeqs[partition]++;
  }

  private static void record(
      final Completions.Done d,
      final Map<Long, List<Expected>> sent,
      final Map<Long, Integer> partitions,
      final List<Map<Long, Expected>> byOffset,
      final long seed) {
    assertEquals(AppendStatus.OK, d.status(), "seed " + seed + ": " + d);
    final List<Expected> records = sent.get(d.correlationId());
    assertEquals(records.size(), d.count(), "seed " + seed + ": count of " + d);
    assertEquals((int) partitions.get(d.correlationId()), d.partition());
    for (int i = 0; i < records.size(); i++) {
      final Expected previous = byOffset.get(d.partition()).put(d.baseOffset() + i, records.get(i));
      assertEquals(null, previous, "seed " + seed + ": offset given twice: " + d);
    }
  }

  private static void verify(
      final StorageEngine e,
      final List<Map<Long, Expected>> byOffset,
      final long now,
      final long seed)
      throws InterruptedException {
    for (int p = 0; p < PARTITIONS; p++) {
      final Map<Long, Expected> expected = byOffset.get(p);
      // A memory-acked tail is visible once flushed (the high watermark): wait for it, bounded.
      final long deadline = System.nanoTime() + 10_000_000_000L;
      List<EngineFixture.Rec> read = EngineFixture.readAll(e, "c", p, 0, Integer.MAX_VALUE);
      while (read.size() < expected.size() && System.nanoTime() < deadline) {
        Thread.sleep(1); // not a spin: re-reading takes the CPU the flush it waits for needs
        read = EngineFixture.readAll(e, "c", p, 0, Integer.MAX_VALUE);
      }
      assertEquals(expected.size(), read.size(), "seed " + seed + ": records of partition " + p);
      for (int i = 0; i < read.size(); i++) {
        final EngineFixture.Rec got = read.get(i);
        assertEquals(i, got.offset(), "seed " + seed + ": offsets are dense");
        final Expected want = expected.get(got.offset());
        assertEquals(want.key(), got.key(), "seed " + seed + ": key at " + p + "/" + i);
        assertEquals(want.value(), got.value(), "seed " + seed + ": value at " + p + "/" + i);
        if (want.timestamp() != 0) {
          assertEquals(want.timestamp(), got.timestamp(), "seed " + seed + ": timestamp " + i);
        } else {
          assertTrue(Math.abs(got.timestamp() - now) < 600_000, "seed " + seed + ": now-ish");
        }
      }
    }
  }

  private static int countDataBatches(final StorageEngine e) throws Exception {
    final int[] n = {0};
    e.scan(
        e.startPosition(),
        Integer.MAX_VALUE,
        (index, term, type, position, length) -> {
          if (type == BatchDescriptor.TYPE_DATA) {
            n[0]++;
          }
        });
    return n[0];
  }
}
