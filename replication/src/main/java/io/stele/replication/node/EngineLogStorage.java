package io.stele.replication.node;

import io.stele.engine.ReplicatedLog;
import io.stele.replication.raft.Entry;
import io.stele.replication.raft.LogStorage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The core's entries below its in-memory window, read back from the shard log by log index: a
 * lagging follower is brought up to date from disk whatever the core has compacted, as long as
 * retention has not deleted the segments and it is not so far behind that copying the files is the
 * better way (a wiped follower, or one missing more than half of the log): for those the core sees
 * the entries as compacted and sends a snapshot.
 */
final class EngineLogStorage implements LogStorage {
  private final ReplicatedLog log;

  /**
   * A follower missing more than this many bytes of log, and more than half of what the leader
   * still has, gets a copy of the files instead of entries ({@link SnapshotTransfer}).
   */
  private final long bulkMinBytes = Long.getLong("stele.raft.bulk-catch-up-bytes", 4L << 20);

  EngineLogStorage(final ReplicatedLog log) {
    this.log = log;
  }

  /** Whether a follower that needs the log from {@code position} on is better sent the files. */
  private boolean farBehind(final long position) {
    final long end = log.appendedPosition();
    final long missing = end - position;
    return missing > bulkMinBytes && missing > (end - log.startPosition()) / 2;
  }

  @Override
  public long term(final long index) {
    final List<Entry> one = entries(index, index, 1, Long.MAX_VALUE);
    return one.isEmpty() ? -1 : one.get(0).term();
  }

  @Override
  public List<Entry> entries(
      final long lo, final long hi, final int maxEntries, final long maxBytes) {
    try {
      final long start = log.positionOf(lo);
      if (start < 0 || hi < lo || farBehind(start)) {
        return List.of();
      }
      final int want = (int) Math.min(maxEntries, hi - lo + 1);
      final List<Entry> out = new ArrayList<>(Math.min(want, 1024));
      final IOException[] failure = new IOException[1];
      final long[] bytes = {0};
      long pos = start;
      while (out.size() < want && failure[0] == null) {
        final long before = pos;
        pos =
            log.scan(
                pos,
                want - out.size(),
                (index, term, type, position, length) -> {
                  if (out.size() >= want
                      || index != lo + out.size()
                      || (!out.isEmpty() && bytes[0] + length > maxBytes)) {
                    return;
                  }
                  try {
                    out.add(RaftNode.entryOf(log, index, term, type, position, length));
                    bytes[0] += length;
                  } catch (final IOException e) {
                    failure[0] = e;
                  }
                });
        if (pos == before || bytes[0] >= maxBytes) {
          break;
        }
      }
      if (failure[0] != null) {
        throw failure[0];
      }
      return out;
    } catch (final IOException e) {
      throw new UncheckedIOException("reading the shard log back for a follower", e);
    }
  }
}
