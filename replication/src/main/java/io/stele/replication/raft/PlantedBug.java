package io.stele.replication.raft;

/**
 * Deliberate protocol bugs, switched on only by mutation tests through {@link
 * RaftConfig.Builder#plantBugsForTesting}: each must make the simulator report a safety violation,
 * which proves its invariant checks have teeth. Production configuration never sets any.
 */
public enum PlantedBug {
  /** Grant votes without the log up-to-date check (§5.4.1). */
  SKIP_UP_TO_DATE_CHECK,
  /** Count the leader's own entries before they are durable (thesis §10.2.1). */
  COUNT_LEADER_BEFORE_FLUSH,
  /** Acknowledge appended entries before they are durable on the follower. */
  FOLLOWER_ACK_BEFORE_FLUSH,
  /** Commit an entry of a previous term by counting replicas (§5.4.2, Figure 8). */
  COMMIT_PREVIOUS_TERM_BY_COUNTING,
  /** Accept AppendEntries without checking the previous entry's term (§5.3). */
  SKIP_PREV_TERM_CHECK,
  /** Answer a read index without confirming leadership with a quorum (§6.4). */
  READ_WITHOUT_QUORUM_CHECK
}
