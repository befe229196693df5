package io.stele.replication.raft;

import java.util.Arrays;

/**
 * A configuration: voters (count towards elections and commit) and learners (receive the log, never
 * vote, never counted). Changes are one voter at a time (Raft thesis §4.1) and take effect when the
 * entry is appended, not when it commits. Immutable; ids are kept sorted.
 */
public final class Membership {
  /** The empty configuration of a node that has not yet been told which group it belongs to. */
  public static final Membership EMPTY = new Membership(new long[0], new long[0]);

  private final long[] voters;
  private final long[] learners;

  private Membership(final long[] voters, final long[] learners) {
    this.voters = voters;
    this.learners = learners;
  }

  /**
   * Creates a configuration.
   *
   * @param voters voter ids, distinct
   * @param learners learner ids, distinct and disjoint from voters
   * @return the configuration
   */
  public static Membership of(final long[] voters, final long[] learners) {
    final long[] v = voters.clone();
    final long[] l = learners.clone();
    Arrays.sort(v);
    Arrays.sort(l);
    for (int i = 1; i < v.length; i++) {
      if (v[i] == v[i - 1]) {
        throw new IllegalArgumentException("duplicate voter " + ReplicaId.toString(v[i]));
      }
    }
    for (int i = 0; i < l.length; i++) {
      if ((i > 0 && l[i] == l[i - 1]) || Arrays.binarySearch(v, l[i]) >= 0) {
        throw new IllegalArgumentException("bad learner " + ReplicaId.toString(l[i]));
      }
    }
    return new Membership(v, l);
  }

  /**
   * Creates a voters-only configuration.
   *
   * @param voters voter ids
   * @return the configuration
   */
  public static Membership ofVoters(final long... voters) {
    return of(voters, new long[0]);
  }

  /**
   * Returns whether the id is a voter.
   *
   * @param id replica id
   * @return true for a voter
   */
  public boolean isVoter(final long id) {
    return Arrays.binarySearch(voters, id) >= 0;
  }

  /**
   * Returns whether the id is a learner.
   *
   * @param id replica id
   * @return true for a learner
   */
  public boolean isLearner(final long id) {
    return Arrays.binarySearch(learners, id) >= 0;
  }

  /**
   * Returns whether the id is a voter or learner.
   *
   * @param id replica id
   * @return true for a member
   */
  public boolean isMember(final long id) {
    return isVoter(id) || isLearner(id);
  }

  /**
   * Returns a copy of the voter ids.
   *
   * @return sorted voter ids
   */
  public long[] voters() {
    return voters.clone();
  }

  /**
   * Returns a copy of the learner ids.
   *
   * @return sorted learner ids
   */
  public long[] learners() {
    return learners.clone();
  }

  /**
   * Returns the number of voters.
   *
   * @return the count
   */
  public int voterCount() {
    return voters.length;
  }

  /**
   * Returns the voter at a position (ids sorted ascending).
   *
   * @param i position
   * @return the id
   */
  public long voterAt(final int i) {
    return voters[i];
  }

  /**
   * Returns the number of learners.
   *
   * @return the count
   */
  public int learnerCount() {
    return learners.length;
  }

  /**
   * Returns the learner at a position (ids sorted ascending).
   *
   * @param i position
   * @return the id
   */
  public long learnerAt(final int i) {
    return learners[i];
  }

  /**
   * Returns the majority size.
   *
   * @return voters / 2 + 1
   */
  public int quorum() {
    return voters.length / 2 + 1;
  }

  /**
   * Returns how many voters differ between two configurations (size of the symmetric difference). A
   * single-server change (§4.1) differs by at most one.
   *
   * @param other another configuration
   * @return the count
   */
  public int voterDistance(final Membership other) {
    int d = 0;
    for (final long v : voters) {
      if (!other.isVoter(v)) {
        d++;
      }
    }
    for (final long v : other.voters) {
      if (!isVoter(v)) {
        d++;
      }
    }
    return d;
  }

  @Override
  public boolean equals(final Object o) {
    return o instanceof Membership
        && Arrays.equals(voters, ((Membership) o).voters)
        && Arrays.equals(learners, ((Membership) o).learners);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(voters) + Arrays.hashCode(learners);
  }

  @Override
  public String toString() {
    final StringBuilder sb = new StringBuilder("{voters=");
    for (int i = 0; i < voters.length; i++) {
      sb.append(i == 0 ? "" : ",").append(ReplicaId.toString(voters[i]));
    }
    sb.append(" learners=");
    for (int i = 0; i < learners.length; i++) {
      sb.append(i == 0 ? "" : ",").append(ReplicaId.toString(learners[i]));
    }
    return sb.append('}').toString();
  }
}
