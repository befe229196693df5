package io.stele.engine;

/** Outcome of a topic operation. */
public enum TopicStatus {
  /** Created (HTTP 201). */
  CREATED,
  /** Already exists with the same configuration (HTTP 200). */
  EXISTS,
  /** Exists with a different configuration (HTTP 409). */
  CONFLICT,
  /** Updated or deleted. */
  OK,
  NOT_FOUND,
  STORAGE_FAILED,
  BACKPRESSURE,
  /** In a cluster: this node is not the leader (or lost leadership before the change committed). */
  NOT_LEADER
}
