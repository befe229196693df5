package io.stele.replication.raft;

/**
 * The state that must be durable before any message of the same {@link Ready} is sent: the current
 * term and the vote cast in it (Raft §5.1, Figure 2 "persistent state"). Immutable.
 */
public final class HardState {
  private final long term;
  private final long vote;

  /**
   * Creates hard state.
   *
   * @param term current term
   * @param vote replica voted for in {@code term}, or {@link ReplicaId#NONE}
   */
  public HardState(final long term, final long vote) {
    this.term = term;
    this.vote = vote;
  }

  /**
   * Returns the term.
   *
   * @return the term
   */
  public long term() {
    return term;
  }

  /**
   * Returns the vote.
   *
   * @return the replica voted for, or {@link ReplicaId#NONE}
   */
  public long vote() {
    return vote;
  }

  @Override
  public String toString() {
    return "hard(term=" + term + " vote=" + ReplicaId.toString(vote) + ")";
  }
}
