package io.stele.engine.internal;

import static io.stele.engine.EngineFixture.append;
import static io.stele.engine.EngineFixture.readAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stele.engine.AppendRequest;
import io.stele.engine.AppendStatus;
import io.stele.engine.Completions;
import io.stele.engine.Durability;
import io.stele.engine.EngineFixture;
import io.stele.engine.Engines;
import io.stele.engine.ReplicatedLog;
import io.stele.engine.TopicConfig;
import io.stele.engine.TopicStatus;
import io.stele.engine.format.BatchDescriptor;
import io.stele.engine.format.ControlCodec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The engine as a Raft replica: write gate, commit-gated completions and visibility. */
class ClusterModeTest {
  @TempDir Path dir;

  private static StorageEngine openReplicated(final Path dir) throws Exception {
    return (StorageEngine) Engines.open(EngineFixture.small(dir).quorumIsLocal(false).build());
  }

  private static long noop(final StorageEngine e, final long index, final long term)
      throws Exception {
    final byte[] b = ControlCodec.raftBatch(index, term, ControlCodec.RAFT_NOOP, new byte[0]);
    return e.appendEncoded(new UnsafeBuffer(b), 0, b.length).get(10, TimeUnit.SECONDS);
  }

  private static CompletableFuture<Completions.TopicDone> create(final StorageEngine e) {
    return Completions.topicFuture(
        l -> e.createTopic("t", new TopicConfig(1, -1, -1, Map.of()), Durability.QUORUM, l));
  }

  private record Batch(long index, long term, byte type, long position, int length) {}

  private static List<Batch> scan(final ReplicatedLog e) throws Exception {
    final List<Batch> out = new ArrayList<>();
    e.scan(
        e.startPosition(),
        1000,
        (index, term, type, position, length) ->
            out.add(new Batch(index, term, type, position, length)));
    return out;
  }

  @Test
  void shouldAckQuorumAndShowRecordsOnlyOnceCommitted() throws Exception {
    try (StorageEngine e = openReplicated(dir)) {
      final AppendRequest r = new AppendRequest(4);
      final Completions c = new Completions();
      // Not leading: topic changes are refused.
      assertEquals(TopicStatus.NOT_LEADER, Completions.await(create(e)).status());

      assertEquals(1L, noop(e, 1, 1));
      e.lead(1);
      final CompletableFuture<Completions.TopicDone> created = create(e);
      Thread.sleep(100);
      assertFalse(created.isDone(), "a topic change completes only once committed");
      e.commit(2);
      assertEquals(TopicStatus.CREATED, Completions.await(created).status());

      assertEquals(
          AppendStatus.ACCEPTED, append(e, r, c, "t", 0, Durability.QUORUM, 1, "a")); // index 3
      awaitLastIndex(e, 3); // written before the next append, which would otherwise join its batch
      assertEquals(
          AppendStatus.ACCEPTED, append(e, r, c, "t", 0, Durability.LOCAL, 2, "b")); // index 4
      final Completions.Done local = c.next();
      assertEquals(2, local.correlationId(), "local is acknowledged once durable here");
      assertEquals(Durability.LOCAL, local.achieved());
      Thread.sleep(100);
      assertNull(c.poll(), "quorum waits for the commit index");
      assertEquals(List.of(), readAll(e, "t", 0, 0, 10), "nothing is visible before commit");
      final long[] durable = new long[2];
      e.durableIndex(
          (i, t) -> {
            durable[0] = i;
            durable[1] = t;
          });
      assertEquals(4, durable[0]);
      assertEquals(1, durable[1]);

      e.commit(3);
      final Completions.Done quorum = c.next();
      assertEquals(1, quorum.correlationId());
      assertEquals(AppendStatus.OK, quorum.status());
      assertEquals(Durability.QUORUM, quorum.achieved());
      assertEquals(
          List.of("a"), readAll(e, "t", 0, 0, 10).stream().map(EngineFixture.Rec::value).toList());

      // A QUORUM append the new leader's log does not have: it fails when truncated away.
      assertEquals(AppendStatus.ACCEPTED, append(e, r, c, "t", 0, Durability.QUORUM, 3, "c"));
      awaitLastIndex(e, 5);
      e.fence();
      append(e, r, c, "t", 0, Durability.QUORUM, 4, "refused");
      final Completions.Done refused = c.next();
      assertEquals(4, refused.correlationId());
      assertEquals(AppendStatus.NOT_LEADER, refused.status());
      assertEquals(4L, noopAfterTruncation(e));
      final Completions.Done lost = c.next();
      assertEquals(3, lost.correlationId());
      assertEquals(AppendStatus.NOT_LEADER, lost.status(), "a removed batch never reports OK");

      // Leading again in term 2: the writer stamps the new term after its no-op.
      e.lead(2);
      assertEquals(AppendStatus.ACCEPTED, append(e, r, c, "t", 0, Durability.QUORUM, 5, "d"));
      awaitLastIndex(e, 5);
      e.commit(5);
      final Completions.Done d = c.next();
      assertEquals(AppendStatus.OK, d.status());
      assertEquals(1, d.baseOffset(), "b (local, index 4) went with the cut; d follows a");
      assertEquals(
          List.of("a", "d"),
          readAll(e, "t", 0, 0, 10).stream().map(EngineFixture.Rec::value).toList());
      final List<Batch> batches = scan(e);
      assertEquals(List.of(1L, 2L, 3L, 4L, 5L), batches.stream().map(Batch::index).toList());
      assertEquals(List.of(1L, 1L, 1L, 2L, 2L), batches.stream().map(Batch::term).toList());
      assertEquals(BatchDescriptor.TYPE_CONTROL, batches.get(3).type());
      // The leader reads a batch back byte for byte, and it validates.
      final Batch last = batches.get(4);
      final ByteBuffer copy = ByteBuffer.allocate(last.length()).order(ByteOrder.LITTLE_ENDIAN);
      e.copy(last.position(), copy);
      final UnsafeBuffer ub = new UnsafeBuffer(copy.array());
      assertEquals(
          last.length(),
          BatchDescriptor.validate(
              ub, ByteBuffer.wrap(copy.array()), 0, last.length(), new CRC32C()));
      assertEquals(5, BatchDescriptor.logIndex(ub, 0));
      assertEquals(2, BatchDescriptor.term(ub, 0));
    }
  }

  /** Truncates after index 3 (removing "b" at 4 and "c" at 5), then writes term 2's no-op at 4. */
  private static long noopAfterTruncation(final StorageEngine e) throws Exception {
    e.truncateAfter(3).get(10, TimeUnit.SECONDS);
    assertEquals(3, e.lastLogIndex());
    return noop(e, 4, 2);
  }

  private static void awaitLastIndex(final StorageEngine e, final long index) throws Exception {
    final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (e.lastLogIndex() < index) {
      assertTrue(System.nanoTime() < deadline, "log did not reach index " + index);
      Thread.sleep(1);
    }
  }
}
