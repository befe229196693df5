package io.stele.net;

/**
 * What the HTTP layer needs to know about the cluster, supplied by {@code server} (net does not
 * import replication). Implementations read a status the Raft thread publishes; every method is
 * cheap and safe on an event loop.
 */
public interface ClusterView {
  /**
   * Where requests for the log must go.
   *
   * @return null if this node serves them (single node, or the cluster's ready leader); the
   *     leader's base URL ({@code http://host:port}) to redirect to; or an empty string while no
   *     leader is known (an election runs)
   */
  String leaderBase();

  /**
   * Returns the JSON document of {@code GET /v1/cluster}.
   *
   * @return JSON text
   */
  CharSequence describe();

  /**
   * Adds or removes a voter (leader only).
   *
   * @param add true to add, false to remove
   * @param node the node number
   * @param incarnation the incarnation to add (ignored for a removal)
   * @return completes with the change's log index once committed, or fails with the reason
   */
  java.util.concurrent.CompletableFuture<Long> changeVoter(boolean add, int node, int incarnation);
}
