package io.stele.replication.raft.sim;

import io.stele.replication.raft.Entry;
import io.stele.replication.raft.HardState;
import io.stele.replication.raft.Membership;
import io.stele.replication.raft.ReplicaId;
import io.stele.replication.raft.SnapshotMeta;
import io.stele.replication.raft.SplitMix64;
import java.util.ArrayList;
import java.util.List;

/**
 * A simulated disk for one node: a durable image plus writes issued since the last flush. A crash
 * keeps a random prefix of the unflushed writes (what the page cache happened to write back), the
 * last one possibly torn (a torn batch fails its checksum and recovery drops it), and loses the
 * rest. Hard state is written synchronously (write + flush), as the node must before sending.
 */
final class SimDisk {
  private HardState hard = new HardState(0, ReplicaId.NONE);
  private SnapshotMeta snapshot;
  private final ArrayList<Entry> log = new ArrayList<>();

  /** Unflushed writes in issue order: a SnapshotMeta (install) or a List of entries (append). */
  private final ArrayList<Object> pending = new ArrayList<>();

  SimDisk(final Membership initial) {
    this.snapshot = new SnapshotMeta(0, 0, initial);
  }

  void writeHardState(final HardState hs) {
    hard = hs;
  }

  void installSnapshot(final SnapshotMeta s) {
    pending.add(s);
  }

  void append(final List<Entry> entries) {
    pending.add(entries);
  }

  boolean hasPending() {
    return !pending.isEmpty();
  }

  /** Makes every issued write durable; returns {lastIndex, lastTerm} of the durable log. */
  long[] flush() {
    for (final Object op : pending) {
      apply(op, Integer.MAX_VALUE);
    }
    pending.clear();
    return new long[] {lastIndex(), lastTerm()};
  }

  /** Loses the page cache: a random prefix of unflushed writes survives, the last maybe torn. */
  void crash(final SplitMix64 rnd) {
    final int survive = rnd.nextInt(pending.size() + 1);
    for (int i = 0; i < survive; i++) {
      apply(pending.get(i), Integer.MAX_VALUE);
    }
    if (survive < pending.size() && pending.get(survive) instanceof List) {
      final int n = ((List<?>) pending.get(survive)).size();
      apply(pending.get(survive), rnd.nextInt(n)); // torn: the checksum drops the partial batch
    }
    pending.clear();
  }

  /** Drops durable entries up to the point, as the node does when it compacts. */
  void compact(final SnapshotMeta point) {
    if (point.index() <= snapshot.index()) {
      return;
    }
    final int drop = (int) Math.min(log.size(), point.index() - snapshot.index());
    if (drop < point.index() - snapshot.index() || log.get(drop - 1).term() != point.term()) {
      throw new IllegalStateException("compacting beyond the durable log: " + point);
    }
    log.subList(0, drop).clear();
    snapshot = point;
  }

  HardState hardState() {
    return hard;
  }

  SnapshotMeta snapshot() {
    return snapshot;
  }

  List<Entry> entries() {
    return new ArrayList<>(log);
  }

  /** Returns the term at an index of the durable log, or -1 if compacted or absent. */
  long termAt(final long index) {
    if (index == snapshot.index()) {
      return snapshot.term();
    }
    if (index < snapshot.index() || index > lastIndex()) {
      return -1;
    }
    return log.get((int) (index - snapshot.index() - 1)).term();
  }

  /** Returns the configuration a restart from the durable image would be in. */
  Membership membership() {
    for (int i = log.size() - 1; i >= 0; i--) {
      if (log.get(i).type() == io.stele.replication.raft.EntryType.CONFIG) {
        return (Membership) log.get(i).payload();
      }
    }
    return snapshot.membership();
  }

  long lastIndex() {
    return snapshot.index() + log.size();
  }

  long lastTerm() {
    return log.isEmpty() ? snapshot.term() : log.get(log.size() - 1).term();
  }

  @SuppressWarnings("unchecked")
  private void apply(final Object op, final int maxEntries) {
    if (op instanceof SnapshotMeta) {
      snapshot = (SnapshotMeta) op;
      log.clear();
      return;
    }
    final List<Entry> entries = (List<Entry>) op;
    int applied = 0;
    for (final Entry e : entries) {
      if (applied++ >= maxEntries) {
        return;
      }
      if (e.index() <= snapshot.index()) {
        continue;
      }
      final int pos = (int) (e.index() - snapshot.index() - 1);
      if (pos > log.size()) {
        throw new IllegalStateException("gap writing " + e + " after " + lastIndex());
      }
      if (pos < log.size()) {
        log.subList(pos, log.size()).clear(); // the write truncates the suffix first
      }
      log.add(e);
    }
  }
}
