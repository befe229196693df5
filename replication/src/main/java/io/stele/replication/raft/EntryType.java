package io.stele.replication.raft;

/** What a log entry carries. The core never looks inside {@link #NORMAL} payloads. */
public enum EntryType {
  /** A shard-log record batch: opaque bytes to the core. */
  NORMAL,
  /** The empty entry a new leader appends to commit its predecessors' entries (Raft §8). */
  NOOP,
  /** A membership configuration ({@link Membership} payload), effective once appended (§4.1). */
  CONFIG
}
