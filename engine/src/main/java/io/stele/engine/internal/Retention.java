package io.stele.engine.internal;

import io.stele.engine.TopicConfig;
import io.stele.engine.log.Segment;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retention, on the writer thread (it owns start offsets and the segment table's tail). A
 * partition's start offset advances at once, at index-entry granularity and conservatively (a
 * record is removed only if its whole batch is known to be expired), so reads below it report
 * "gone". A shard segment is deleted only when no partition still needs it and it is before the
 * older of the two checkpoints: one slow partition (or one without retention) keeps every segment
 * after its start offset, which is the space cost of interleaving partitions in one log.
 */
final class Retention {
  private static final Logger LOG = LoggerFactory.getLogger(Retention.class);

  private final StorageEngine engine;

  Retention(final StorageEngine engine) {
    this.engine = engine;
  }

  /** Writer thread: advances start offsets past expired data, deletes unneeded segments. */
  int apply(final long nowMs) {
    int work = 0;
    long minNeeded = engine.log.appendPosition.get();
    for (final TopicState t : engine.state.topicsByName.values()) {
      final TopicConfig c = t.config;
      for (final PartitionState p : t.partitions) {
        final PartitionIndex idx = p.index;
        final long n = idx.count();
        final long first = idx.first();
        if (n == first) {
          continue;
        }
        long candidate = p.startOffset;
        if (c.retentionMs() >= 0) {
          final long i = idx.ceilingByTimestamp(nowMs - c.retentionMs());
          if (i - 1 >= first) {
            candidate = Math.max(candidate, idx.offsetAt(i - 1));
          }
        }
        if (c.retentionBytes() >= 0 && p.totalBytes > c.retentionBytes()) {
          final long j =
              Math.max(first, idx.floorByBytes(p.totalBytes - c.retentionBytes() - 1) + 1);
          candidate = Math.max(candidate, idx.offsetAt(Math.min(j, n - 1)));
        }
        final long newStart = Math.min(candidate, p.highWatermark);
        if (newStart > p.startOffset) {
          p.startOffset = newStart;
          work++;
        }
        final long e = idx.floorByOffset(p.startOffset);
        if (e >= 0) {
          if (p.startOffset < p.nextOffset) {
            minNeeded = Math.min(minNeeded, idx.positionAt(e));
          }
          // entries before the one the start offset needs serve only reads below the start
          idx.dropBefore(e);
        }
      }
    }
    minNeeded = Math.min(minNeeded, engine.housekeeper.oldestCheckpointPosition);
    final ShardLog log = engine.log;
    final long keepFrom = log.numberOf(minNeeded);
    if (keepFrom > log.table().firstNumber) {
      for (final Segment s : log.removeBefore(keepFrom)) {
        try {
          s.delete();
          work++;
          LOG.info("retention deleted segment {}", s);
        } catch (final IOException e) {
          LOG.warn("could not delete segment {}: {}", s, e.toString());
        }
      }
      final PartitionIndex li = engine.state.logIndexIndex;
      final long e = li.floorByPosition(log.table().firstNumber * log.segmentBytes);
      if (e >= 0) {
        li.dropBefore(e);
      }
    }
    return work;
  }
}
