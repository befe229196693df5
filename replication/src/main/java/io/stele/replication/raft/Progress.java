package io.stele.replication.raft;

/**
 * The leader's view of one follower (after etcd-io/raft {@code tracker/progress.go}).
 *
 * <ul>
 *   <li>PROBE: position unknown; one AppendEntries at a time until one is accepted.
 *   <li>REPLICATE: pipelined; {@code next} advances optimistically, bounded by the window.
 *   <li>SNAPSHOT: the follower needs entries the leader compacted; wait for the segment transfer.
 * </ul>
 *
 * Invariant: {@code match < next}; {@code match} only grows within a term and is what the follower
 * reported durable.
 */
final class Progress {
  enum State {
    PROBE,
    REPLICATE,
    SNAPSHOT
  }

  final long id;
  long match;
  long next;
  State state = State.PROBE;
  boolean probeSent;
  long pendingSnapshot;
  int ticksSinceProgress;
  boolean recentActive;
  long readAck;
  final Inflights inflights;

  Progress(final long id, final long next, final int inflightMessagesMax, final long bytesMax) {
    this.id = id;
    this.next = next;
    this.inflights = new Inflights(inflightMessagesMax, bytesMax);
  }

  void becomeProbe() {
    if (state == State.SNAPSHOT) {
      next = Math.max(match + 1, pendingSnapshot + 1);
      pendingSnapshot = 0;
    } else {
      next = match + 1;
    }
    state = State.PROBE;
    probeSent = false;
    ticksSinceProgress = 0;
    inflights.reset();
  }

  void becomeReplicate() {
    state = State.REPLICATE;
    next = match + 1;
    probeSent = false;
    ticksSinceProgress = 0;
    inflights.reset();
  }

  void becomeSnapshot(final long snapshotIndex) {
    state = State.SNAPSHOT;
    pendingSnapshot = snapshotIndex;
    probeSent = false;
    ticksSinceProgress = 0;
    inflights.reset();
  }

  /** Records a durable acknowledgement; returns whether it moved {@code match}. */
  boolean maybeUpdate(final long index) {
    boolean updated = false;
    if (match < index) {
      match = index;
      updated = true;
      probeSent = false;
      ticksSinceProgress = 0;
    }
    next = Math.max(next, index + 1);
    return updated;
  }

  /**
   * Handles a rejection of the AppendEntries whose previous index was {@code rejected}; returns
   * false if the rejection is stale.
   */
  boolean maybeDecrTo(final long rejected, final long matchHint) {
    if (state == State.REPLICATE) {
      if (rejected <= match) {
        return false;
      }
      next = match + 1;
      return true;
    }
    if (next - 1 != rejected) {
      return false;
    }
    next = Math.max(Math.min(rejected, matchHint + 1), match + 1);
    probeSent = false;
    return true;
  }

  boolean paused() {
    return switch (state) {
      case PROBE -> probeSent;
      case REPLICATE -> inflights.full();
      case SNAPSHOT -> true;
    };
  }

  @Override
  public String toString() {
    return ReplicaId.toString(id)
        + "{"
        + state
        + " match="
        + match
        + " next="
        + next
        + " inflight="
        + inflights.count()
        + "}";
  }
}
