package io.stele.engine.internal;

import static io.stele.engine.EngineFixture.append;
import static io.stele.engine.EngineFixture.create;
import static io.stele.engine.EngineFixture.readAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stele.engine.AppendRequest;
import io.stele.engine.AppendStatus;
import io.stele.engine.Completions;
import io.stele.engine.Durability;
import io.stele.engine.EngineFixture;
import io.stele.engine.ReadStatus;
import io.stele.engine.TopicConfig;
import io.stele.engine.TopicDescription;
import io.stele.engine.TopicStatus;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StorageEngineTest {
  @TempDir Path dir;

  @Test
  void shouldAppendAndReadBackWithAchievedDurability() throws Exception {
    try (StorageEngine e = EngineFixture.open(dir)) {
      create(e, "t", 2);
      final AppendRequest r = new AppendRequest(16);
      final Completions c = new Completions();
      assertEquals(
          AppendStatus.ACCEPTED, append(e, r, c, "t", 0, Durability.LOCAL, 1, "a", "b", "c"));
      Completions.Done d = c.next();
      assertEquals(new Completions.Done(1, AppendStatus.OK, 0, 0, 3, Durability.LOCAL), d);
      assertEquals(AppendStatus.ACCEPTED, append(e, r, c, "t", 0, Durability.MEMORY, 2, "d"));
      d = c.next();
      assertEquals(new Completions.Done(2, AppendStatus.OK, 0, 3, 1, Durability.MEMORY), d);
      assertEquals(AppendStatus.ACCEPTED, append(e, r, c, "t", 1, Durability.QUORUM, 3, "x"));
      d = c.next();
      assertEquals(new Completions.Done(3, AppendStatus.OK, 1, 0, 1, Durability.QUORUM), d);
      assertEquals(AppendStatus.ACCEPTED, append(e, r, c, "t", 0, Durability.LOCAL, 4, "e"));
      assertEquals(AppendStatus.OK, c.next().status());

      final List<EngineFixture.Rec> recs = readAll(e, "t", 0, 0, 100);
      assertEquals(
          List.of("a", "b", "c", "d", "e"), recs.stream().map(EngineFixture.Rec::value).toList());
      assertEquals(
          List.of(0L, 1L, 2L, 3L, 4L), recs.stream().map(EngineFixture.Rec::offset).toList());
      assertEquals(
          List.of("x"), readAll(e, "t", 1, 0, 100).stream().map(EngineFixture.Rec::value).toList());
      assertEquals(
          List.of("c", "d"),
          readAll(e, "t", 0, 2, 2).stream().map(EngineFixture.Rec::value).toList());
      assertEquals(List.of(), readAll(e, "t", 0, 5, 2));
      assertEquals(
          ReadStatus.OFFSET_OUT_OF_RANGE,
          e.read("t", 0, 6, 1, 1, (o, ts, b, ko, kl, vo, vl) -> true));
      assertEquals(
          ReadStatus.UNKNOWN_TOPIC, e.read("nope", 0, 0, 1, 1, (o, ts, b, ko, kl, vo, vl) -> true));
      assertEquals(
          ReadStatus.UNKNOWN_PARTITION,
          e.read("t", 2, 0, 1, 1, (o, ts, b, ko, kl, vo, vl) -> true));
      assertEquals(
          AppendStatus.UNKNOWN_TOPIC, append(e, r, c, "nope", 0, Durability.LOCAL, 5, "z"));
      assertEquals(
          AppendStatus.UNKNOWN_PARTITION, append(e, r, c, "t", 7, Durability.LOCAL, 5, "z"));
      final TopicDescription td = e.describeTopic("t");
      assertEquals(5, td.partitions().get(0).endOffset());
      assertEquals(1, td.partitions().get(1).endOffset());
      assertTrue(e.metrics().flushes() > 0);
      assertTrue(e.isHealthy());
      assertNull(e.failureReason());
    }
    try (StorageEngine e = EngineFixture.open(dir)) {
      assertEquals(
          List.of("a", "b", "c", "d", "e"),
          readAll(e, "t", 0, 0, 100).stream().map(EngineFixture.Rec::value).toList());
      final AppendRequest r = new AppendRequest(16);
      final Completions c = new Completions();
      append(e, r, c, "t", 0, Durability.LOCAL, 9, "f");
      assertEquals(5, c.next().baseOffset());
    }
  }

  @Test
  void shouldApplyIdempotentProducerRules() throws Exception {
    try (StorageEngine e = EngineFixture.open(dir)) {
      create(e, "t", 1);
      final AppendRequest r = new AppendRequest(4);
      final Completions c = new Completions();
      assertEquals(AppendStatus.OK, produce(e, r, c, "p", 0, 0).status());
      assertEquals(AppendStatus.OK, produce(e, r, c, "p", 0, 1).status());
      final Completions.Done dup = produce(e, r, c, "p", 0, 1);
      assertEquals(AppendStatus.DUPLICATE, dup.status());
      assertEquals(1, dup.baseOffset());
      assertEquals(AppendStatus.DUPLICATE, produce(e, r, c, "p", 0, 0).status());
      final Completions.Done gap = produce(e, r, c, "p", 0, 3);
      assertEquals(AppendStatus.SEQUENCE_GAP, gap.status());
      assertEquals(2, gap.baseOffset(), "a gap reports the expected sequence");
      assertEquals(AppendStatus.EPOCH_START_NOT_ZERO, produce(e, r, c, "p", 1, 1).status());
      assertEquals(AppendStatus.OK, produce(e, r, c, "p", 1, 0).status());
      final Completions.Done stale = produce(e, r, c, "p", 0, 2);
      assertEquals(AppendStatus.STALE_EPOCH, stale.status());
      assertEquals(1, stale.baseOffset(), "a stale epoch reports the current epoch");
      final Completions.Done fresh = produce(e, r, c, "q", 0, 5);
      assertEquals(AppendStatus.SEQUENCE_GAP, fresh.status());
      assertEquals(0, fresh.baseOffset(), "an unknown producer is expected at sequence 0");
    }
    try (StorageEngine e = EngineFixture.open(dir)) {
      final AppendRequest r = new AppendRequest(4);
      final Completions c = new Completions();
      // State survives restart (it is in the batches and the checkpoint).
      assertEquals(AppendStatus.DUPLICATE, produce(e, r, c, "p", 1, 0).status());
      assertEquals(AppendStatus.OK, produce(e, r, c, "p", 1, 1).status());
      final Completions.Done stale = produce(e, r, c, "p", 0, 9);
      assertEquals(AppendStatus.STALE_EPOCH, stale.status());
      assertEquals(1, stale.baseOffset(), "the epoch survives restart too");
    }
  }

  private static Completions.Done produce(
      final StorageEngine e,
      final AppendRequest r,
      final Completions c,
      final String id,
      final long epoch,
      final long seq)
      throws Exception {
    r.reset().topic("t", 0).durability(Durability.LOCAL).producer(id, epoch, seq);
    final byte[] v = ("v" + seq).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    r.addRecord(new org.agrona.concurrent.UnsafeBuffer(v), 0, -1, 0, v.length);
    assertEquals(AppendStatus.ACCEPTED, e.append(r, c));
    return c.next();
  }

  @Test
  void shouldRejectStreamSeqThatDoesNotSortAfterTheLast() throws Exception {
    try (StorageEngine e = EngineFixture.open(dir)) {
      create(e, "t", 1);
      final AppendRequest r = new AppendRequest(4);
      final Completions c = new Completions();
      assertEquals(AppendStatus.OK, seq(e, r, c, "0005").status());
      assertEquals(AppendStatus.SEQUENCE_CONFLICT, seq(e, r, c, "0005").status());
      assertEquals(AppendStatus.SEQUENCE_CONFLICT, seq(e, r, c, "0004").status());
      assertEquals(AppendStatus.OK, seq(e, r, c, "0006").status());
    }
    try (StorageEngine e = EngineFixture.open(dir)) {
      final AppendRequest r = new AppendRequest(4);
      final Completions c = new Completions();
      assertEquals(AppendStatus.SEQUENCE_CONFLICT, seq(e, r, c, "0006").status());
      assertEquals(AppendStatus.OK, seq(e, r, c, "0007").status());
    }
  }

  private static Completions.Done seq(
      final StorageEngine e, final AppendRequest r, final Completions c, final String s)
      throws Exception {
    r.reset().topic("t", 0).durability(Durability.LOCAL).streamSeq(s);
    final byte[] v = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    r.addRecord(new org.agrona.concurrent.UnsafeBuffer(v), 0, -1, 0, v.length);
    assertEquals(AppendStatus.ACCEPTED, e.append(r, c));
    return c.next();
  }

  @Test
  void shouldManageTopicsAttributesAndOffsetsThroughTheLog() throws Exception {
    try (StorageEngine e = EngineFixture.open(dir)) {
      create(e, "t", 2);
      final TopicConfig same = new TopicConfig(2, -1, -1, Map.of());
      assertEquals(
          TopicStatus.EXISTS,
          Completions.await(
                  Completions.topicFuture(l -> e.createTopic("t", same, Durability.LOCAL, l)))
              .status());
      assertEquals(
          TopicStatus.CONFLICT,
          Completions.await(
                  Completions.topicFuture(
                      l ->
                          e.createTopic(
                              "t", new TopicConfig(3, -1, -1, Map.of()), Durability.LOCAL, l)))
              .status());
      assertEquals(
          TopicStatus.OK,
          Completions.await(
                  Completions.topicFuture(
                      l ->
                          e.updateTopicAttributes(
                              "t",
                              Map.of(TopicConfig.ATTRIBUTE_CLOSED, "true", "ct", "text/plain"),
                              Durability.LOCAL,
                              l)))
              .status());
      final AppendRequest r = new AppendRequest(4);
      final Completions c = new Completions();
      assertEquals(AppendStatus.CLOSED, append(e, r, c, "t", 0, Durability.LOCAL, 1, "x"));
      assertEquals(
          TopicStatus.OK,
          Completions.await(
                  Completions.topicFuture(
                      l -> e.commitOffset("g", "t", 1, 42, Durability.LOCAL, l)))
              .status());
      assertEquals(
          TopicStatus.NOT_FOUND,
          Completions.await(
                  Completions.topicFuture(
                      l -> e.commitOffset("g", "t", 5, 42, Durability.LOCAL, l)))
              .status());
      assertEquals(Map.of(1, 42L), e.committedOffsets("g", "t"));
      create(e, "u", 1);
      assertEquals(
          TopicStatus.OK,
          Completions.await(Completions.topicFuture(l -> e.deleteTopic("u", Durability.LOCAL, l)))
              .status());
      assertEquals(
          TopicStatus.NOT_FOUND,
          Completions.await(Completions.topicFuture(l -> e.deleteTopic("u", Durability.LOCAL, l)))
              .status());
    }
    try (StorageEngine e = EngineFixture.open(dir)) {
      assertEquals(List.of("t"), e.listTopics().stream().map(TopicDescription::name).toList());
      assertEquals("text/plain", e.describeTopic("t").config().attributes().get("ct"));
      assertEquals(Map.of(1, 42L), e.committedOffsets("g", "t"));
      final AppendRequest r = new AppendRequest(4);
      assertEquals(
          AppendStatus.CLOSED, append(e, r, new Completions(), "t", 0, Durability.LOCAL, 1, "x"));
      assertNull(e.describeTopic("u"));
    }
  }

  @Test
  void shouldNotifyObserversOfEndOffsetAndRollSegments() throws Exception {
    try (StorageEngine e = EngineFixture.open(dir)) {
      create(e, "t", 1);
      final ConcurrentLinkedQueue<Long> ends = new ConcurrentLinkedQueue<>();
      final CountDownLatch sawLast = new CountDownLatch(1);
      e.addPartitionObserver(
          (topic, p, end) -> {
            ends.add(end);
            if (end == 100) {
              sawLast.countDown();
            }
          });
      final AppendRequest r = new AppendRequest(4);
      final Completions c = new Completions();
      final String big = "x".repeat(10_000);
      for (int i = 0; i < 100; i++) {
        assertEquals(AppendStatus.ACCEPTED, append(e, r, c, "t", 0, Durability.LOCAL, i, big + i));
        assertEquals(AppendStatus.OK, c.next().status());
      }
      // The sync thread tells observers after it completes the cycle's appends, so the last ack
      // can reach this thread before the last notification does.
      assertTrue(sawLast.await(10, TimeUnit.SECONDS), () -> "observed ends " + ends);
      assertEquals(100L, ends.stream().mapToLong(Long::longValue).max().orElse(0));
      // 100 x 10 KB crossed several 256 KiB segments.
      assertTrue(e.appendPosition() > 3 * 256 * 1024);
      final List<EngineFixture.Rec> recs = readAll(e, "t", 0, 0, 1000);
      assertEquals(100, recs.size());
      for (int i = 0; i < 100; i++) {
        assertEquals(big + i, recs.get(i).value());
      }
      assertEquals(37, readAll(e, "t", 0, 37, 1).get(0).offset());
    }
    try (StorageEngine e = EngineFixture.open(dir)) {
      assertEquals(100, readAll(e, "t", 0, 0, 1000).size());
      assertEquals(99, readAll(e, "t", 0, 99, 1000).get(0).offset());
    }
  }

  @Test
  void shouldFindOffsetsByTimestamp() throws Exception {
    try (StorageEngine e = EngineFixture.open(dir)) {
      create(e, "t", 1);
      final AppendRequest r = new AppendRequest(4);
      final Completions c = new Completions();
      for (int i = 0; i < 50; i++) {
        r.reset().topic("t", 0).durability(Durability.LOCAL).timestampMs(1_000L * (i + 1));
        final byte[] v = ("x".repeat(100) + i).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        r.addRecord(new org.agrona.concurrent.UnsafeBuffer(v), 0, -1, 0, v.length);
        r.addRecord(new org.agrona.concurrent.UnsafeBuffer(v), 0, -1, 0, v.length);
        assertEquals(AppendStatus.ACCEPTED, e.append(r, c));
        assertEquals(AppendStatus.OK, c.next().status());
      }
      // Batch i (records 2i, 2i+1) has timestamp 1000 * (i + 1).
      assertEquals(0, e.offsetForTimestamp("t", 0, 0));
      assertEquals(0, e.offsetForTimestamp("t", 0, 1_000));
      assertEquals(2, e.offsetForTimestamp("t", 0, 1_001));
      assertEquals(60, e.offsetForTimestamp("t", 0, 31_000));
      assertEquals(98, e.offsetForTimestamp("t", 0, 50_000));
      assertEquals(-1, e.offsetForTimestamp("t", 0, 50_001));
      assertEquals(-1, e.offsetForTimestamp("nope", 0, 0));
      assertEquals(
          List.of(1_000L, 1_000L, 2_000L),
          readAll(e, "t", 0, 0, 3).stream().map(EngineFixture.Rec::timestamp).toList());
    }
  }
}
