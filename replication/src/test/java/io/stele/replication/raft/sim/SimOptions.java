package io.stele.replication.raft.sim;

import io.stele.replication.raft.PlantedBug;
import java.util.EnumSet;
import java.util.Set;

/** Knobs of one simulated run. Probabilities are per global tick unless named per message. */
public final class SimOptions {
  /** Number of node slots (every slot is a voter at bootstrap). */
  public int nodes = 3;

  /** Ticks of faults before healing. */
  public int chaosTicks = 300;

  /** Bound on ticks after healing for a leader to emerge and a proposal to commit everywhere. */
  public int livenessTicks = 400;

  /** Election timeout base and heartbeat interval in ticks. */
  public int electionTicks = 10;

  /** Heartbeat interval in ticks. */
  public int heartbeatTicks = 2;

  /** Network time units per tick; message delays are drawn in these units. */
  public int unitsPerTick = 10;

  /** Message delay upper bound in units (lower bound 1): different delays reorder. */
  public int maxDelayUnits = 25;

  /** Per message. */
  public double dropProbability = 0.05;

  /** Per message. */
  public double duplicateProbability = 0.03;

  /** Flush latency upper bound in units. */
  public int maxFlushUnits = 30;

  /** Per flush (including hard state writes): the flush fails and the node stops (fsyncgate). */
  public double flushFailProbability = 0.002;

  /** Per tick. */
  public double crashProbability = 0.01;

  /** Restart delay upper bound in ticks. */
  public int maxDownTicks = 40;

  /** Per tick: make a new random (symmetric or one-way) partition. */
  public double partitionProbability = 0.02;

  /** Per tick: remove every partition. */
  public double healProbability = 0.03;

  /** Per tick: wipe a node's disk (it returns under a new identity). */
  public double wipeProbability = 0.002;

  /** Per tick per node: compact the in-memory log. */
  public double compactProbability = 0.02;

  /** Per tick: ask the leader to transfer leadership. */
  public double transferProbability = 0.005;

  /** Per tick: client proposals sent to the leader. */
  public double proposeProbability = 0.6;

  /** Per tick: linearizable read asked of a leader. */
  public double readProbability = 0.1;

  /** Entries per AppendEntries (small values exercise pipelining and windows). */
  public int maxAppendEntries = 4;

  /** In-flight window in messages. */
  public int inflightMessages = 4;

  /** In-flight window in bytes. */
  public long inflightBytes = 2048;

  /** Pre-vote on. */
  public boolean preVote = true;

  /** Check-quorum on. */
  public boolean checkQuorum = true;

  /** Bugs planted in every core (mutation tests). */
  public Set<PlantedBug> bugs = EnumSet.noneOf(PlantedBug.class);

  /** Harness bug: a wiped node comes back under its old identity (mutation test). */
  public boolean wipeKeepsIdentity;

  /** Harness bug: the node persists its term but not its vote (mutation test). */
  public boolean skipHardStatePersist;

  /** Events kept for the failure report. */
  public int traceEvents = 80;

  /**
   * Returns a copy.
   *
   * @return the copy
   */
  public SimOptions copy() {
    final SimOptions o = new SimOptions();
    o.nodes = nodes;
    o.chaosTicks = chaosTicks;
    o.livenessTicks = livenessTicks;
    o.electionTicks = electionTicks;
    o.heartbeatTicks = heartbeatTicks;
    o.unitsPerTick = unitsPerTick;
    o.maxDelayUnits = maxDelayUnits;
    o.dropProbability = dropProbability;
    o.duplicateProbability = duplicateProbability;
    o.maxFlushUnits = maxFlushUnits;
    o.flushFailProbability = flushFailProbability;
    o.crashProbability = crashProbability;
    o.maxDownTicks = maxDownTicks;
    o.partitionProbability = partitionProbability;
    o.healProbability = healProbability;
    o.wipeProbability = wipeProbability;
    o.compactProbability = compactProbability;
    o.transferProbability = transferProbability;
    o.proposeProbability = proposeProbability;
    o.readProbability = readProbability;
    o.maxAppendEntries = maxAppendEntries;
    o.inflightMessages = inflightMessages;
    o.inflightBytes = inflightBytes;
    o.preVote = preVote;
    o.checkQuorum = checkQuorum;
    o.bugs = bugs.isEmpty() ? EnumSet.noneOf(PlantedBug.class) : EnumSet.copyOf(bugs);
    o.wipeKeepsIdentity = wipeKeepsIdentity;
    o.skipHardStatePersist = skipHardStatePersist;
    o.traceEvents = traceEvents;
    return o;
  }
}
