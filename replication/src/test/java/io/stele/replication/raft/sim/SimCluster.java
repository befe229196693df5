package io.stele.replication.raft.sim;

import io.stele.replication.raft.HardState;
import io.stele.replication.raft.Membership;
import io.stele.replication.raft.Message;
import io.stele.replication.raft.MessageType;
import io.stele.replication.raft.RaftConfig;
import io.stele.replication.raft.RaftCore;
import io.stele.replication.raft.ReadState;
import io.stele.replication.raft.Ready;
import io.stele.replication.raft.ReplicaId;
import io.stele.replication.raft.Role;
import io.stele.replication.raft.SplitMix64;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.PriorityQueue;
import java.util.function.Predicate;

/**
 * A simulated cluster of Raft cores: one seeded random generator drives the network (drop,
 * duplicate, reorder by delay, symmetric and one-way partitions), per-node disks (unflushed writes
 * lost or torn on crash, failing flushes), crashes, restarts, wipes, client proposals, reads,
 * leadership transfers and the membership changes an operator makes. The {@link Checker} runs after
 * every step. Two drivers share it: {@link #run()} (randomized, event-driven) and the scripted
 * methods used by the named scenarios (manual network and flushes, with a transcript).
 */
public final class SimCluster {
  static final long GROUP = 7;

  /** One node slot; its identity changes when its disk is wiped. */
  static final class Node {
    final int slot;
    int incarnation;
    long id;
    RaftCore core;
    SimDisk disk;
    boolean up = true;
    int epoch;
    long lastCommit;
    boolean flushScheduled;
    final ArrayDeque<long[]> proposals = new ArrayDeque<>();
    final HashMap<Long, Long> reads = new HashMap<>();

    Node(final int slot) {
      this.slot = slot;
      this.id = ReplicaId.of(slot + 1, 0);
    }
  }

  private static final int TICK = 0;
  private static final int DELIVER = 1;
  private static final int FLUSH = 2;
  private static final int GLOBAL = 3;
  private static final int RESTART = 4;

  private record Ev(long time, long seq, int kind, int slot, int epoch, Message msg) {}

  private final SimOptions opts;
  private final long seed;
  private final SplitMix64 rnd;
  private final Node[] nodes;
  private final Checker checker = new Checker();
  private final boolean manual;
  private final ArrayDeque<Message> queue = new ArrayDeque<>();
  private final PriorityQueue<Ev> events =
      new PriorityQueue<>(
          (a, b) -> a.time != b.time ? Long.compare(a.time, b.time) : Long.compare(a.seq, b.seq));
  private final boolean[][] blocked;
  private final long[][] linkTail;
  private final Object[] traceRing;
  private final long[] traceTime;
  private int traceNext;
  private final StringBuilder transcript;
  private long now;
  private long seq;
  private long steps;
  private long nextPayload = 1;
  private long nextRead = 1;
  private boolean healed;
  private long livenessTicksUsed = -1;

  private SimCluster(final SimOptions opts, final long seed, final boolean manual) {
    this.opts = opts;
    this.seed = seed;
    this.rnd = new SplitMix64(seed);
    this.manual = manual;
    this.nodes = new Node[opts.nodes];
    this.blocked = new boolean[opts.nodes][opts.nodes];
    this.linkTail = new long[opts.nodes][opts.nodes];
    this.traceRing = new Object[opts.traceEvents];
    this.traceTime = new long[opts.traceEvents];
    this.transcript = manual ? new StringBuilder() : null;
    final long[] voters = new long[opts.nodes];
    for (int i = 0; i < opts.nodes; i++) {
      nodes[i] = new Node(i);
      voters[i] = nodes[i].id;
    }
    final Membership initial = Membership.ofVoters(voters);
    for (final Node n : nodes) {
      n.disk = new SimDisk(initial);
      n.core = newCore(n);
    }
  }

  /**
   * A randomized run driven by one seed.
   *
   * @param opts options
   * @param seed the seed; the same seed replays the same run
   * @return the cluster, ready to {@link #run()}
   */
  public static SimCluster randomized(final SimOptions opts, final long seed) {
    return new SimCluster(opts, seed, false);
  }

  /**
   * A scripted cluster: messages queue until delivered, disks flush when told.
   *
   * @param opts options (fault probabilities are ignored)
   * @return the cluster
   */
  public static SimCluster scripted(final SimOptions opts) {
    return new SimCluster(opts, 1, true);
  }

  // ------------------------------------------------------------------------------------------
  // Randomized driver

  /** Result of a randomized run. */
  public record Result(
      long seed, long steps, long ticks, int acked, long committed, long livenessTicks) {}

  /**
   * Runs chaos for {@code chaosTicks}, heals, then requires liveness within {@code livenessTicks};
   * every step is checked.
   *
   * @return run statistics
   * @throws SimulationFailure on any violation, naming the seed
   */
  public Result run() {
    try {
      for (final Node n : nodes) {
        schedule(1 + rnd.nextInt(opts.unitsPerTick), TICK, n.slot, n.epoch, null);
      }
      schedule(opts.unitsPerTick, GLOBAL, -1, 0, null);
      final long chaosEnd = (long) opts.chaosTicks * opts.unitsPerTick;
      runUntil(chaosEnd);
      heal();
      final long deadline = now + (long) opts.livenessTicks * opts.unitsPerTick;
      final long healedAt = now;
      long markerIndex = 0;
      long markerTerm = 0;
      Node markerLeader = null;
      while (true) {
        if (now >= deadline) {
          Checker.fail(
              "liveness: no leader committed a proposal on every member within "
                  + opts.livenessTicks
                  + " ticks after healing; "
                  + describe());
        }
        runUntil(now + opts.unitsPerTick);
        final Node l = leader();
        if (l == null) {
          continue;
        }
        if (markerLeader != l
            || markerTerm != l.core.term()
            || (markerIndex > 0
                && l.core.termAt(markerIndex) != markerTerm
                && markerIndex <= l.core.lastIndex())) {
          markerIndex = l.core.propose(nextPayload, 8);
          if (markerIndex > 0) {
            l.proposals.add(new long[] {markerIndex, l.core.term(), nextPayload++});
            markerLeader = l;
            markerTerm = l.core.term();
            drain(l);
          } else {
            markerLeader = null;
          }
          continue;
        }
        if (markerIndex > 0 && committedEverywhere(l, markerIndex, markerTerm)) {
          break;
        }
      }
      livenessTicksUsed = (now - healedAt) / opts.unitsPerTick;
      for (final Node n : nodes) {
        final Node l = leader();
        if (n.up && l != null && l.core.membership().isMember(n.id)) {
          checker.checkAckedOn(n.core, markerIndex);
        }
      }
      return new Result(
          seed,
          steps,
          now / opts.unitsPerTick,
          checker.ackedCount(),
          checker.maxCommitted(),
          livenessTicksUsed);
    } catch (Violation v) {
      throw new SimulationFailure(seed, v.getMessage(), traceDump(), v);
    } catch (RuntimeException | AssertionError e) {
      throw new SimulationFailure(seed, "exception: " + e, traceDump(), e);
    }
  }

  private boolean committedEverywhere(final Node l, final long index, final long term) {
    for (final Node n : nodes) {
      if (l.core.membership().isMember(n.id)) {
        if (!n.up
            || n.core.commitIndex() < index
            || n.core.termAt(index) != term && index > n.core.snapshot().index()) {
          return false;
        }
      }
    }
    return true;
  }

  private void runUntil(final long until) {
    while (!events.isEmpty() && events.peek().time <= until) {
      final Ev ev = events.poll();
      now = ev.time;
      switch (ev.kind) {
        case TICK -> {
          final Node n = nodes[ev.slot];
          if (n.up && n.epoch == ev.epoch) {
            steps++;
            n.core.tick();
            drain(n);
            schedule(now + opts.unitsPerTick, TICK, n.slot, n.epoch, null);
          }
        }
        case DELIVER -> deliver(ev.msg);
        case FLUSH -> {
          final Node n = nodes[ev.slot];
          if (n.up && n.epoch == ev.epoch) {
            n.flushScheduled = false;
            doFlush(n);
          }
        }
        case GLOBAL -> {
          global();
          schedule(now + opts.unitsPerTick, GLOBAL, -1, 0, null);
        }
        case RESTART -> {
          final Node n = nodes[ev.slot];
          if (!n.up && n.epoch == ev.epoch) {
            restart(n);
          }
        }
        default -> throw new IllegalStateException();
      }
    }
    now = until;
  }

  private void global() {
    if (!healed) {
      chaos();
    }
    operator();
    // Client load stops at healing: liveness is about progress, and a follower whose flushes are
    // slower than the offered load lags by design (flow control), which is not a liveness failure.
    if (!healed && rnd.chance(opts.proposeProbability)) {
      final Node l = anyLeader();
      if (l != null) {
        final int count = 1 + rnd.nextInt(3);
        for (int i = 0; i < count; i++) {
          final long payload = nextPayload++;
          final long index = l.core.propose(payload, 16 + rnd.nextInt(500));
          if (index > 0) {
            l.proposals.add(new long[] {index, l.core.term(), payload});
          }
        }
        steps++;
        drain(l);
      }
    }
    if (rnd.chance(opts.readProbability)) {
      final Node l = anyLeader();
      if (l != null) {
        final long req = nextRead++;
        final long min = checker.maxAckedIndex();
        if (l.core.readIndex(req)) {
          l.reads.put(req, min);
          steps++;
          drain(l);
        }
      }
    }
    for (final Node n : nodes) {
      if (n.up && rnd.chance(opts.compactProbability)) {
        final long upTo = Math.min(n.core.commitIndex(), n.core.stableIndex()) - rnd.nextInt(4);
        if (n.core.compact(upTo)) {
          n.disk.compact(n.core.snapshot());
          trace(n.slot, "compact to " + upTo);
        }
      }
    }
  }

  private void chaos() {
    if (rnd.chance(opts.crashProbability)) {
      final Node n = nodes[rnd.nextInt(nodes.length)];
      if (n.up) {
        crash(n, "crash");
      }
    }
    if (rnd.chance(opts.partitionProbability)) {
      clearPartitions();
      final boolean oneWay = rnd.chance(0.3);
      final boolean[] side = new boolean[nodes.length];
      int count = 0;
      for (int i = 0; i < nodes.length; i++) {
        side[i] = rnd.chance(0.5);
        count += side[i] ? 1 : 0;
      }
      if (count == 0 || count == nodes.length) {
        java.util.Arrays.fill(side, false);
        side[rnd.nextInt(nodes.length)] = true;
      }
      for (int a = 0; a < nodes.length; a++) {
        for (int b = 0; b < nodes.length; b++) {
          if (side[a] && !side[b]) {
            blocked[a][b] = true;
            blocked[b][a] = !oneWay;
          }
        }
      }
      trace(-1, (oneWay ? "one-way " : "") + "partition " + java.util.Arrays.toString(side));
    }
    if (rnd.chance(opts.healProbability)) {
      clearPartitions();
      trace(-1, "partitions healed");
    }
    if (rnd.chance(opts.wipeProbability) && canWipe()) {
      wipe(nodes[rnd.nextInt(nodes.length)]);
    }
    if (rnd.chance(opts.transferProbability)) {
      final Node l = leader();
      if (l != null) {
        final long[] voters = l.core.membership().voters();
        final long target = voters[rnd.nextInt(voters.length)];
        if (l.core.transferLeadership(target)) {
          trace(l.slot, "transfer leadership to " + ReplicaId.toString(target));
          steps++;
          drain(l);
        }
      }
    }
  }

  /** Replaces wiped identities one voter at a time (§4.1): remove stale, add learner, promote. */
  private void operator() {
    final Node l = leader();
    if (l == null) {
      return;
    }
    final Membership m = l.core.membership();
    Membership next = null;
    for (final long v : m.voters()) {
      if (nodes[ReplicaId.node(v) - 1].id != v) {
        next = Membership.of(without(m.voters(), v), m.learners());
        break;
      }
    }
    if (next == null) {
      for (final long v : m.learners()) {
        if (nodes[ReplicaId.node(v) - 1].id != v) {
          next = Membership.of(m.voters(), without(m.learners(), v));
          break;
        }
      }
    }
    if (next == null) {
      for (final Node n : nodes) {
        if (!m.isMember(n.id)) {
          next = Membership.of(m.voters(), with(m.learners(), n.id));
          break;
        }
      }
    }
    if (next == null) {
      for (final long v : m.learners()) {
        if (l.core.matchIndex(v) >= l.core.commitIndex()) {
          next = Membership.of(with(m.voters(), v), without(m.learners(), v));
          break;
        }
      }
    }
    if (next != null && l.core.proposeMembership(next) > 0) {
      trace(l.slot, "propose membership " + next);
      steps++;
      drain(l);
    }
  }

  private boolean canWipe() {
    final Node l = leader();
    if (l == null) {
      return false;
    }
    final Membership m = l.core.membership();
    if (l.core.membershipIndex() > l.core.commitIndex()) {
      return false; // an uncommitted change may still be undone: wipe only a settled cluster
    }
    for (final Node n : nodes) {
      if (!m.isVoter(n.id)) {
        return false;
      }
    }
    return m.voterCount() == nodes.length;
  }

  private void heal() {
    healed = true;
    clearPartitions();
    for (final Node n : nodes) {
      if (!n.up) {
        restart(n);
      }
    }
    trace(-1, "healed: partitions removed, every node restarted, no more faults");
  }

  private Node leader() {
    Node best = null;
    for (final Node n : nodes) {
      if (n.up
          && n.core.role() == Role.LEADER
          && (best == null || n.core.term() > best.core.term())) {
        best = n;
      }
    }
    return best;
  }

  private Node anyLeader() {
    final int start = rnd.nextInt(nodes.length);
    for (int i = 0; i < nodes.length; i++) {
      final Node n = nodes[(start + i) % nodes.length];
      if (n.up && n.core.role() == Role.LEADER) {
        return n;
      }
    }
    return null;
  }

  // ------------------------------------------------------------------------------------------
  // Node life cycle, shared by both drivers

  private RaftCore newCore(final Node n) {
    final RaftConfig cfg =
        RaftConfig.builder(n.id, GROUP)
            .electionTicks(opts.electionTicks)
            .heartbeatTicks(opts.heartbeatTicks)
            .preVote(opts.preVote)
            .checkQuorum(opts.checkQuorum)
            .maxAppend(opts.maxAppendEntries, 1 << 20)
            .inflight(opts.inflightMessages, opts.inflightBytes)
            .uncommittedBytesMax(1 << 16)
            .plantBugsForTesting(opts.bugs)
            .build();
    final RaftCore core =
        new RaftCore(
            cfg,
            new SplitMix64(rnd.nextLong()),
            n.disk.hardState(),
            n.disk.snapshot(),
            n.disk.entries());
    n.lastCommit = core.commitIndex();
    return core;
  }

  private void crash(final Node n, final String why) {
    trace(n.slot, why + ": " + n.core);
    n.up = false;
    n.core = null;
    n.epoch++;
    n.disk.crash(rnd);
    n.flushScheduled = false;
    n.proposals.clear();
    n.reads.clear();
    if (!manual) {
      schedule(
          now + (1L + rnd.nextInt(opts.maxDownTicks)) * opts.unitsPerTick,
          RESTART,
          n.slot,
          n.epoch,
          null);
    }
  }

  private void restart(final Node n) {
    n.up = true;
    n.epoch++;
    n.core = newCore(n);
    trace(n.slot, "restart from disk: " + n.core);
    if (!manual) {
      schedule(now + 1 + rnd.nextInt(opts.unitsPerTick), TICK, n.slot, n.epoch, null);
    }
    drain(n);
  }

  private void wipe(final Node n) {
    if (n.up) {
      crash(n, "wipe");
    }
    n.disk = new SimDisk(Membership.EMPTY);
    if (!opts.wipeKeepsIdentity) {
      n.incarnation++;
      n.id = ReplicaId.of(n.slot + 1, n.incarnation);
    }
    trace(n.slot, "disk wiped, identity now " + ReplicaId.toString(n.id));
  }

  private void doFlush(final Node n) {
    if (!healed && !manual && rnd.chance(opts.flushFailProbability)) {
      crash(n, "flush failed (fsyncgate: the node stops)");
      return;
    }
    final long[] durable = n.disk.flush();
    steps++;
    trace(n.slot, durableText(durable));
    n.core.onPersisted(durable[0], durable[1]);
    drain(n);
  }

  private static String durableText(final long[] durable) {
    return "flushed, durable to " + durable[0] + "@" + durable[1];
  }

  private void drain(final Node n) {
    while (n.up && n.core.hasReady()) {
      final Ready r = n.core.ready();
      if (r.hardState() != null) {
        if (!healed && !manual && rnd.chance(opts.flushFailProbability)) {
          crash(n, "hard state flush failed (fsyncgate: the node stops)");
          return;
        }
        n.disk.writeHardState(
            opts.skipHardStatePersist
                ? new HardState(r.hardState().term(), ReplicaId.NONE)
                : r.hardState());
      }
      if (r.role() == Role.LEADER) {
        if (manual && n.core.role() == Role.LEADER && !checkerKnowsLeader(n, r.term())) {
          trace(n.slot, "becomes leader of term " + r.term());
        }
        checker.onLeader(n.core, r.term());
      }
      if (!r.entries().isEmpty()) {
        checker.onAppend(n.core, r.entries());
      }
      if (r.snapshot() != null) {
        checker.onSnapshot(n.core, r.snapshot());
        n.disk.installSnapshot(r.snapshot());
      }
      if (!r.entries().isEmpty()) {
        n.disk.append(r.entries());
      }
      checker.onCommit(n.core, n.lastCommit, r.commitIndex());
      if (r.role() == Role.LEADER && r.commitIndex() > n.lastCommit) {
        checkCommitIsPermanent(n, r.commitIndex());
      }
      if (manual && r.commitIndex() > n.lastCommit) {
        trace(n.slot, "commit " + n.lastCommit + " -> " + r.commitIndex());
      }
      n.lastCommit = r.commitIndex();
      if (r.role() != Role.LEADER) {
        n.proposals.clear();
        n.reads.clear();
      } else {
        while (!n.proposals.isEmpty() && n.proposals.peek()[0] <= r.commitIndex()) {
          final long[] p = n.proposals.poll();
          if (n.core.termAt(p[0]) == p[1]) {
            checker.onAck(p[0], p[1], p[2]);
            if (manual) {
              trace(n.slot, "acknowledges write " + p[2] + " at " + p[0] + "@" + p[1]);
            }
          }
        }
      }
      for (final ReadState rs : r.readStates()) {
        final Long min = n.reads.remove(rs.requestId());
        if (min != null) {
          checker.onRead(n.core, rs.index(), min);
        }
      }
      if (n.disk.hasPending() && !n.flushScheduled && !manual) {
        n.flushScheduled = true;
        schedule(now + 1 + rnd.nextInt(opts.maxFlushUnits), FLUSH, n.slot, n.epoch, null);
      }
      for (final Message m : r.messages()) {
        send(m);
      }
    }
  }

  /**
   * No acknowledged quorum write can be lost: when a leader commits index {@code c}, no replica
   * lacking that entry may still be electable, whether it keeps its in-memory log or crashes back
   * to its durable one, counting the votes it could get from replicas restarted from their durable
   * logs (§5.4: the intersection argument, checked directly). A replica identity whose disk was
   * wiped cannot vote; with the identity bug it votes with an empty log.
   */
  private void checkCommitIsPermanent(final Node leader, final long c) {
    final long tc = leader.core.termAt(c);
    if (tc < 0) {
      return;
    }
    for (final Node n : nodes) {
      if (n.up) {
        final boolean has = c <= n.core.snapshot().index() || n.core.termAt(c) == tc;
        electableWithout(
            n,
            n.core.membership(),
            n.core.lastIndex(),
            n.core.lastTerm(),
            has,
            leader,
            c,
            tc,
            "in-memory");
      }
      final boolean has = c <= n.disk.snapshot().index() || n.disk.termAt(c) == tc;
      electableWithout(
          n,
          n.disk.membership(),
          n.disk.lastIndex(),
          n.disk.lastTerm(),
          has,
          leader,
          c,
          tc,
          "durable");
    }
  }

  private void electableWithout(
      final Node n,
      final Membership m,
      final long lastIndex,
      final long lastTerm,
      final boolean has,
      final Node leader,
      final long c,
      final long tc,
      final String which) {
    if (has || !m.isVoter(n.id)) {
      return;
    }
    int votes = 0;
    final StringBuilder who = new StringBuilder();
    for (int i = 0; i < m.voterCount(); i++) {
      final long v = m.voterAt(i);
      final int slot = ReplicaId.node(v) - 1;
      if (slot < 0 || slot >= nodes.length || nodes[slot].id != v) {
        continue;
      }
      final SimDisk d = nodes[slot].disk;
      if (nodes[slot] == n
          || d.lastTerm() < lastTerm
          || (d.lastTerm() == lastTerm && d.lastIndex() <= lastIndex)) {
        votes++;
        who.append(' ').append(ReplicaId.toString(v));
      }
    }
    if (votes >= m.quorum()) {
      Checker.fail(
          "acknowledged write lost: "
              + ReplicaId.toString(leader.id)
              + " committed "
              + c
              + "@"
              + tc
              + " but "
              + ReplicaId.toString(n.id)
              + " lacks it in its "
              + which
              + " log (last "
              + lastIndex
              + "@"
              + lastTerm
              + ") and could be elected by"
              + who);
    }
  }

  private final HashMap<Long, Boolean> announced = new HashMap<>();

  private boolean checkerKnowsLeader(final Node n, final long term) {
    return announced.put(term, Boolean.TRUE) != null;
  }

  private void send(final Message m) {
    if (manual) {
      queue.add(m);
      return;
    }
    if (!healed && rnd.chance(opts.dropProbability)) {
      return;
    }
    long at = now + 1 + rnd.nextInt(opts.maxDelayUnits);
    if (healed) {
      // After healing the transport is TCP again: delays vary but each link delivers in order.
      final int from = ReplicaId.node(m.from()) - 1;
      final int to = ReplicaId.node(m.to()) - 1;
      if (to >= 0 && to < nodes.length) {
        at = Math.max(at, linkTail[from][to]);
        linkTail[from][to] = at;
      }
    }
    schedule(at, DELIVER, -1, 0, m);
    if (!healed && rnd.chance(opts.duplicateProbability)) {
      schedule(now + 1 + rnd.nextInt(opts.maxDelayUnits), DELIVER, -1, 0, m);
    }
  }

  private boolean deliver(final Message m) {
    final int to = ReplicaId.node(m.to()) - 1;
    final int from = ReplicaId.node(m.from()) - 1;
    if (to < 0 || to >= nodes.length) {
      return false;
    }
    final Node n = nodes[to];
    if (!n.up || blocked[from][to]) {
      if (manual) {
        trace(to, "lost " + m);
      }
      return false;
    }
    trace(to, m);
    steps++;
    n.core.step(m);
    drain(n);
    return true;
  }

  private void schedule(
      final long time, final int kind, final int slot, final int epoch, final Message m) {
    events.add(new Ev(time, seq++, kind, slot, epoch, m));
  }

  private void clearPartitions() {
    for (final boolean[] row : blocked) {
      java.util.Arrays.fill(row, false);
    }
  }

  // ------------------------------------------------------------------------------------------
  // Scripted driver (named scenarios)

  /**
   * Returns the node in a slot.
   *
   * @param slot 0-based slot
   * @return its core (null while down)
   */
  public RaftCore core(final int slot) {
    return nodes[slot].core;
  }

  /**
   * Returns the current identity of a slot.
   *
   * @param slot 0-based slot
   * @return the replica id
   */
  public long id(final int slot) {
    return nodes[slot].id;
  }

  /**
   * Writes a comment line into the transcript.
   *
   * @param text the line
   */
  public void say(final String text) {
    transcript.append("\n# ").append(text).append('\n');
  }

  /**
   * Forces a node to start an election now, as if its timer fired.
   *
   * @param slot 0-based slot
   */
  public void campaign(final int slot) {
    final Node n = nodes[slot];
    trace(slot, "election timeout (forced)");
    steps++;
    n.core.step(
        new Message(
            MessageType.TIMEOUT_NOW,
            GROUP,
            n.id,
            n.id,
            n.core.term(),
            0,
            0,
            null,
            0,
            false,
            0,
            0,
            null));
    drain(n);
  }

  /** Ticks every live node once. */
  public void tickAll() {
    for (final Node n : nodes) {
      if (n.up) {
        steps++;
        n.core.tick();
        drain(n);
      }
    }
  }

  /**
   * Ticks one node.
   *
   * @param slot 0-based slot
   */
  public void tick(final int slot) {
    steps++;
    nodes[slot].core.tick();
    drain(nodes[slot]);
  }

  /**
   * Delivers queued messages matching a filter (and the responses they cause, if they match),
   * dropping those a partition blocks; others stay queued.
   *
   * @param filter which messages to deliver
   * @return how many were delivered
   */
  public int deliver(final Predicate<Message> filter) {
    int delivered = 0;
    boolean progress = true;
    while (progress) {
      progress = false;
      final List<Message> keep = new ArrayList<>();
      final List<Message> batch = new ArrayList<>(queue);
      queue.clear();
      for (final Message m : batch) {
        if (filter.test(m)) {
          deliver(m);
          delivered++;
          progress = true;
        } else {
          keep.add(m);
        }
      }
      final List<Message> produced = new ArrayList<>(queue);
      queue.clear();
      queue.addAll(keep);
      queue.addAll(produced);
    }
    return delivered;
  }

  /**
   * Drops queued messages matching a filter.
   *
   * @param filter which to drop
   */
  public void drop(final Predicate<Message> filter) {
    queue.removeIf(
        m -> {
          if (filter.test(m)) {
            trace(ReplicaId.node(m.to()) - 1, "dropped " + m);
            return true;
          }
          return false;
        });
  }

  /**
   * Flushes a node's disk and reports durability to its core.
   *
   * @param slot 0-based slot
   */
  public void flush(final int slot) {
    final Node n = nodes[slot];
    if (n.up && n.disk.hasPending()) {
      doFlush(n);
    }
  }

  /** Delivers and flushes until nothing is left to do. */
  public void stabilize() {
    for (int round = 0; round < 1000; round++) {
      deliver(m -> true);
      boolean flushed = false;
      for (final Node n : nodes) {
        if (n.up && n.disk.hasPending()) {
          doFlush(n);
          flushed = true;
        }
      }
      if (!flushed && queue.isEmpty()) {
        return;
      }
    }
    throw new IllegalStateException("did not stabilize");
  }

  /**
   * Cuts a node off in both directions.
   *
   * @param slot 0-based slot
   */
  public void isolate(final int slot) {
    for (int i = 0; i < nodes.length; i++) {
      if (i != slot) {
        blocked[slot][i] = true;
        blocked[i][slot] = true;
      }
    }
    trace(slot, "isolated");
  }

  /** Removes every partition. */
  public void healNetwork() {
    clearPartitions();
    trace(-1, "network healed");
  }

  /**
   * Crashes a node: unflushed writes are lost.
   *
   * @param slot 0-based slot
   */
  public void crash(final int slot) {
    crash(nodes[slot], "crash");
  }

  /**
   * Restarts a crashed node from its disk.
   *
   * @param slot 0-based slot
   */
  public void restart(final int slot) {
    restart(nodes[slot]);
  }

  /**
   * Wipes a crashed or live node's disk; it comes back under a new identity.
   *
   * @param slot 0-based slot
   */
  public void wipe(final int slot) {
    wipe(nodes[slot]);
  }

  /**
   * Proposes a write at a node.
   *
   * @param slot 0-based slot
   * @return the index, 0 if refused
   */
  public long propose(final int slot) {
    final Node n = nodes[slot];
    final long payload = nextPayload++;
    final long index = n.core.propose(payload, 32);
    if (index > 0) {
      n.proposals.add(new long[] {index, n.core.term(), payload});
      trace(slot, "client write " + payload + " appended at " + index + "@" + n.core.term());
    }
    steps++;
    drain(n);
    return index;
  }

  /**
   * Proposes a membership change at a node.
   *
   * @param slot 0-based slot
   * @param next new configuration
   * @return the index, 0 if refused
   */
  public long proposeMembership(final int slot, final Membership next) {
    final long index = nodes[slot].core.proposeMembership(next);
    trace(slot, "propose membership " + next + " -> " + index);
    drain(nodes[slot]);
    return index;
  }

  /**
   * Compacts a node's in-memory log (and its disk's snapshot point) up to an index.
   *
   * @param slot 0-based slot
   * @param index new snapshot point
   * @return whether the core accepted
   */
  public boolean compact(final int slot, final long index) {
    final Node n = nodes[slot];
    final boolean ok = n.core.compact(index);
    if (ok) {
      n.disk.compact(n.core.snapshot());
      trace(slot, "compact log to " + index);
    }
    return ok;
  }

  /** Checks that every acknowledged write is committed on every live node. */
  public void checkAckedEverywhere() {
    for (final Node n : nodes) {
      if (n.up) {
        checker.checkAckedOn(n.core, Long.MAX_VALUE);
      }
    }
  }

  /**
   * Returns the scripted transcript.
   *
   * @return the text
   */
  public String transcript() {
    return transcript.toString();
  }

  /**
   * Returns the checker's count of acknowledged writes.
   *
   * @return the count
   */
  public int acked() {
    return checker.ackedCount();
  }

  /**
   * Returns the number of core inputs so far.
   *
   * @return steps
   */
  public long steps() {
    return steps;
  }

  // ------------------------------------------------------------------------------------------
  // Trace

  private void trace(final int slot, final Object what) {
    if (manual) {
      transcript.append(slot < 0 ? "   " : "S" + (slot + 1) + " ").append(what).append('\n');
      return;
    }
    traceTime[traceNext % traceTime.length] = now * 1000 + (slot + 1);
    traceRing[traceNext % traceRing.length] = what;
    traceNext++;
  }

  private String traceDump() {
    final StringBuilder sb = new StringBuilder();
    final int n = Math.min(traceNext, traceRing.length);
    for (int i = traceNext - n; i < traceNext; i++) {
      final long t = traceTime[i % traceTime.length];
      final long slot = t % 1000;
      sb.append(String.format("  t=%.1f ", (t / 1000) / (double) opts.unitsPerTick))
          .append(slot == 0 ? "   " : "S" + slot + " ")
          .append(traceRing[i % traceRing.length])
          .append('\n');
    }
    sb.append(describe());
    return sb.toString();
  }

  private String describe() {
    final StringBuilder sb = new StringBuilder("nodes:");
    for (final Node n : nodes) {
      sb.append("\n  S").append(n.slot + 1).append(' ').append(n.up ? n.core : "down");
    }
    return sb.toString();
  }

  private static long[] without(final long[] ids, final long id) {
    return java.util.Arrays.stream(ids).filter(x -> x != id).toArray();
  }

  private static long[] with(final long[] ids, final long id) {
    final long[] out = java.util.Arrays.copyOf(ids, ids.length + 1);
    out[ids.length] = id;
    return out;
  }
}
