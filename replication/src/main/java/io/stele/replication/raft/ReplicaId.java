package io.stele.replication.raft;

/**
 * Persistent replica identity: a node number and an incarnation packed in one {@code long}. A node
 * keeps its identity in its data directory; a node whose disk was wiped starts a new incarnation,
 * so it can never vote or be counted as its old self (it lost the votes and entries its old self
 * promised to keep). It rejoins as a learner under the new identity and the old identity is removed
 * from the configuration.
 */
public final class ReplicaId {
  /** No replica: no vote cast, no leader known. */
  public static final long NONE = 0;

  private ReplicaId() {}

  /**
   * Packs an identity.
   *
   * @param node node number, 1 to 2^31-1
   * @param incarnation incarnation, 0 to 2^31-1; bumped each time the node's data is lost
   * @return the replica id
   */
  public static long of(final int node, final int incarnation) {
    if (node < 1 || incarnation < 0) {
      throw new IllegalArgumentException("node=" + node + " incarnation=" + incarnation);
    }
    return ((long) node << 32) | incarnation;
  }

  /**
   * Returns the node number.
   *
   * @param id a replica id
   * @return the node number
   */
  public static int node(final long id) {
    return (int) (id >>> 32);
  }

  /**
   * Returns the incarnation.
   *
   * @param id a replica id
   * @return the incarnation
   */
  public static int incarnation(final long id) {
    return (int) id;
  }

  /**
   * Formats an id as {@code n<node>.<incarnation>}.
   *
   * @param id a replica id
   * @return the text
   */
  public static String toString(final long id) {
    return id == NONE ? "none" : "n" + node(id) + "." + incarnation(id);
  }
}
