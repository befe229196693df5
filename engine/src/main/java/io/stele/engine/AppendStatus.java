package io.stele.engine;

/** Outcome of an append, given synchronously (admission) or in the completion (result). */
public enum AppendStatus {
  /** Admitted into the ingress ring; the completion follows. (Synchronous only.) */
  ACCEPTED,
  /** Appended and reached the requested durability (completion). */
  OK,
  /** The ingress ring is full; nothing was written; retry later (HTTP 429/503 + Retry-After). */
  BACKPRESSURE,
  /** No such topic. */
  UNKNOWN_TOPIC,
  /** No such partition in the topic. */
  UNKNOWN_PARTITION,
  /** The request exceeds a limit (records per request, bytes per batch). */
  TOO_LARGE,
  /** Idempotent producer: this (id, epoch, seq) was already appended; nothing new written. */
  DUPLICATE,
  /** Idempotent producer: the epoch is older than the one recorded. */
  STALE_EPOCH,
  /** Idempotent producer: the sequence is past the next expected one (HTTP 409). */
  SEQUENCE_GAP,
  /** Idempotent producer: a new (higher) epoch must start at sequence 0 (HTTP 400). */
  EPOCH_START_NOT_ZERO,
  /** The stream-sequence token is not greater than the last one appended. */
  SEQUENCE_CONFLICT,
  /** The topic is closed to appends. */
  CLOSED,
  /** The node's storage failed (fsync error, disk full): nothing is acknowledged any more. */
  STORAGE_FAILED,
  /**
   * In a cluster: this node is not the leader, or lost leadership before the batch committed and
   * the batch was removed from its log. The write did not happen; it is safe to retry on the
   * leader.
   */
  NOT_LEADER
}
