package io.stele.engine.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stele.engine.AppendRequest;
import io.stele.engine.AppendStatus;
import io.stele.engine.Completions;
import io.stele.engine.Durability;
import io.stele.engine.Engine;
import io.stele.engine.EngineConfig;
import io.stele.engine.EngineFixture;
import io.stele.engine.Engines;
import io.stele.engine.NodeEngine;
import io.stele.engine.TopicConfig;
import io.stele.engine.TopicDescription;
import io.stele.engine.TopicStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Several shards per node: placement, restart, topic operations across shards, recovery. */
class ShardedEngineTest {
  private static final int SHARDS = 4;
  private static final int PARTITIONS = 8;

  @TempDir Path dir;

  private EngineConfig config(final int shards) {
    return EngineFixture.small(dir).shards(shards).build();
  }

  private static TopicStatus create(final Engine e, final String name, final TopicConfig c)
      throws Exception {
    return EngineFixture.create(e, name, c);
  }

  private static TopicStatus delete(final Engine e, final String name) throws Exception {
    return Completions.await(Completions.topicFuture(l -> e.deleteTopic(name, Durability.LOCAL, l)))
        .status();
  }

  private static void appendEach(final Engine e, final String topic, final int perPartition)
      throws Exception {
    final AppendRequest r = new AppendRequest(4);
    final Completions c = new Completions();
    for (int p = 0; p < PARTITIONS; p++) {
      for (int i = 0; i < perPartition; i++) {
        assertEquals(
            AppendStatus.ACCEPTED,
            EngineFixture.append(
                e, r, c, topic, p, Durability.LOCAL, i, topic + "-" + p + "-" + i));
        assertEquals(AppendStatus.OK, c.next().status());
      }
    }
  }

  @Test
  void shouldKeepEachPartitionInItsShardAcrossRestart() throws Exception {
    final TopicConfig tc = new TopicConfig(PARTITIONS, -1, -1, Map.of());
    try (NodeEngine e = Engines.openNode(config(SHARDS))) {
      assertTrue(e instanceof ShardedEngine);
      assertEquals(TopicStatus.CREATED, create(e, "t", tc));
      assertEquals(TopicStatus.EXISTS, create(e, "t", tc));
      assertEquals(
          TopicStatus.CONFLICT, create(e, "t", new TopicConfig(PARTITIONS + 1, -1, -1, Map.of())));
      appendEach(e, "t", 25);
      final ShardedEngine s = (ShardedEngine) e;
      final Set<Integer> used = new HashSet<>();
      for (int p = 0; p < PARTITIONS; p++) {
        final int owner = ShardedEngine.shardOf("t", p, SHARDS);
        used.add(owner);
        for (int k = 0; k < SHARDS; k++) {
          final TopicDescription d = s.shard(k).describeTopic("t");
          assertNotNull(d, "every shard knows the topic");
          assertEquals(
              k == owner ? 25 : 0,
              d.partitions().get(p).endOffset(),
              "partition " + p + " in shard " + k + " (owner " + owner + ")");
        }
      }
      assertEquals(SHARDS, used.size(), "eight partitions cover the four shards");
      for (int k = 0; k < SHARDS; k++) {
        assertTrue(s.shard(k).metrics().flushes() > 0, "shard " + k + " flushed on its own");
      }
      final Completions.TopicDone committed =
          Completions.await(
              Completions.topicFuture(l -> e.commitOffset("g", "t", 5, 17, Durability.LOCAL, l)));
      assertEquals(TopicStatus.OK, committed.status());
      assertEquals(
          TopicStatus.OK,
          Completions.await(
                  Completions.topicFuture(l -> e.commitOffset("g", "t", 2, 3, Durability.LOCAL, l)))
              .status());
      assertEquals(
          TopicStatus.NOT_FOUND,
          Completions.await(
                  Completions.topicFuture(
                      l -> e.commitOffset("g", "t", PARTITIONS, 3, Durability.LOCAL, l)))
              .status());
      assertEquals(8L * 25, e.metrics().appendedRecords());
    }
    for (int k = 0; k < SHARDS; k++) {
      assertTrue(Files.isDirectory(dir.resolve("shard-" + k)), "shard-" + k);
    }
    try (NodeEngine e = Engines.openNode(config(SHARDS))) {
      final TopicDescription d = e.describeTopic("t");
      assertEquals(PARTITIONS, d.partitions().size());
      for (int p = 0; p < PARTITIONS; p++) {
        assertEquals(25, d.partitions().get(p).endOffset());
        final List<EngineFixture.Rec> recs = EngineFixture.readAll(e, "t", p, 0, 100);
        assertEquals(25, recs.size());
        for (int i = 0; i < 25; i++) {
          assertEquals(i, recs.get(i).offset());
          assertEquals("t-" + p + "-" + i, recs.get(i).value());
        }
      }
      assertEquals(Map.of(2, 3L, 5, 17L), e.committedOffsets("g", "t"));
      assertEquals(List.of("t"), e.listTopics().stream().map(TopicDescription::name).toList());
    }
  }

  @Test
  void shouldDeleteAndRecreateATopicInEveryShard() throws Exception {
    final TopicConfig tc = new TopicConfig(PARTITIONS, -1, -1, Map.of("k", "v"));
    try (NodeEngine e = Engines.openNode(config(SHARDS))) {
      assertEquals(TopicStatus.CREATED, create(e, "d", tc));
      appendEach(e, "d", 3);
      assertEquals(TopicStatus.OK, delete(e, "d"));
      assertEquals(TopicStatus.NOT_FOUND, delete(e, "d"));
      assertNull(e.describeTopic("d"));
      final ShardedEngine s = (ShardedEngine) e;
      for (int k = 0; k < SHARDS; k++) {
        assertNull(s.shard(k).describeTopic("d"), "deleted in shard " + k);
      }
      assertEquals(TopicStatus.CREATED, create(e, "d", tc));
      for (int p = 0; p < PARTITIONS; p++) {
        assertEquals(0, e.describeTopic("d").partitions().get(p).endOffset());
        assertEquals(List.of(), EngineFixture.readAll(e, "d", p, 0, 10));
      }
      final Completions.TopicDone closed =
          Completions.await(
              Completions.topicFuture(
                  l ->
                      e.updateTopicAttributes(
                          "d", Map.of(TopicConfig.ATTRIBUTE_CLOSED, "true"), Durability.LOCAL, l)));
      assertEquals(TopicStatus.OK, closed.status());
      final AppendRequest r = new AppendRequest(1);
      final Completions c = new Completions();
      for (int p = 0; p < PARTITIONS; p++) {
        assertEquals(
            AppendStatus.CLOSED,
            EngineFixture.append(e, r, c, "d", p, Durability.LOCAL, p, "late"),
            "partition " + p + " is closed in its shard");
      }
    }
    // after a restart the recreated topic is still empty and closed: none of the first one's
    // records came back with it
    try (NodeEngine e = Engines.openNode(config(SHARDS))) {
      assertEquals("true", e.describeTopic("d").config().attributes().get("closed"));
      for (int p = 0; p < PARTITIONS; p++) {
        assertEquals(0, e.describeTopic("d").partitions().get(p).endOffset());
        assertEquals(List.of(), EngineFixture.readAll(e, "d", p, 0, 10));
      }
    }
  }

  /** Builds shard states by hand as a crash between shards would leave them, then opens. */
  @Test
  void shouldSettleTopicsLeftByAnInterruptedOperationFromShardZero() throws Exception {
    final EngineConfig c = config(3);
    final TopicConfig plain = new TopicConfig(2, -1, -1, Map.of());
    final DataDirLock lock = DataDirLock.acquire(dir, 3);
    final StorageEngine[] s = new StorageEngine[3];
    try {
      for (int k = 0; k < 3; k++) {
        s[k] = StorageEngine.openShard(c, k, null);
      }
      // a create that reached shard 1 but not shard 0: never acknowledged, undone
      assertEquals(TopicStatus.CREATED, create(s[1], "half", plain));
      // a delete that reached shard 0 but not shard 2: finished
      assertEquals(TopicStatus.CREATED, create(s[2], "deleted", plain));
      // an attribute update that reached shard 0 only: copied
      for (int k = 0; k < 3; k++) {
        assertEquals(
            TopicStatus.CREATED,
            create(s[k], "attrs", new TopicConfig(2, -1, -1, Map.of("x", k == 0 ? "new" : "old"))));
      }
      // a shard that lost a topic shard 0 has: created again there
      assertEquals(TopicStatus.CREATED, create(s[0], "kept", plain));
      assertEquals(TopicStatus.CREATED, create(s[1], "kept", plain));
    } finally {
      for (final StorageEngine e : s) {
        if (e != null) {
          e.close();
        }
      }
      lock.release();
    }
    try (NodeEngine e = Engines.openNode(c)) {
      final ShardedEngine se = (ShardedEngine) e;
      assertTrue(e.recoverySummary().contains("settled"), e.recoverySummary());
      for (int k = 0; k < 3; k++) {
        assertNull(se.shard(k).describeTopic("half"), "half in shard " + k);
        assertNull(se.shard(k).describeTopic("deleted"), "deleted in shard " + k);
        assertEquals(
            Map.of("x", "new"),
            se.shard(k).describeTopic("attrs").config().attributes(),
            "attrs in shard " + k);
        assertNotNull(se.shard(k).describeTopic("kept"), "kept in shard " + k);
      }
      assertEquals(
          List.of("attrs", "kept"), e.listTopics().stream().map(TopicDescription::name).toList());
      final AppendRequest r = new AppendRequest(1);
      final Completions done = new Completions();
      for (int p = 0; p < 2; p++) {
        assertEquals(
            AppendStatus.ACCEPTED,
            EngineFixture.append(e, r, done, "kept", p, Durability.LOCAL, p, "v" + p));
        assertEquals(AppendStatus.OK, done.next().status());
      }
    }
    // settled durably: a second open changes nothing
    try (NodeEngine e = Engines.openNode(c)) {
      assertTrue(!e.recoverySummary().contains("settled"), e.recoverySummary());
    }
  }

  /** A topic another shard holds while shard 0 does not yet (a create in flight) is not there. */
  @Test
  void shouldNotServeATopicBeforeShardZeroHoldsIt() throws Exception {
    try (NodeEngine e = Engines.openNode(config(SHARDS))) {
      final ShardedEngine s = (ShardedEngine) e;
      int q = 0;
      while (ShardedEngine.shardOf("ghost", q, SHARDS) != 1) {
        q++;
      }
      final int p = q;
      assertEquals(
          TopicStatus.CREATED, create(s.shard(1), "ghost", new TopicConfig(8, -1, -1, Map.of())));
      final AppendRequest r = new AppendRequest(1);
      final Completions c = new Completions();
      assertEquals(
          AppendStatus.UNKNOWN_TOPIC,
          EngineFixture.append(e, r, c, "ghost", p, Durability.LOCAL, 1, "early"));
      assertNull(e.describeTopic("ghost"));
      assertEquals(
          io.stele.engine.ReadStatus.UNKNOWN_TOPIC,
          e.read("ghost", p, 0, 1, 1, (o, ts, b, ko, kl, vo, vl) -> true));
      assertEquals(
          TopicStatus.NOT_FOUND,
          Completions.await(
                  Completions.topicFuture(
                      l -> e.commitOffset("g", "ghost", p, 0, Durability.LOCAL, l)))
              .status());
      // the control: shard 1 itself takes the append
      assertEquals(
          AppendStatus.ACCEPTED,
          EngineFixture.append(s.shard(1), r, c, "ghost", p, Durability.LOCAL, 2, "direct"));
      assertEquals(AppendStatus.OK, c.next().status());
    }
  }

  @Test
  void shouldOpenOnlyWithTheShardCountTheDirectoryWasCreatedWith() throws Exception {
    try (NodeEngine e = Engines.openNode(config(SHARDS))) {
      assertEquals(
          TopicStatus.CREATED, create(e, "t", new TopicConfig(PARTITIONS, -1, -1, Map.of())));
    }
    final IOException two = assertThrows(IOException.class, () -> Engines.openNode(config(2)));
    assertTrue(two.getMessage().contains("created with 4 shards"), two.getMessage());
    final IOException one = assertThrows(IOException.class, () -> Engines.open(config(1)));
    assertTrue(one.getMessage().contains("created with 4 shards"), one.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Engines.open(config(SHARDS)));
    // the refusals left the directory as it was
    try (NodeEngine e = Engines.openNode(config(SHARDS))) {
      assertNotNull(e.describeTopic("t"));
    }
  }

  @Test
  void shouldOpenADirectoryFromBeforeTheCountWasRecordedAsOneShard() throws Exception {
    try (NodeEngine e = Engines.openNode(config(1))) {
      assertEquals(TopicStatus.CREATED, create(e, "t", new TopicConfig(1, -1, -1, Map.of())));
    }
    Files.delete(dir.resolve(DataDirLock.SHARDS_FILE));
    final IOException refused = assertThrows(IOException.class, () -> Engines.openNode(config(2)));
    assertTrue(refused.getMessage().contains("created with 1 shard "), refused.getMessage());
    try (NodeEngine e = Engines.openNode(config(1))) {
      assertNotNull(e.describeTopic("t"));
    }
    assertEquals("1", Files.readString(dir.resolve(DataDirLock.SHARDS_FILE)).trim());
  }

  @Test
  void shouldFailEveryShardWhenOneFails() throws Exception {
    try (NodeEngine e = Engines.openNode(config(SHARDS))) {
      assertEquals(
          TopicStatus.CREATED, create(e, "t", new TopicConfig(PARTITIONS, -1, -1, Map.of())));
      final ShardedEngine s = (ShardedEngine) e;
      assertTrue(e.isHealthy());
      final int failing = ShardedEngine.shardOf("t", 0, SHARDS);
      s.shard(failing).fail("flush failed (test)");
      assertTrue(!e.isHealthy());
      final AppendRequest r = new AppendRequest(1);
      final Completions c = new Completions();
      for (int p = 0; p < PARTITIONS; p++) {
        assertEquals(
            AppendStatus.STORAGE_FAILED,
            EngineFixture.append(e, r, c, "t", p, Durability.LOCAL, p, "x"),
            "partition " + p);
      }
      for (int k = 0; k < SHARDS; k++) {
        assertNotNull(s.shard(k).failureReason(), "shard " + k);
      }
    }
  }
}
