package io.stele.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.stele.engine.internal.StorageEngine;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;
import org.agrona.concurrent.UnsafeBuffer;

/** Test helper: opens small engines and appends/reads strings. */
public final class EngineFixture {
  private EngineFixture() {}

  public static EngineConfig.Builder small(final Path dir) {
    return EngineConfig.builder(dir)
        .segmentBytes(256 * 1024)
        .ingressRingBytes(1 << 20)
        .maxBatchBytes(64 * 1024)
        .writeBufferBytes(128 * 1024)
        .pendingCapacity(1024)
        .indexIntervalBytes(512)
        .checkpointIntervalBytes(512 * 1024)
        .durableMarkIntervalMs(10)
        .retentionCheckIntervalMs(10);
  }

  public static StorageEngine open(final Path dir) throws Exception {
    return (StorageEngine) Engines.open(small(dir).build());
  }

  public static void create(final Engine e, final String topic, final int partitions)
      throws Exception {
    assertEquals(
        TopicStatus.CREATED, create(e, topic, new TopicConfig(partitions, -1, -1, Map.of())));
  }

  /** Creates a topic with {@code local} durability and waits: the status. */
  public static TopicStatus create(final Engine e, final String topic, final TopicConfig config)
      throws Exception {
    return Completions.await(
            Completions.topicFuture(l -> e.createTopic(topic, config, Durability.LOCAL, l)))
        .status();
  }

  /** Appends one record per value; returns the admission status. */
  public static AppendStatus append(
      final Engine e,
      final AppendRequest r,
      final Completions c,
      final String topic,
      final int partition,
      final Durability durability,
      final long correlationId,
      final String... values) {
    r.reset().topic(topic, partition).durability(durability).correlationId(correlationId);
    for (final String v : values) {
      final byte[] bytes = v.getBytes(StandardCharsets.UTF_8);
      r.addRecord(new UnsafeBuffer(bytes), 0, -1, 0, bytes.length);
    }
    return e.append(r, c);
  }

  /** A read record. */
  public record Rec(long offset, long timestamp, String key, String value) {}

  public static List<Rec> readAll(
      final Engine e, final String topic, final int partition, final long from, final int max) {
    final List<Rec> out = new ArrayList<>();
    final ReadStatus s =
        e.read(
            topic,
            partition,
            from,
            max,
            Integer.MAX_VALUE,
            (offset, ts, b, ko, kl, vo, vl) -> {
              out.add(
                  new Rec(
                      offset,
                      ts,
                      kl < 0 ? null : b.getStringWithoutLengthUtf8(ko, kl),
                      b.getStringWithoutLengthUtf8(vo, vl)));
              return true;
            });
    assertEquals(ReadStatus.OK, s);
    return out;
  }

  /**
   * Reads offsets {@code [0, count)} of one partition page by page and checks that each is there,
   * in order, with the value {@code valueAt} gives for its offset.
   */
  public static void assertReadsBack(
      final Engine e,
      final String topic,
      final int partition,
      final long count,
      final LongFunction<String> valueAt) {
    long next = 0;
    while (next < count) {
      final List<Rec> got = readAll(e, topic, partition, next, 10_000);
      assertFalse(got.isEmpty(), "nothing at offset " + next + " of " + count);
      for (final Rec rec : got) {
        assertEquals(next, rec.offset());
        assertEquals(valueAt.apply(next), rec.value(), "value at offset " + next);
        next++;
      }
    }
    assertEquals(count, next);
  }
}
