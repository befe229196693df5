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
  private static final Durability[] DURABILITIES = Durability.values();

  private final StorageEngine engine;
  private final ShardLog log;
  private final PendingQueue pending;
  private final boolean quorumIsLocal;
  private final ArrayList<PartitionState> dirty = new ArrayList<>();
  private long cycle;

  /** Sync thread writes; metrics read. */
  volatile long flushes;

  volatile long flushedRecords;

  ShardSync(final StorageEngine engine, final ShardLog log) {
    this.engine = engine;
    this.log = log;
    this.pending = engine.pending;
    this.quorumIsLocal = engine.config.quorumIsLocal();
  }

  @Override
  public String roleName() {
    return "stele-shard-0-sync";
  }

  @Override
  public int doWork() {
    if (engine.failureReason() != null) {
      return failAll();
    }
    if (engine.truncating
        && log.durablePosition.get() == log.appendPosition.get()
        && pending.consumed.get() == pending.published.get()) {
      // Everything in flight is complete: hand the positions to the writer until it is done.
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
        && (pending.consumed.get() < pending.published.get()
            || log.durablePosition.get() < log.appendPosition.get())) {
      if (doWork() == 0) {
        Thread.yield();
      }
    }
  }

  private int complete(final long durable) {
    final long head = pending.published.getAcquire();
    long tail = pending.consumed.get();
    int n = 0;
    long records = 0;
    while (tail < head) {
      final int i = (int) (tail & pending.mask);
      if (pending.endPositions[i] > durable) {
        break;
      }
      if (pending.kinds[i] == PendingQueue.KIND_APPEND) {
        final PartitionState p = pending.partitions[i];
        final byte status = pending.statuses[i];
        if (status == OK) {
          records += pending.counts[i];
          p.highWatermark = pending.endOffsets[i];
          if (p.notifiedCycle != cycle) {
            p.notifiedCycle = cycle;
            dirty.add(p);
          }
          if (pending.requested[i] != MEMORY) {
            final Durability requested = DURABILITIES[pending.requested[i]];
            final Durability achieved =
                requested == Durability.QUORUM && !quorumIsLocal ? Durability.LOCAL : requested;
            notifyAppend(i, AppendStatus.OK, p.partition, pending.baseOffsets[i], achieved);
          }
        } else {
          notifyAppend(
              i,
              ShardWriter.status(status),
              p == null ? -1 : p.partition,
              pending.baseOffsets[i],
              DURABILITIES[pending.requested[i]]);
        }
      } else {
        completeControl((ControlCommand) pending.listeners[i], null);
      }
      pending.clear(i);
      tail++;
      n++;
    }
    if (n > 0) {
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
    return n;
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
      if (pending.kinds[i] == PendingQueue.KIND_APPEND) {
        final boolean alreadyAcked = pending.statuses[i] == OK && pending.requested[i] == MEMORY;
        if (!alreadyAcked) {
          final PartitionState p = pending.partitions[i];
          notifyAppend(
              i,
              AppendStatus.STORAGE_FAILED,
              p == null ? -1 : p.partition,
              -1,
              DURABILITIES[pending.requested[i]]);
        }
      } else {
        completeControl((ControlCommand) pending.listeners[i], TopicStatus.STORAGE_FAILED);
      }
      pending.clear(i);
      tail++;
      n++;
    }
    if (n > 0) {
      pending.consumed.setRelease(tail);
    }
    return n;
  }
}
