package io.stele.engine.internal;

import io.stele.engine.AppendListener;
import io.stele.engine.AppendStatus;
import io.stele.engine.Durability;
import io.stele.engine.PartitionObserver;
import io.stele.engine.TopicStatus;
import io.stele.engine.log.Segment;
import java.util.ArrayList;
import org.agrona.concurrent.Agent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shard's sync step, on its own thread so the writer keeps appending while a flush runs (group
 * commit). Each cycle forces the active segment once, covering everything written since the last
 * force ({@code [durable, append)}), publishes {@link ShardLog#durablePosition}, then completes
 * every pending operation whose batch is now durable, advances the partitions' high watermarks and
 * tells observers once per partition per cycle. Batching comes from load: a flush starts as soon as
 * there is anything to flush, and whatever arrives while it runs goes into the next one.
 *
 * <p>A failed force is fatal (fsyncgate): the engine is marked failed, every pending operation
 * fails, and nothing is acknowledged again; a failed fsync is never retried and then trusted.
 */
final class ShardSync implements Agent {
  private static final Logger LOG = LoggerFactory.getLogger(ShardSync.class);
  private static final byte OK = (byte) AppendStatus.OK.ordinal();
  private static final byte MEMORY = (byte) Durability.MEMORY.ordinal();
  private static final byte LOCAL = (byte) Durability.LOCAL.ordinal();
  private static final byte QUORUM = (byte) Durability.QUORUM.ordinal();
  private static final byte NOT_LEADER = (byte) AppendStatus.NOT_LEADER.ordinal();
  private static final Durability[] DURABILITIES = Durability.values();

  private final StorageEngine engine;
  private final ShardLog log;
  private final PendingQueue pending;
  private final boolean replicated;

  /** Sync thread only: the first pending entry whose batch is not yet known durable. */
  private long durableTail;

  private final ArrayList<PartitionState> dirty = new ArrayList<>();
  private long cycle;

  /** Sync thread writes; metrics read. */
  volatile long flushes;

  volatile long flushedRecords;

  ShardSync(final StorageEngine engine, final ShardLog log) {
    this.engine = engine;
    this.log = log;
    this.pending = engine.pending;
    this.replicated = !engine.config.quorumIsLocal();
    this.durableTail = pending.consumed.get();
  }

  @Override
  public String roleName() {
    return "stele-shard-" + engine.shardId + "-sync";
  }

  @Override
  public int doWork() {
    if (engine.failureReason() != null) {
      return failAll();
    }
    if (engine.truncating
        && (engine.syncPausedFor == engine.truncationRequest
            || (log.durablePosition.get() == log.appendPosition.get()
                && durableTail == pending.published.get()))) {
      // Once parked for a request it stays parked until the writer is done (the writer moves the
      // positions and replaces segments meanwhile). Everything in flight is durable (on a single
      // node also complete; in a cluster the rest
      // waits for the commit index, and the writer fails what the truncation removes): hand the
      // positions and the pending entries to the writer until it is done.
      engine.syncPausedFor = engine.truncationRequest;
      return 0;
    }
    int work = 0;
    final long append = log.appendPosition.getAcquire();
    if (append > log.durablePosition.get()) {
      // Read the active segment after the append position: if the writer rolled in between, it
      // forced the old segment itself before switching, so forcing the new one covers the rest.
      final Segment active = log.active();
      try {
        active.force();
      } catch (final Throwable e) { // IOException, UncheckedIOException, Error: all fatal here
        engine.fail("fsync of " + active + " failed: " + e);
        return failAll() + 1;
      }
      flushes++;
      log.durablePosition.setRelease(append);
      cycle++;
      work++;
    }
    return work + complete(log.durablePosition.get());
  }

  @Override
  public void onClose() {
    // The writer has stopped: flush and complete the rest.
    final long deadlineNs = System.nanoTime() + 10_000_000_000L;
    while (System.nanoTime() - deadlineNs < 0
        && (durableTail < pending.published.get()
            || (!replicated && pending.consumed.get() < pending.published.get())
            || log.durablePosition.get() < log.appendPosition.get())) {
      if (doWork() == 0) {
        Thread.yield();
      }
    }
  }

  private int complete(final long durable) {
    final long head = pending.published.getAcquire();
    // Phase 1: everything whose batch is durable. In a cluster, LOCAL appends are acknowledged
    // and follower appends completed here; the rest waits for the commit index.
    long t = durableTail;
    int n = 0;
    long index = -1;
    long term = 0;
    while (t < head) {
      final int i = (int) (t & pending.mask);
      if (pending.endPositions[i] > durable) {
        break;
      }
      if (replicated) {
        if (pending.kinds[i] == PendingQueue.KIND_APPEND) {
          if (pending.statuses[i] == OK && pending.requested[i] == LOCAL) {
            notifyAppend(
                i,
                AppendStatus.OK,
                pending.partitions[i].partition,
                pending.baseOffsets[i],
                Durability.LOCAL);
          } else if (pending.statuses[i] == NOT_LEADER) {
            // refused by the write gate: depends on nothing in the log, so it need not wait for
            // the commit index (a deposed leader may never learn it)
            final PartitionState p = pending.partitions[i];
            notifyAppend(
                i,
                AppendStatus.NOT_LEADER,
                p == null ? -1 : p.partition,
                -1,
                DURABILITIES[pending.requested[i]]);
            pending.kinds[i] = PendingQueue.KIND_DONE;
          }
        } else if (pending.kinds[i] == PendingQueue.KIND_CONTROL) {
          final ControlCommand c = (ControlCommand) pending.listeners[i];
          if (c.op == ControlCommand.Op.APPEND_ENCODED || c.status == TopicStatus.NOT_LEADER) {
            completeControl(c, null);
            pending.kinds[i] = PendingQueue.KIND_DONE;
          }
        }
      }
      index = pending.logIndexes[i];
      term = pending.terms[i];
      t++;
      n++;
    }
    if (n > 0) {
      durableTail = t;
      engine.publishDurableIndex(index, term);
      engine.replicationWakeup.run();
    }
    // Phase 2: everything durable whose log index is committed (on a single node: all of it).
    final long commit = replicated ? engine.commitIndex : Long.MAX_VALUE;
    long tail = pending.consumed.get();
    long records = 0;
    int m = 0;
    while (tail < t) {
      final int i = (int) (tail & pending.mask);
      if (pending.logIndexes[i] > commit) {
        break;
      }
      if (pending.kinds[i] == PendingQueue.KIND_APPEND) {
        final PartitionState p = pending.partitions[i];
        final byte status = pending.statuses[i];
        if (status == OK) {
          records += pending.counts[i];
          if (p.highWatermark < pending.endOffsets[i]) {
            p.highWatermark = pending.endOffsets[i];
          }
          if (p.notifiedCycle != cycle) {
            p.notifiedCycle = cycle;
            dirty.add(p);
          }
          final byte requested = pending.requested[i];
          if (requested == QUORUM || (requested == LOCAL && !replicated)) {
            notifyAppend(
                i, AppendStatus.OK, p.partition, pending.baseOffsets[i], DURABILITIES[requested]);
          }
        } else {
          notifyAppend(
              i,
              ShardWriter.status(status),
              p == null ? -1 : p.partition,
              pending.baseOffsets[i],
              DURABILITIES[pending.requested[i]]);
        }
      } else if (pending.kinds[i] == PendingQueue.KIND_CONTROL) {
        completeControl((ControlCommand) pending.listeners[i], null);
      }
      pending.clear(i);
      tail++;
      m++;
    }
    if (m > 0) {
      pending.consumed.setRelease(tail);
      flushedRecords += records;
    }
    if (!dirty.isEmpty()) {
      final PartitionObserver[] observers = engine.observers;
      for (int d = 0, size = dirty.size(); d < size; d++) {
        final PartitionState p = dirty.get(d);
        for (final PartitionObserver o : observers) {
          try {
            o.onEndOffset(p.topic.name, p.partition, p.highWatermark);
          } catch (final RuntimeException e) {
            LOG.warn("partition observer threw", e);
          }
        }
      }
      dirty.clear();
    }
    return n + m;
  }

  private void notifyAppend(
      final int i,
      final AppendStatus status,
      final int partition,
      final long baseOffset,
      final Durability achieved) {
    if (pending.listeners[i] == null) {
      return; // a follower batch: no caller waits for it
    }
    try {
      ((AppendListener) pending.listeners[i])
          .onComplete(
              pending.correlationIds[i],
              status,
              partition,
              baseOffset,
              status == AppendStatus.OK ? pending.counts[i] : 0,
              achieved);
    } catch (final RuntimeException e) {
      LOG.warn("append listener threw", e);
    }
  }

  private void completeControl(final ControlCommand c, final TopicStatus override) {
    final TopicStatus status = override != null ? override : c.status;
    if (c.future != null) {
      if (status == TopicStatus.OK) {
        c.future.complete(c.resultIndex);
      } else {
        c.future.completeExceptionally(
            new java.io.IOException("storage failed: " + engine.failureReason()));
      }
      return;
    }
    try {
      if (c.listener != null) {
        c.listener.onComplete(
            status,
            c.result == null || c.result.deleted || status == TopicStatus.STORAGE_FAILED
                ? null
                : c.result.describe());
      }
    } catch (final RuntimeException e) {
      LOG.warn("topic listener threw", e);
    }
  }

  /** After a storage failure: every pending operation fails; nothing is acknowledged again. */
  private int failAll() {
    final long head = pending.published.getAcquire();
    long tail = pending.consumed.get();
    int n = 0;
    while (tail < head) {
      final int i = (int) (tail & pending.mask);
      final boolean throughPhaseOne = replicated && tail < durableTail;
      if (pending.kinds[i] == PendingQueue.KIND_APPEND) {
        final boolean alreadyAcked =
            pending.statuses[i] == OK
                && (pending.requested[i] == MEMORY
                    || (throughPhaseOne && pending.requested[i] == LOCAL));
        if (!alreadyAcked) {
          final PartitionState p = pending.partitions[i];
          notifyAppend(
              i,
              AppendStatus.STORAGE_FAILED,
              p == null ? -1 : p.partition,
              -1,
              DURABILITIES[pending.requested[i]]);
        }
      } else if (pending.kinds[i] == PendingQueue.KIND_CONTROL) {
        completeControl((ControlCommand) pending.listeners[i], TopicStatus.STORAGE_FAILED);
      }
      pending.clear(i);
      tail++;
      n++;
    }
    if (n > 0) {
      pending.consumed.setRelease(tail);
    }
    durableTail = Math.max(durableTail, tail);
    return n;
  }
}
