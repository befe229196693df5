package io.stele.replication.raft;

/** The role of a replica in its group (Raft §5.2, pre-vote thesis §9.6). */
public enum Role {
  /** Follows a leader, or waits for one. */
  FOLLOWER,
  /** Asks whether it could win before disturbing anyone with a new term (§9.6). */
  PRE_CANDIDATE,
  /** Has started a new term and asks for votes. */
  CANDIDATE,
  /** Replicates its log and decides the commit index. */
  LEADER
}
