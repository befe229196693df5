package io.stele.replication.node;

import io.stele.replication.raft.Entry;
import java.io.IOException;
import java.util.List;

/**
 * Where a group's log entries are written. Called on the node's Raft thread only. The engine's
 * {@code ReplicatedLog} hooks ({@code truncateAfter}, {@code appendEncoded}, {@code currentTerm})
 * will implement this for the shard log; that adapter is not written yet.
 */
public interface RaftLogStore {
  /**
   * Truncates the log after {@code entries.get(0).index() - 1} if it is longer, then appends the
   * entries. The write may complete later; durability is reported through {@link #pollPersisted}.
   *
   * @param entries consecutive entries, at least one
   * @throws IOException on failure, after which the node stops (DESIGN §3)
   */
  void append(List<Entry> entries) throws IOException;

  /**
   * Reports the newest durable position not yet reported.
   *
   * @param sink receives (index, term) of the last durable entry, if it advanced
   * @return true if something was reported
   */
  boolean pollPersisted(PersistedSink sink);

  /** Receives a durable position. */
  @FunctionalInterface
  interface PersistedSink {
    /**
     * The log is durable up to {@code index}, whose term is {@code term}.
     *
     * @param index last durable index
     * @param term its term
     */
    void onPersisted(long index, long term);
  }
}
