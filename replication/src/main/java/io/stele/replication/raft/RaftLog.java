package io.stele.replication.raft;

import java.util.ArrayList;
import java.util.List;

/**
 * The core's in-memory view of the replicated log: a snapshot point (everything at or below it is
 * compacted away) and the entries after it. The node's shard log holds the bytes; this view holds
 * the index, term and size of each entry plus the payload reference. The node bounds its size by
 * calling {@link RaftCore#compact} once entries are committed and durable.
 *
 * <p>Invariants: entries are contiguous from {@code snapshot.index + 1}; terms never decrease along
 * the log.
 */
final class RaftLog {
  private SnapshotMeta snapshot;
  private final ArrayList<Entry> entries = new ArrayList<>();
  private final LogStorage storage;

  RaftLog(final SnapshotMeta snapshot, final List<Entry> recovered, final LogStorage storage) {
    this.snapshot = snapshot;
    this.storage = storage;
    long expect = snapshot.index() + 1;
    long lastTerm = snapshot.term();
    for (final Entry e : recovered) {
      if (e.index() != expect || e.term() < lastTerm) {
        throw new IllegalArgumentException("recovered log is not contiguous at " + e);
      }
      entries.add(e);
      expect++;
      lastTerm = e.term();
    }
  }

  SnapshotMeta snapshot() {
    return snapshot;
  }

  long snapshotIndex() {
    return snapshot.index();
  }

  long firstIndex() {
    return snapshot.index() + 1;
  }

  long lastIndex() {
    return snapshot.index() + entries.size();
  }

  long lastTerm() {
    return entries.isEmpty() ? snapshot.term() : entries.get(entries.size() - 1).term();
  }

  /**
   * Returns the term at {@code index}: from memory, from storage below the snapshot point, or -1 if
   * it is neither there nor in storage, or beyond the end.
   */
  long term(final long index) {
    if (index == snapshot.index()) {
      return snapshot.term();
    }
    if (index < snapshot.index()) {
      if (index < 1) {
        // before the first entry: term 0, if storage can serve the log from its first entry
        return storage.term(1) >= 0 ? 0 : -1;
      }
      return storage.term(index);
    }
    if (index > lastIndex()) {
      return -1;
    }
    return entries.get((int) (index - snapshot.index() - 1)).term();
  }

  Entry entry(final long index) {
    return entries.get((int) (index - snapshot.index() - 1));
  }

  boolean matchTerm(final long index, final long term) {
    final long t = term(index);
    return t >= 0 && t == term;
  }

  /** Up-to-date check of a candidate's log against this one (§5.4.1). */
  boolean isUpToDate(final long candLastIndex, final long candLastTerm) {
    final long myTerm = lastTerm();
    return candLastTerm > myTerm || (candLastTerm == myTerm && candLastIndex >= lastIndex());
  }

  /**
   * Returns the position in {@code ents} of the first entry that is missing or conflicts with this
   * log, or {@code ents.size()} if all are present.
   */
  int findConflict(final List<Entry> ents) {
    for (int i = 0; i < ents.size(); i++) {
      final Entry e = ents.get(i);
      if (e.index() <= snapshot.index()) {
        continue;
      }
      if (!matchTerm(e.index(), e.term())) {
        return i;
      }
    }
    return ents.size();
  }

  /**
   * Returns the largest index at or below {@code index} whose term is at or below {@code term}: an
   * index where the logs can match (etcd-io/raft's fast backtracking). Stops at the snapshot.
   */
  long findConflictByTerm(final long index, final long term) {
    long i = Math.min(index, lastIndex());
    while (i > snapshot.index()) {
      if (term(i) <= term) {
        return i;
      }
      i--;
    }
    return i;
  }

  /** Truncates every entry at or after {@code from}. */
  void truncateFrom(final long from) {
    assert from > snapshot.index() : "truncating into the snapshot";
    final int keep = (int) (from - snapshot.index() - 1);
    if (keep < entries.size()) {
      entries.subList(keep, entries.size()).clear();
    }
  }

  void append(final Entry e) {
    assert e.index() == lastIndex() + 1 : "gap appending " + e + " after " + lastIndex();
    assert e.term() >= lastTerm() : "term goes backwards appending " + e;
    entries.add(e);
  }

  /**
   * Returns entries in {@code [lo, hi]}, at most {@code maxEntries} and {@code maxBytes} (always at
   * least one entry).
   */
  List<Entry> slice(final long lo, final long hi, final int maxEntries, final long maxBytes) {
    if (lo > hi) {
      return List.of();
    }
    if (lo <= snapshot.index()) {
      // compacted out of memory: the node's storage still has it (the next message continues)
      return storage.entries(lo, Math.min(hi, snapshot.index()), maxEntries, maxBytes);
    }
    final int from = (int) (lo - snapshot.index() - 1);
    int to = from;
    long bytes = 0;
    final int end = (int) (hi - snapshot.index());
    while (to < end && to - from < maxEntries) {
      final long size = entries.get(to).sizeBytes();
      if (to > from && bytes + size > maxBytes) {
        break;
      }
      bytes += size;
      to++;
    }
    return List.copyOf(entries.subList(from, to));
  }

  /** Drops entries at or below {@code index}; the caller supplies the snapshot point. */
  void compact(final SnapshotMeta point) {
    assert point.index() > snapshot.index() && point.index() <= lastIndex();
    assert term(point.index()) == point.term();
    entries.subList(0, (int) (point.index() - snapshot.index())).clear();
    snapshot = point;
  }

  /** Replaces the whole log with a snapshot point (a follower installing a snapshot). */
  void restore(final SnapshotMeta point) {
    entries.clear();
    snapshot = point;
  }
}
