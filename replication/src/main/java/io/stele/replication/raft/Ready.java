package io.stele.replication.raft;

import java.util.List;

/**
 * What the core asks its node to do, drained by {@link RaftCore#ready()} (etcd-io/raft's {@code
 * Ready} with asynchronous storage writes). The node must, in this order:
 *
 * <ol>
 *   <li>if {@link #hardState()} is not null, make it durable before sending any message of this
 *       Ready (a vote or a term must never be forgotten after it was announced, §5.1);
 *   <li>if {@link #snapshot()} is not null, install it (segment transfer) before the entries;
 *   <li>write {@link #entries()} after truncating its log at the first entry's index, and flush in
 *       the background (group commit); after each flush call {@link RaftCore#onPersisted};
 *   <li>send {@link #messages()} (in any order; the network may lose or reorder them);
 *   <li>apply entries up to {@link #commitIndex()} and serve {@link #readStates()} once applied.
 * </ol>
 *
 * Messages may be sent before the entries are durable: followers acknowledge only durable entries
 * and the leader counts itself only up to its durable index (thesis §10.2.1).
 */
public final class Ready {
  private final HardState hardState;
  private final SnapshotMeta snapshot;
  private final List<Entry> entries;
  private final List<Message> messages;
  private final long commitIndex;
  private final Role role;
  private final long term;
  private final long leaderId;
  private final List<ReadState> readStates;

  Ready(
      final HardState hardState,
      final SnapshotMeta snapshot,
      final List<Entry> entries,
      final List<Message> messages,
      final long commitIndex,
      final Role role,
      final long term,
      final long leaderId,
      final List<ReadState> readStates) {
    this.hardState = hardState;
    this.snapshot = snapshot;
    this.entries = entries;
    this.messages = messages;
    this.commitIndex = commitIndex;
    this.role = role;
    this.term = term;
    this.leaderId = leaderId;
    this.readStates = readStates;
  }

  /**
   * Returns hard state to make durable first, or null if unchanged.
   *
   * @return the hard state or null
   */
  public HardState hardState() {
    return hardState;
  }

  /**
   * Returns a snapshot to install, or null.
   *
   * @return the snapshot or null
   */
  public SnapshotMeta snapshot() {
    return snapshot;
  }

  /**
   * Returns entries to write; the first one's index is where the local log is truncated.
   *
   * @return entries, possibly empty
   */
  public List<Entry> entries() {
    return entries;
  }

  /**
   * Returns messages to send.
   *
   * @return messages, possibly empty
   */
  public List<Message> messages() {
    return messages;
  }

  /**
   * Returns the commit index (never smaller than in the previous Ready of this core).
   *
   * @return the commit index
   */
  public long commitIndex() {
    return commitIndex;
  }

  /**
   * Returns the current role.
   *
   * @return the role
   */
  public Role role() {
    return role;
  }

  /**
   * Returns the current term.
   *
   * @return the term
   */
  public long term() {
    return term;
  }

  /**
   * Returns the known leader, or {@link ReplicaId#NONE}.
   *
   * @return the leader id
   */
  public long leaderId() {
    return leaderId;
  }

  /**
   * Returns confirmed read indexes.
   *
   * @return read states, possibly empty
   */
  public List<ReadState> readStates() {
    return readStates;
  }
}
