package io.stele.replication.raft;

/** Kinds of message exchanged between replicas of one group. */
public enum MessageType {
  /** Pre-vote request, for the term the sender would start (thesis §9.6). */
  PRE_VOTE,
  /** Pre-vote answer. */
  PRE_VOTE_RESPONSE,
  /** RequestVote (§5.2); {@code context == CAMPAIGN_TRANSFER} bypasses leader stickiness. */
  VOTE,
  /** RequestVote answer. */
  VOTE_RESPONSE,
  /** AppendEntries (§5.3): prev index/term, entries, leader commit. */
  APPEND,
  /** AppendEntries answer: durable match index, or a rejection with a backtracking hint. */
  APPEND_RESPONSE,
  /** Empty AppendEntries substitute; carries commit and a read-index context (§6.4). */
  HEARTBEAT,
  /** Heartbeat answer, echoing the read-index context. */
  HEARTBEAT_RESPONSE,
  /** InstallSnapshot (§7): metadata only, the bytes travel by segment transfer. */
  SNAPSHOT,
  /** Leadership transfer: start an election now (thesis §3.10). */
  TIMEOUT_NOW,
  /**
   * A piece of a snapshot's bytes, or its acknowledgement: exchanged by the nodes around {@link
   * #SNAPSHOT}, never given to the core ({@code io.stele.replication.node.SnapshotTransfer}).
   */
  SNAPSHOT_CHUNK
}
