package io.stele.replication.raft;

import java.util.List;

/**
 * Entries the core has compacted out of its memory but the node still has on disk (the shard log):
 * the leader reads from here to bring a lagging follower up to date entry batch by entry batch,
 * instead of needing a snapshot. Called on the core's thread; the core stays pure, the node does
 * the reading.
 */
public interface LogStorage {
  /** No stored entries: everything compacted is gone (a follower behind it needs a snapshot). */
  LogStorage NONE =
      new LogStorage() {
        @Override
        public long term(final long index) {
          return -1;
        }

        @Override
        public List<Entry> entries(
            final long lo, final long hi, final int maxEntries, final long maxBytes) {
          return List.of();
        }
      };

  /**
   * Returns the term of the stored entry at {@code index}.
   *
   * @param index log index
   * @return its term, or -1 if it is not stored
   */
  long term(long index);

  /**
   * Returns stored entries in {@code [lo, hi]}, in order, at most {@code maxEntries} and about
   * {@code maxBytes} (at least one if {@code lo} is stored).
   *
   * @param lo first index
   * @param hi last index
   * @param maxEntries bound on the count
   * @param maxBytes bound on the summed sizes
   * @return the entries, empty if {@code lo} is not stored
   */
  List<Entry> entries(long lo, long hi, int maxEntries, long maxBytes);
}
