package io.stele.replication.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stele.replication.raft.Entry;
import io.stele.replication.raft.Membership;
import io.stele.replication.raft.RaftConfig;
import io.stele.replication.raft.RaftCore;
import io.stele.replication.raft.ReplicaId;
import io.stele.replication.raft.Role;
import io.stele.replication.raft.SplitMix64;
import io.stele.replication.transport.IoTransport;
import io.stele.replication.transport.LeakWatch;
import io.stele.replication.transport.PeerTransport;
import io.stele.replication.transport.TransportConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.SystemNanoClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RaftNodeTest {
  private static final long CLUSTER = 77;
  private static final int NODES = 3;

  @TempDir Path dir;

  private final List<AutoCloseable> closeables = new ArrayList<>();

  @BeforeAll
  static void watchLeaks() {
    LeakWatch.install();
  }

  @AfterEach
  void tearDown() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
    LeakWatch.assertNoLeaks();
  }

  private static void await(final String what, final BooleanSupplier condition) {
    final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out waiting for " + what);
      }
      LockSupport.parkNanos(1_000_000L);
    }
  }

  @Test
  void shouldElectOneLeaderAndCommitAProposalOnThreeNodesOverLoopback() throws Exception {
    final long[] ids = new long[NODES];
    final PeerTransport[] transports = new PeerTransport[NODES];
    final RaftNode[] nodes = new RaftNode[NODES];
    final MemoryLogStore[] stores = new MemoryLogStore[NODES];
    final List<AgentRunner> runners = new ArrayList<>();
    for (int i = 0; i < NODES; i++) {
      ids[i] = ReplicaId.of(i + 1, 0);
      final SplittableRandom jitter = new SplittableRandom(i);
      transports[i] =
          new PeerTransport(
              TransportConfig.defaults(
                      CLUSTER, ids[i], new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                  .withReconnect(5_000_000L, 100_000_000L),
              IoTransport.select("auto"),
              jitter::nextLong);
      closeables.add(transports[i]);
      transports[i].start();
    }
    for (int i = 0; i < NODES; i++) {
      for (int j = 0; j < NODES; j++) {
        if (i != j) {
          transports[i].addPeer(j + 1, transports[j].localAddress());
        }
      }
    }
    for (int i = 0; i < NODES; i++) {
      final RaftConfig cfg =
          RaftConfig.builder(ids[i], 0).electionTicks(30).heartbeatTicks(2).build();
      final RaftCore core =
          RaftCore.bootstrap(cfg, new SplitMix64(100 + i), Membership.ofVoters(ids));
      stores[i] = new MemoryLogStore();
      nodes[i] =
          new RaftNode(
              core,
              CLUSTER,
              new HardStateFile(dir.resolve("n" + (i + 1)), 0),
              stores[i],
              transports[i],
              new SystemNanoClock(),
              TimeUnit.MILLISECONDS.toNanos(10),
              1024);
      final AgentRunner runner =
          new AgentRunner(
              new BackoffIdleStrategy(10, 20, 1_000, 1_000_000),
              Throwable::printStackTrace,
              null,
              nodes[i]);
      AgentRunner.startOnThread(runner);
      closeables.add(runner);
      runners.add(runner);
    }
    await(
        "a leader known to all",
        () -> {
          int leaders = 0;
          for (final RaftNode n : nodes) {
            leaders += n.role() == Role.LEADER ? 1 : 0;
          }
          final long l = nodes[0].leaderId();
          return leaders == 1
              && l != ReplicaId.NONE
              && nodes[1].leaderId() == l
              && nodes[2].leaderId() == l;
        });
    final int leader = ReplicaId.node(nodes[0].leaderId()) - 1;
    assertEquals(Role.LEADER, nodes[leader].role());
    final byte[] payload = "first record batch".getBytes(StandardCharsets.UTF_8);
    assertTrue(nodes[leader].propose(payload));
    final long[] index = new long[1];
    await(
        "the proposal in the leader's log",
        () -> {
          index[0] = stores[leader].indexOf(payload);
          return index[0] > 0;
        });
    await(
        "commit of the proposal on every node",
        () -> {
          for (final RaftNode n : nodes) {
            if (n.commitIndex() < index[0]) {
              return false;
            }
          }
          return true;
        });
    for (final AgentRunner r : runners) {
      r.close();
    }
    final long proposalTerm = stores[leader].entryAt(index[0]).term();
    for (int i = 0; i < NODES; i++) {
      // every replica holds the proposal at the same index and term, byte for byte
      final Entry e = stores[i].entryAt(index[0]);
      assertNotNull(e, "node " + (i + 1));
      assertEquals(proposalTerm, e.term());
      assertArrayEquals(payload, (byte[]) e.payload(), "node " + (i + 1));
      // the term and vote were made durable before any message was sent
      final HardStateFile.State hs = new HardStateFile(dir.resolve("n" + (i + 1)), 0).load();
      assertNotNull(hs);
      assertTrue(hs.term() >= proposalTerm, "durable term " + hs.term());
      assertEquals(ids[i], hs.replicaId());
    }
  }
}
