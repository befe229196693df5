package io.stele.server;

import io.stele.net.ClusterView;
import io.stele.replication.node.ClusterStatus;
import io.stele.replication.node.Replica;
import io.stele.replication.raft.Role;

/** The HTTP layer's view of the cluster, read from the status the Raft thread publishes. */
final class ClusterState implements ClusterView {
  private static final ClusterView SINGLE =
      new ClusterView() {
        @Override
        public String leaderBase() {
          return null;
        }

        @Override
        public CharSequence describe() {
          return "{\"mode\":\"single\"}\n";
        }

        @Override
        public java.util.concurrent.CompletableFuture<Long> changeVoter(
            final boolean add, final int node, final int incarnation) {
          return java.util.concurrent.CompletableFuture.failedFuture(
              new IllegalStateException("a single node has no voters to change"));
        }
      };

  private final Replica replica;
  private final Peers peers;

  ClusterState(final Replica replica, final Peers peers) {
    this.replica = replica;
    this.peers = peers;
  }

  static ClusterView single() {
    return SINGLE;
  }

  @Override
  public String leaderBase() {
    final ClusterStatus s = replica.status();
    if (s.role() == Role.LEADER) {
      // serve only while the lease holds: a leader cut off from its majority stops answering
      // before another node can be elected, so no read is stale
      return s.leaderReady() && replica.holdsLease() ? null : "";
    }
    final Peers.Peer leader = s.leader() == 0 ? null : peers.byNode().get(s.leader());
    return leader == null ? "" : leader.httpBase();
  }

  /** Ready: a leader whose term has committed, or a follower that knows it and is caught up. */
  boolean isReady() {
    final ClusterStatus s = replica.status();
    if (!replica.isRunning()) {
      return false;
    }
    if (s.role() == Role.LEADER) {
      return s.leaderReady() && replica.holdsLease();
    }
    return s.role() == Role.FOLLOWER && s.leader() != 0 && s.durableIndex() >= s.commitIndex();
  }

  @Override
  public java.util.concurrent.CompletableFuture<Long> changeVoter(
      final boolean add, final int node, final int incarnation) {
    if (!peers.byNode().containsKey(node)) {
      return java.util.concurrent.CompletableFuture.failedFuture(
          new IllegalArgumentException(
              "node "
                  + node
                  + " is not in --peers "
                  + peers.byNode().keySet()
                  + " (every node needs its address)"));
    }
    return add ? replica.addVoter(node, incarnation) : replica.removeVoter(node);
  }

  @Override
  public CharSequence describe() {
    final ClusterStatus s = replica.status();
    final StringBuilder b = new StringBuilder(256);
    b.append("{\"mode\":\"cluster\",\"node\":")
        .append(s.node())
        .append(",\"replica\":\"")
        .append(s.replica())
        .append("\",\"voters\":[");
    for (int i = 0; i < s.voters().size(); i++) {
      b.append(i > 0 ? ",\"" : "\"").append(s.voters().get(i)).append('"');
    }
    b.append("],\"role\":\"")
        .append(s.role().name().toLowerCase(java.util.Locale.ROOT))
        .append("\",\"term\":")
        .append(s.term())
        .append(",\"leader\":")
        .append(s.leader() == 0 ? "null" : Integer.toString(s.leader()));
    final Peers.Peer leader = s.leader() == 0 ? null : peers.byNode().get(s.leader());
    b.append(",\"leaderUrl\":")
        .append(leader == null ? "null" : "\"" + leader.httpBase() + "\"")
        .append(",\"commitIndex\":")
        .append(s.commitIndex())
        .append(",\"durableIndex\":")
        .append(s.durableIndex())
        .append(",\"lastIndex\":")
        .append(s.lastIndex())
        .append(",\"ready\":")
        .append(isReady())
        .append(",\"peers\":[");
    for (int i = 0; i < s.peers().size(); i++) {
      final ClusterStatus.Peer p = s.peers().get(i);
      if (i > 0) {
        b.append(',');
      }
      b.append("{\"node\":")
          .append(p.node())
          .append(",\"url\":\"")
          .append(
              peers.byNode().containsKey(p.node()) ? peers.byNode().get(p.node()).httpBase() : "")
          .append("\",\"connected\":")
          .append(p.connected());
      if (s.role() == Role.LEADER) {
        b.append(",\"matchIndex\":")
            .append(p.matchIndex())
            .append(",\"lag\":")
            .append(Math.max(0, s.lastIndex() - p.matchIndex()));
      }
      b.append('}');
    }
    return b.append("]}\n");
  }
}
