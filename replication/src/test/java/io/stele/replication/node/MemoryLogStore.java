package io.stele.replication.node;

import io.stele.replication.raft.Entry;
import java.util.ArrayList;
import java.util.List;

/** A log store for tests: entries in memory, durable as soon as appended. */
final class MemoryLogStore implements RaftLogStore {
  private final List<Entry> log = new ArrayList<>();
  private long reportedIndex;

  @Override
  public synchronized void append(final List<Entry> entries) {
    final long first = entries.get(0).index();
    while (!log.isEmpty() && log.get(log.size() - 1).index() >= first) {
      log.remove(log.size() - 1);
    }
    if (reportedIndex >= first) {
      reportedIndex = first - 1;
    }
    if (log.isEmpty() ? first != 1 : log.get(log.size() - 1).index() + 1 != first) {
      throw new IllegalStateException("gap before " + first);
    }
    log.addAll(entries);
  }

  @Override
  public synchronized boolean pollPersisted(final PersistedSink sink) {
    if (log.isEmpty() || log.get(log.size() - 1).index() == reportedIndex) {
      return false;
    }
    final Entry last = log.get(log.size() - 1);
    reportedIndex = last.index();
    sink.onPersisted(last.index(), last.term());
    return true;
  }

  synchronized long indexOf(final byte[] payload) {
    for (final Entry e : log) {
      if (e.payload() instanceof byte[] b && java.util.Arrays.equals(b, payload)) {
        return e.index();
      }
    }
    return 0;
  }

  synchronized Entry entryAt(final long index) {
    for (final Entry e : log) {
      if (e.index() == index) {
        return e;
      }
    }
    return null;
  }
}
