package io.stele.replication.raft;

/**
 * The position a snapshot covers: every entry up to {@code index} (whose term is {@code term}), and
 * the configuration in force there. In Stele the "snapshot" of a shard is its log itself: a
 * follower installs one by copying the leader's segments up to {@code index} (segment transfer);
 * this record is the protocol's view of it. Immutable.
 */
public final class SnapshotMeta {
  private final long index;
  private final long term;
  private final Membership membership;

  /**
   * Creates snapshot metadata.
   *
   * @param index last index covered, 0 for the bootstrap snapshot
   * @param term term of the entry at {@code index}, 0 for the bootstrap snapshot
   * @param membership configuration in force at {@code index}
   */
  public SnapshotMeta(final long index, final long term, final Membership membership) {
    if (index < 0 || term < 0 || (index == 0) != (term == 0)) {
      throw new IllegalArgumentException("index=" + index + " term=" + term);
    }
    this.index = index;
    this.term = term;
    this.membership = membership;
  }

  /**
   * Returns the last index covered.
   *
   * @return the index
   */
  public long index() {
    return index;
  }

  /**
   * Returns the term of the last covered entry.
   *
   * @return the term
   */
  public long term() {
    return term;
  }

  /**
   * Returns the configuration in force at {@link #index()}.
   *
   * @return the membership
   */
  public Membership membership() {
    return membership;
  }

  @Override
  public String toString() {
    return "snapshot(" + index + "@" + term + " " + membership + ")";
  }
}
