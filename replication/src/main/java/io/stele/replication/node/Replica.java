package io.stele.replication.node;

import io.netty.buffer.PooledByteBufAllocator;
import io.stele.engine.ReplicatedLog;
import io.stele.engine.WakeableIdle;
import io.stele.replication.raft.Membership;
import io.stele.replication.raft.RaftConfig;
import io.stele.replication.raft.RaftCore;
import io.stele.replication.raft.ReplicaId;
import io.stele.replication.raft.SplitMix64;
import io.stele.replication.transport.IoTransport;
import io.stele.replication.transport.PeerTransport;
import io.stele.replication.transport.TransportConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.SystemNanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running replica of shard 0: the peer transport, the Raft node over the shard log and the agent
 * thread that drives it. The one object {@code server} wires.
 */
public final class Replica implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Replica.class);

  /**
   * Settings of a replica.
   *
   * @param clusterId cluster identity (every node of a cluster uses the same)
   * @param node this node's number, 1-based
   * @param peers every node's number and peer (Raft) address, this node included
   * @param voters the nodes that form the group when it is first created (a subset of peers)
   * @param join true for a node with an empty data directory joining an existing group: it takes a
   *     new incarnation and waits for the leader to add it
   * @param dial where to connect to a peer when it differs from its address in {@code peers} (a
   *     proxy in between); may be empty
   * @param stateDir where the hard-state file lives
   * @param io Netty I/O flavour for the peer transport
   * @param tickMs length of a Raft tick
   * @param electionTicks election timeout in ticks (randomized in [n, 2n))
   * @param heartbeatTicks heartbeat interval in ticks
   */
  public record Settings(
      long clusterId,
      int node,
      Map<Integer, InetSocketAddress> peers,
      java.util.Set<Integer> voters,
      boolean join,
      Map<Integer, InetSocketAddress> dial,
      Path stateDir,
      IoTransport io,
      long tickMs,
      int electionTicks,
      int heartbeatTicks) {
    /** Checks the settings. */
    public Settings {
      peers = new TreeMap<>(peers);
      voters = new java.util.TreeSet<>(voters);
      dial = new TreeMap<>(dial);
      if (!peers.keySet().containsAll(voters) || voters.isEmpty()) {
        throw new IllegalArgumentException("voters " + voters + " must be among " + peers.keySet());
      }
      if (!peers.keySet().containsAll(dial.keySet())) {
        throw new IllegalArgumentException("dial addresses for unknown peers " + dial.keySet());
      }
      if (!peers.containsKey(node)) {
        throw new IllegalArgumentException("peers must include this node (" + node + ")");
      }
      if (tickMs < 1 || electionTicks <= heartbeatTicks || heartbeatTicks < 1) {
        throw new IllegalArgumentException(
            "tick " + tickMs + " ms, election " + electionTicks + ", heartbeat " + heartbeatTicks);
      }
    }
  }

  private final PeerTransport transport;
  private final RaftNode raft;
  private final AgentRunner runner;
  private final InetSocketAddress bound;

  private Replica(
      final PeerTransport transport,
      final RaftNode raft,
      final AgentRunner runner,
      final InetSocketAddress bound) {
    this.transport = transport;
    this.raft = raft;
    this.runner = runner;
    this.bound = bound;
  }

  /**
   * Recovers the Raft state from the hard-state file and the shard log, binds the peer listener,
   * dials the other voters and starts the Raft thread.
   *
   * @param s settings
   * @param log the recovered shard log of an engine opened in cluster mode
   * @return the running replica
   * @throws IOException if the state cannot be recovered or the listener cannot bind
   */
  public static Replica start(final Settings s, final ReplicatedLog log) throws IOException {
    final HardStateFile hsf = new HardStateFile(s.stateDir(), 0);
    final HardStateFile.State known = hsf.load();
    final long self;
    if (known != null) {
      self = known.replicaId();
      if (ReplicaId.node(self) != s.node()) {
        throw new IOException(
            "the Raft state in " + hsf.path() + " belongs to " + ReplicaId.toString(self));
      }
    } else {
      if (s.join() && log.lastLogIndex() > 0) {
        throw new IOException("joining an existing cluster needs an empty data directory");
      }
      // A joining node is a new replica: its old self (if any) voted in terms it cannot remember.
      self =
          ReplicaId.of(
              s.node(), s.join() ? (int) (System.currentTimeMillis() / 1000 & 0x7fffffff) | 1 : 0);
      // the identity is durable before anything is said under it
      hsf.save(new HardStateFile.State(s.clusterId(), self, 0, 0, ReplicaId.NONE));
    }
    final long[] voters = s.voters().stream().mapToLong(n -> ReplicaId.of(n, 0)).toArray();
    final Membership initial =
        ReplicaId.incarnation(self) != 0 ? Membership.EMPTY : Membership.ofVoters(voters);
    final RaftConfig cfg =
        RaftConfig.builder(self, 0)
            .electionTicks(s.electionTicks())
            .heartbeatTicks(s.heartbeatTicks())
            .uncommittedBytesMax(Long.MAX_VALUE / 4)
            .build();
    final SplittableRandom seeds = new SplittableRandom(System.nanoTime() ^ self);
    final RaftCore core =
        RaftNode.recover(
            cfg,
            new SplitMix64(seeds.nextLong()),
            hsf,
            s.clusterId(),
            log,
            Membership.ofVoters(voters));
    final PeerTransport transport =
        new PeerTransport(
            TransportConfig.defaults(s.clusterId(), self, s.peers().get(s.node()))
                .withReconnect(20_000_000L, 500_000_000L),
            s.io(),
            seeds.split()::nextLong);
    final InetSocketAddress bound;
    try {
      bound = transport.start();
    } catch (final InterruptedException e) {
      Thread.currentThread().interrupt();
      transport.close();
      throw new IOException("interrupted while binding the peer listener", e);
    } catch (final RuntimeException e) {
      transport.close();
      throw new IOException("cannot bind the peer listener on " + s.peers().get(s.node()), e);
    }
    for (final Map.Entry<Integer, InetSocketAddress> p : s.peers().entrySet()) {
      if (p.getKey() != s.node()) {
        transport.addPeer(p.getKey(), s.dial().getOrDefault(p.getKey(), p.getValue()));
      }
    }
    final RaftNode raft =
        new RaftNode(
            core,
            s.clusterId(),
            hsf,
            log,
            transport,
            new SystemNanoClock(),
            s.tickMs() * 1_000_000L,
            PooledByteBufAllocator.DEFAULT,
            s.tickMs() * 1_000_000L * s.electionTicks() / 2);
    final WakeableIdle idle = new WakeableIdle(64, 8, 1_000, 2_000_000);
    transport.onInbound(idle::wake);
    log.onLogProgress(idle::wake);
    final AgentRunner runner = new AgentRunner(idle, e -> LOG.error("raft thread", e), null, raft);
    AgentRunner.startOnThread(runner);
    LOG.info(
        "replica {} of {} voters; peer transport {} on {}",
        s.node(),
        voters.length,
        transport.ioName(),
        bound);
    return new Replica(transport, raft, runner, bound);
  }

  /**
   * Returns the latest published status.
   *
   * @return the status
   */
  public ClusterStatus status() {
    return raft.status();
  }

  /**
   * Returns how many copies of the log this replica sent as leader (followers that held them) and
   * installed as follower. Any thread.
   *
   * @return {sent, installed}
   */
  public long[] snapshotCounts() {
    return raft.snapshotCounts();
  }

  /**
   * Returns true while this replica leads and holds its read lease: a majority answered it within
   * the last half election timeout, so no other leader can have been elected. Any thread.
   *
   * @return whether it may serve reads alone
   */
  public boolean holdsLease() {
    return raft.status().role() == io.stele.replication.raft.Role.LEADER
        && System.nanoTime() - raft.leaseUntilNs() < 0;
  }

  /**
   * Adds a voter (this replica must lead): the node's replica with that incarnation joins once the
   * change commits. Changes go one at a time (single-server changes).
   *
   * @param node the node number (its address must be in every node's peers)
   * @param incarnation the incarnation it reports in {@code /v1/cluster}
   * @return completes with the change's log index once committed, or fails with the reason
   */
  public java.util.concurrent.CompletableFuture<Long> addVoter(
      final int node, final int incarnation) {
    return raft.changeMembership(true, node, incarnation);
  }

  /**
   * Removes the voter with that node number (this replica must lead and must not be it).
   *
   * @param node the node number
   * @return completes with the change's log index once committed, or fails with the reason
   */
  public java.util.concurrent.CompletableFuture<Long> removeVoter(final int node) {
    return raft.changeMembership(false, node, 0);
  }

  /**
   * Returns the bound peer address.
   *
   * @return the address
   */
  public InetSocketAddress peerAddress() {
    return bound;
  }

  /**
   * Returns true while the Raft thread runs (it stops on a storage failure).
   *
   * @return whether it runs
   */
  public boolean isRunning() {
    return !runner.isClosed() && runner.thread() != null && runner.thread().isAlive();
  }

  /**
   * If this replica leads, hands leadership to the most caught-up follower and waits (bounded)
   * until another node leads; a follower returns at once. Called before a graceful stop so the
   * cluster does not wait an election timeout.
   *
   * @param timeoutMs how long to wait
   * @return true if this replica no longer leads
   */
  public boolean handOff(final long timeoutMs) {
    raft.requestHandOff();
    final long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
    while (System.nanoTime() - deadline < 0) {
      final ClusterStatus s = raft.status();
      if (s.role() != io.stele.replication.raft.Role.LEADER) {
        return true;
      }
      try {
        Thread.sleep(5);
      } catch (final InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return false;
  }

  @Override
  public void close() {
    runner.close();
    transport.close();
  }
}
