package io.stele.replication.raft.sim;

/** The fault profiles the suites use. */
final class SimOptionsFor {
  private SimOptionsFor() {}

  /** Everything at moderate rates. */
  static SimOptions threeNodes() {
    return new SimOptions();
  }

  /** Five voters, same rates. */
  static SimOptions fiveNodes() {
    final SimOptions o = new SimOptions();
    o.nodes = 5;
    return o;
  }

  /** Frequent crashes with slow flushes: much is unflushed when a node dies. */
  static SimOptions crashy(final int nodes) {
    final SimOptions o = new SimOptions();
    o.nodes = nodes;
    o.crashProbability = 0.06;
    o.maxDownTicks = 12;
    o.maxFlushUnits = 80;
    o.partitionProbability = 0.01;
    o.transferProbability = 0.02;
    return o;
  }

  /**
   * No check-quorum: a partitioned leader keeps believing it leads, so only the read-index quorum
   * round keeps reads linearizable. Many reads, frequent partitions.
   */
  static SimOptions noCheckQuorum(final int nodes) {
    final SimOptions o = new SimOptions();
    o.nodes = nodes;
    o.checkQuorum = false;
    o.readProbability = 1.0;
    o.partitionProbability = 0.05;
    o.healProbability = 0.01;
    return o;
  }
}
