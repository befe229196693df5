package io.stele.replication.raft;

/**
 * A confirmed read index (thesis §6.4): once the node has applied up to {@code index} it may serve
 * the read identified by {@code requestId} linearizably.
 */
public final class ReadState {
  private final long requestId;
  private final long index;

  /**
   * Creates a read state.
   *
   * @param requestId caller's id for the read
   * @param index commit index the read must wait for
   */
  public ReadState(final long requestId, final long index) {
    this.requestId = requestId;
    this.index = index;
  }

  /**
   * Returns the caller's request id.
   *
   * @return the id
   */
  public long requestId() {
    return requestId;
  }

  /**
   * Returns the index to apply before serving.
   *
   * @return the index
   */
  public long index() {
    return index;
  }

  @Override
  public String toString() {
    return "read(" + requestId + "@" + index + ")";
  }
}
