package io.stele.engine.internal;

import io.stele.engine.log.Segment;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicReference;
import org.agrona.concurrent.Agent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Work kept off the append path, on its own thread: pre-creating (preallocating with real bytes)
 * the next segment before the writer needs it, writing checkpoints once the position they describe
 * is durable, recording the durable position in the {@link DurableMark}, dropping flushed bytes
 * older than the cache window from the page cache, and deleting segments that retention no longer
 * needs.
 */
final class Housekeeper implements Agent {
  private static final Logger LOG = LoggerFactory.getLogger(Housekeeper.class);

  record PendingCheckpoint(long position, ShardState.Snapshot data) {}

  private final StorageEngine engine;
  private final ShardLog log;
  private final DurableMark mark;
  private final long markIntervalMs;
  private final AtomicReference<PendingCheckpoint> checkpoint = new AtomicReference<>();

  /** The index chunk files; this thread's while it runs, the closing writer's after. */
  final IndexChunks chunks;

  private long lastMark = -1;
  private long nextMarkMs;
  private boolean createFailed;
  private long nextCreateAttemptMs;

  /** Housekeeping thread writes; the writer reads (retention keeps what recovery may need). */
  volatile long oldestCheckpointPosition;

  private volatile long latestCheckpointPosition;

  Housekeeper(final StorageEngine engine, final ShardLog log, final long recoveredFrom)
      throws IOException {
    this.engine = engine;
    this.log = log;
    this.mark = new DurableMark(log.dir);
    this.chunks = new IndexChunks(log.dir);
    this.markIntervalMs = engine.config.durableMarkIntervalMs();
    this.oldestCheckpointPosition = recoveredFrom;
    this.latestCheckpointPosition = recoveredFrom;
    this.droppedTo =
        alignDown(
            Math.max(0, log.durablePosition.get() - Math.max(0, engine.config.cacheWindowBytes())));
  }

  @Override
  public String roleName() {
    return "stele-shard-" + engine.shardId + "-housekeeper";
  }

  boolean canAcceptCheckpoint() {
    return checkpoint.get() == null;
  }

  void offerCheckpoint(final long position, final ShardState.Snapshot data) {
    checkpoint.set(new PendingCheckpoint(position, data));
  }

  /** Held while writing checkpoints or the mark, and by truncation while it rewrites both. */
  final Object ioLock = new Object();

  void dropCheckpointOffer() {
    checkpoint.set(null);
  }

  void resetCheckpointPositions(final long position) {
    oldestCheckpointPosition = Math.min(oldestCheckpointPosition, position);
    latestCheckpointPosition = Math.min(latestCheckpointPosition, position);
    chunks.checkpointsRemoved();
  }

  /**
   * Writer thread, sync parked (snapshot installed): the only checkpoint is at {@code position}.
   */
  void installedCheckpointAt(final long position) throws IOException {
    oldestCheckpointPosition = position;
    latestCheckpointPosition = position;
    chunks.reset(); // the install removed the chunk files with the old log
  }

  @Override
  public int doWork() {
    if (engine.failureReason() != null || engine.truncating) {
      return 0;
    }
    final long now = System.currentTimeMillis();
    int work = precreate(now);
    work += dropBehind();
    final PendingCheckpoint c = checkpoint.get();
    if (c != null && log.durablePosition.get() >= c.position()) {
      try {
        synchronized (ioLock) {
          if (engine.truncating || checkpoint.get() != c) {
            return work;
          }
          Checkpoints.write(log.dir, c.data(), chunks);
          // under the lock: a truncation or install that follows resets them for its own log
          oldestCheckpointPosition = latestCheckpointPosition;
          latestCheckpointPosition = c.position();
        }
      } catch (final IOException e) {
        LOG.warn("checkpoint at {} not written: {}", c.position(), e.toString());
      }
      checkpoint.set(null);
      work++;
    }
    if (now >= nextMarkMs) {
      nextMarkMs = now + markIntervalMs;
      try {
        synchronized (ioLock) {
          // read under the lock: a truncation or install may have moved it since
          final long durable = log.durablePosition.get();
          if (!engine.truncating && durable != lastMark) {
            mark.write(durable);
            lastMark = durable;
            work++;
          }
        }
      } catch (final IOException e) {
        engine.fail("writing the durable mark failed (fsync): " + e);
      }
    }
    return work;
  }

  /** Flushed bytes dropped from the page cache per call, at least (the advice has a fixed cost). */
  static final long DROP_STEP_BYTES = 8L << 20;

  /**
   * Dropped ranges start and end at multiples of this within their segment (or at the segment's
   * end). The page cache holds a file in folios of up to 2 MiB (ext4 and XFS make large ones from
   * large writes), and the kernel drops only a folio wholly inside the range: a range ending inside
   * one would leave it, and the next range, starting inside it, would leave it too.
   */
  static final long DROP_ALIGN_BYTES = 2L << 20;

  /**
   * Log positions before this have been dropped from the page cache, or were flushed before the
   * engine opened (their pages are the kernel's to keep or reclaim). Housekeeping thread writes;
   * tests read.
   */
  volatile long droppedTo;

  /** The most one call drops (the advice costs ~45 ms per GiB of cached pages here). */
  static final long DROP_MAX_BYTES_PER_CALL = 64L << 20;

  private boolean dropDisabled;
  private boolean dropWarned;
  private int dropRetries;

  /**
   * The cache window ({@link io.stele.engine.EngineConfig#cacheWindowBytes}): once the durable
   * position is {@link #DROP_STEP_BYTES} past {@code droppedTo + window}, drops the pages of {@code
   * [droppedTo, durable - window)} from the page cache. Those bytes are flushed, so their pages are
   * clean and the kernel frees them; the next segment's zeros (or reserved blocks read ahead) then
   * reuse memory just freed instead of growing the cache. On this VM a growing page cache writes at
   * ~0.35 GB/s and a recycled one at ~0.9–1 GB/s (perf/peers/dropbehind.c; docs/benchmarks.md,
   * "Cache window"). Each range is dropped under {@link #ioLock} and only while no truncation or
   * install is under way, so it names the current segment and lies before the current durable
   * position.
   */
  private int dropBehind() {
    final long window = engine.config.cacheWindowBytes();
    if (window < 0 || dropDisabled) {
      return 0;
    }
    final long durable = log.durablePosition.get();
    if (droppedTo > durable) {
      droppedTo = alignDown(Math.max(0, durable - window)); // a truncation moved the log back
      return 0;
    }
    if (durable - window - droppedTo < DROP_STEP_BYTES) {
      return 0;
    }
    // Bounded work per call (after a snapshot install the whole copy lies behind the window), so
    // pre-creation, checkpoints and the mark never wait long behind it.
    final long limit = droppedTo + DROP_MAX_BYTES_PER_CALL;
    long at = droppedTo;
    while (true) {
      final long next;
      // Under the I/O lock, which a truncation or snapshot install holds while it moves the
      // positions and replaces segments: the range and its segment are the current ones.
      synchronized (ioLock) {
        if (engine.truncating) {
          break;
        }
        final long until = Math.min(limit, log.durablePosition.get() - window);
        at = Math.max(at, log.baseOf(log.table().firstNumber));
        final long segmentEnd = log.baseOf(log.numberOf(at) + 1);
        final long end = segmentEnd <= until ? segmentEnd : alignDown(until);
        if (end <= at) {
          break;
        }
        next = dropRange(at, end) ? end : at;
      }
      if (next == at) {
        break;
      }
      at = next;
    }
    if (at <= droppedTo) {
      return 0;
    }
    droppedTo = at;
    return 1;
  }

  /** Drops {@code [at, end)} (within one segment): false to try again on a later call. */
  private boolean dropRange(final long at, final long end) {
    final Segment s = log.segmentFor(at);
    if (s == null) {
      return true; // deleted by retention: nothing left to drop
    }
    final int r = s.dropCached((int) (at - s.basePosition()), (int) (end - s.basePosition()));
    if (r == Segment.DROPPED) {
      dropRetries = 0;
      return true;
    }
    if (r == Segment.DROP_UNAVAILABLE) {
      dropDisabled = true;
      LOG.warn(
          "cache window off: cannot drop pages from the page cache ({})",
          Segment.dropUnavailable());
      return false;
    }
    if (r == Segment.DROP_MOVED && ++dropRetries <= 3) {
      return false; // sealed (renamed) meanwhile: again on the next call, under its new name
    }
    dropRetries = 0;
    if (!dropWarned) {
      dropWarned = true; // the pages stay cached; the kernel reclaims them when it must
      LOG.warn("cannot drop cached pages of {}: errno {}; skipping them", s, r);
    }
    return true;
  }

  /** {@code position} rounded down to a multiple of {@link #DROP_ALIGN_BYTES} in its segment. */
  private long alignDown(final long position) {
    final long base = log.baseOf(log.numberOf(position));
    return base + (position - base) / DROP_ALIGN_BYTES * DROP_ALIGN_BYTES;
  }

  void writeMark(final long durable) throws IOException {
    synchronized (ioLock) {
      if (engine.truncating && !engine.isTruncationThread()) {
        return;
      }
      mark.write(durable);
      lastMark = durable;
    }
  }

  /** Zeros written per duty cycle while pre-creating a segment. */
  static final int CREATE_STEP_BYTES = 4 << 20;

  /** The next segment being written, a step per duty cycle; guarded by {@code log}'s monitor. */
  private Segment.Creation creating;

  /**
   * Base position of the segment the writer is creating itself, outside {@code log}'s monitor, or
   * -1; guarded by that monitor. Meanwhile this thread pre-creates the one after it.
   */
  private long handedOver = -1;

  /** Pre-creation steps this thread may still take; tests hold pre-creation back with it. */
  volatile int precreationStepsLeft = Integer.MAX_VALUE;

  /**
   * Pre-creates the segment after the active one, {@link #CREATE_STEP_BYTES} per call: writing and
   * forcing a whole segment at once held this thread for up to a second under load, and the
   * checkpoints waiting behind it let the recovery tail grow far past the checkpoint interval.
   * While the writer finishes that segment itself (this thread was behind), it pre-creates the one
   * after it, so both threads write zeros and the writer does not find itself behind again.
   */
  private int precreate(final long now) {
    if (createFailed && now < nextCreateAttemptMs) {
      return 0;
    }
    synchronized (log) {
      final long end = log.active().endPosition();
      final long want = end == handedOver ? end + log.segmentBytes : end;
      final Segment pre = log.precreated.get();
      if ((pre != null && pre.basePosition() == want) || log.segmentFor(want) != null) {
        abortCreation();
        return 0;
      }
      try {
        if (creating != null && creating.basePosition() != want) {
          abortCreation();
        }
        if (creating == null) {
          creating = Segment.begin(log.dir, want, log.segmentBytes, log.segmentInit);
        }
        final int left = precreationStepsLeft;
        if (left <= 0) {
          return 0;
        }
        if (left != Integer.MAX_VALUE) {
          precreationStepsLeft = left - 1;
        }
        if (!creating.step(CREATE_STEP_BYTES)) {
          return 1;
        }
        if (want != end) {
          // Written, but named only once the writer has renamed the segment before it: an open
          // segment after a missing one would read as a lost segment at recovery.
          return 0;
        }
        final Segment created = creating.finish();
        creating = null;
        if (engine.truncating) {
          created.delete(); // a truncation or install is rewriting the segment table
          return 0;
        }
        log.precreated.set(created);
        createFailed = false;
        if (pre != null) {
          pre.delete();
        }
        return 1;
      } catch (final IOException e) {
        abortCreation();
        if (!createFailed) {
          LOG.warn("cannot pre-create segment at {}: {}", want, e.toString());
        }
        createFailed = true;
        nextCreateAttemptMs = now + 1000;
        return 0;
      }
    }
  }

  /**
   * Hands the segment being pre-created at {@code basePosition} to the caller (under {@code log}'s
   * monitor): the writer needs it before this thread is done and finishes it itself, keeping the
   * zeros already written instead of writing the whole file again.
   *
   * @return the creation, or null if none is under way at that position (any other is dropped)
   */
  Segment.Creation takeCreation(final long basePosition) {
    handedOver = basePosition;
    final Segment.Creation c = creating;
    if (c != null && c.basePosition() == basePosition) {
      creating = null;
      return c;
    }
    abortCreation();
    return null;
  }

  /** The writer has installed (or failed to create) the segment it took over. */
  void handedOverDone() {
    handedOver = -1;
  }

  /** Drops a segment half pre-created (under {@code log}'s monitor): one no longer wanted. */
  void abortCreation() {
    if (creating != null) {
      creating.abort();
      creating = null;
    }
  }

  void closeMark() {
    synchronized (log) {
      abortCreation();
    }
    try {
      chunks.close();
    } catch (final IOException ignored) {
      // closing
    }
    try {
      mark.close();
    } catch (final IOException ignored) {
      // closing
    }
  }
}
