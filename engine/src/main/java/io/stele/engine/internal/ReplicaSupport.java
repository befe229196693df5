package io.stele.engine.internal;

import io.stele.engine.TopicStatus;
import io.stele.engine.format.BatchDescriptor;
import io.stele.engine.log.Segment;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.zip.CRC32C;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follower-side log operations, run on the writer thread: appending batches encoded by the leader
 * (checked, then written byte for byte) and truncating the log after a log index.
 *
 * <p>Truncation is the one place where the writer also moves {@link ShardLog#durablePosition}: it
 * first sets {@link StorageEngine#truncating}, waits until the sync thread has completed everything
 * in flight and parked itself ({@link StorageEngine#syncPausedFor}), and holds the housekeeper's
 * I/O lock while it rewrites checkpoints and the durable mark, so each position still has one
 * writer at any moment.
 */
final class ReplicaSupport {
  private static final Logger LOG = LoggerFactory.getLogger(ReplicaSupport.class);

  private final StorageEngine engine;
  private final CRC32C crc = new CRC32C();

  ReplicaSupport(final StorageEngine engine) {
    this.engine = engine;
  }

  /** Writer thread. */
  void onWriterCommand(final ControlCommand c, final ShardWriter writer) {
    if (engine.failureReason() != null) {
      c.future.completeExceptionally(new IOException("storage failed: " + engine.failureReason()));
      return;
    }
    if (c.op == ControlCommand.Op.APPEND_ENCODED) {
      appendEncoded(c, writer);
    } else if (c.op == ControlCommand.Op.INSTALL) {
      try {
        install(c.stage, writer);
        c.future.complete(c.stage.logIndex());
      } catch (final IOException | RuntimeException e) {
        engine.fail("installing a snapshot failed: " + e);
        c.future.completeExceptionally(e);
      } finally {
        engine.truncating = false;
      }
    } else {
      try {
        truncate(c.value, writer);
        c.future.complete(null);
      } catch (final IOException | RuntimeException e) {
        engine.fail("truncation failed: " + e);
        c.future.completeExceptionally(e);
      } finally {
        engine.truncating = false;
      }
    }
  }

  private void appendEncoded(final ControlCommand c, final ShardWriter writer) {
    final byte[] bytes = c.payload;
    final UnsafeBuffer src = new UnsafeBuffer(bytes);
    final ByteBuffer view = ByteBuffer.wrap(bytes);
    final ShardState state = engine.state;
    int o = 0;
    while (o < bytes.length) {
      final int r = BatchDescriptor.validate(src, view, o, bytes.length - o, crc);
      if (r <= 0) {
        c.future.completeExceptionally(
            new IllegalArgumentException("invalid batch at byte " + o + " of the request"));
        return;
      }
      final long li = BatchDescriptor.logIndex(src, o);
      if (li != state.nextLogIndex) {
        c.future.completeExceptionally(
            new IllegalArgumentException(
                "batch at byte "
                    + o
                    + " has log index "
                    + li
                    + ", expected "
                    + state.nextLogIndex));
        return;
      }
      final int aligned = BatchDescriptor.alignedLength(r);
      final int wo = writer.claimForReplica(aligned);
      if (wo < 0) {
        c.future.completeExceptionally(new IOException("no segment available (disk full?)"));
        return;
      }
      final UnsafeBuffer wb = writer.writeBuffer();
      wb.putBytes(wo, src, o, r);
      wb.setMemory(wo + r, aligned - r, (byte) 0);
      try {
        state.apply(wb, wo, writer.writePosition(), null, null);
      } catch (final IllegalStateException e) {
        c.future.completeExceptionally(new IllegalArgumentException(e.getMessage()));
        return;
      }
      writer.advance(wo + aligned);
      if (BatchDescriptor.type(wb, wo) == BatchDescriptor.TYPE_DATA) {
        stageVisibility(wb, wo, writer.writePosition(), state);
      }
      engine.lastLogIndex = li;
      engine.lastTerm = state.lastTerm;
      c.resultIndex = li;
      o += aligned;
    }
    writer.stageControl(c, TopicStatus.OK);
  }

  /** A listener-less pending entry, so the sync thread advances the high watermark. */
  private void stageVisibility(
      final UnsafeBuffer wb, final int o, final long endPosition, final ShardState state) {
    final TopicState t = state.topicsById.get(BatchDescriptor.topicId(wb, o));
    if (t == null) {
      return;
    }
    final PartitionState p = t.partitions[BatchDescriptor.partition(wb, o)];
    final PendingQueue pending = engine.pending;
    final long deadline = System.nanoTime() + 30_000_000_000L;
    while (pending.free() < 2 && System.nanoTime() - deadline < 0) {
      Thread.onSpinWait(); // the sync thread frees slots as flushes complete
    }
    pending.stage(
        PendingQueue.KIND_APPEND,
        0,
        null,
        p,
        BatchDescriptor.baseOffset(wb, o),
        BatchDescriptor.recordCount(wb, o),
        endPosition,
        p.nextOffset,
        (byte) io.stele.engine.Durability.LOCAL.ordinal(),
        (byte) io.stele.engine.AppendStatus.OK.ordinal(),
        BatchDescriptor.logIndex(wb, o),
        BatchDescriptor.term(wb, o));
  }

  private void truncate(final long logIndex, final ShardWriter writer) throws IOException {
    final ShardState state = engine.state;
    final ShardLog log = engine.log;
    if (logIndex >= state.nextLogIndex - 1) {
      return;
    }
    parkSync();
    final long target = Math.max(1, logIndex + 1);
    final long cut = engine.positionOf(target);
    if (cut < 0) {
      throw new IOException("log index " + target + " not found (log starts after it?)");
    }
    synchronized (engine.housekeeper.ioLock) {
      engine.housekeeper.dropCheckpointOffer();
      // Never leave a mark or checkpoint beyond the new end.
      engine.housekeeper.writeMark(Math.min(cut, log.durablePosition.get()));
      final StringBuilder problems = new StringBuilder();
      for (final String name : new String[] {Checkpoints.CURRENT, Checkpoints.PREVIOUS}) {
        final var one = readOne(log, name, problems);
        if (one == null || one.position() > cut) {
          Files.deleteIfExists(log.dir.resolve(name));
        }
      }
      Segment.syncDirectory(log.dir);
      engine.housekeeper.resetCheckpointPositions(cut);

      // Zero the removed bytes; drop whole segments after the one holding the cut.
      final Segment keep =
          log.segmentFor(cut == log.baseOf(log.numberOf(cut)) && cut > 0 ? cut : cut);
      final long append = log.appendPosition.get();
      for (final Segment s : log.removeFrom(log.numberOf(cut) + 1)) {
        s.delete();
      }
      final Segment pre;
      synchronized (log) {
        pre = log.precreated.getAndSet(null);
      }
      if (pre != null) {
        pre.delete();
      }
      keep.unseal();
      final int from = (int) (cut - keep.basePosition());
      final int to =
          (int) Math.min(keep.lengthBytes(), Math.max(from, append - keep.basePosition()));
      keep.zero(
          from, Math.max(to, Recovery.lastNonZero(keep.readBuffer(), from, keep.lengthBytes())));
      keep.force();
      Segment.syncDirectory(log.dir);
      log.setActive(keep);
      log.appendPosition.set(cut);
      log.durablePosition.set(cut);

      // Rebuild the state as of the cut: from the newest checkpoint at or before it (or the log
      // start), replaying batches up to the cut.
      final ShardState rebuilt = rebuild(log, cut, state.indexIntervalBytes);
      state.replaceWith(rebuilt);
    }
    failRemoved(logIndex);
    writer.resetPosition(cut);
    engine.lastLogIndex = state.nextLogIndex - 1;
    engine.lastTerm = state.lastTerm;
    engine.publishDurableIndex(state.nextLogIndex - 1, state.lastTerm);
    LOG.info("log truncated after index {} (position {})", logIndex, cut);
  }

  /**
   * Asks the sync thread to complete everything through its durable phase and park until {@link
   * StorageEngine#truncating} clears; the caller clears it when done.
   */
  private void parkSync() throws IOException {
    final long request = engine.truncationRequest + 1;
    engine.truncationRequest = request;
    engine.truncating = true;
    final long deadline = System.nanoTime() + 30_000_000_000L;
    while (engine.syncPausedFor != request) {
      if (System.nanoTime() - deadline > 0 || engine.failureReason() != null) {
        throw new IOException("sync thread did not settle before rewriting the log");
      }
      Thread.onSpinWait();
    }
  }

  /**
   * Replaces the whole log with a staged copy of the leader's (a snapshot): every segment, the
   * checkpoints and the state. Pending operations are settled as by a truncation to nothing (this
   * node follows, so they are the follower's own bookkeeping).
   */
  private void install(final SnapshotStage stage, final ShardWriter writer) throws IOException {
    final ShardState state = engine.state;
    final ShardLog log = engine.log;
    parkSync();
    final long end = stage.endPosition();
    synchronized (engine.housekeeper.ioLock) {
      engine.housekeeper.dropCheckpointOffer();
      // the mark must never exceed what the files hold, whatever point a crash stops this at
      engine.housekeeper.writeMark(0);
      for (final Segment s : log.removeFrom(log.table().firstNumber)) {
        s.close(); // readers still holding a pin keep the old mapping until they let go
      }
      final Segment pre;
      synchronized (log) { // waits for a segment step being pre-created, which then sees truncating
        pre = log.precreated.getAndSet(null);
        engine.housekeeper.abortCreation(); // its file would not survive the roll-forward
      }
      if (pre != null) {
        pre.close();
      }
      final SnapshotStage.Ready ready = SnapshotStage.rollForward(log.dir);
      if (ready == null || ready.endPosition() != end) {
        throw new IOException("the staged snapshot is gone or is not the one installed");
      }
      // the same checks as at start-up: one file per segment, contiguous, all of this size
      final java.util.List<Segment> segments =
          Recovery.openSegments(log.dir, Recovery.segmentFiles(log.dir), log.segmentBytes);
      if (end % log.segmentBytes == 0) {
        segments.add(log.createSegment(end)); // the last copied segment is full
      }
      log.replaceAll(segments.toArray(new Segment[0]));
      final Segment active = log.segmentFor(end);
      active.unseal();
      log.setActive(active);
      log.appendPosition.set(end);
      log.durablePosition.set(end);
      engine.housekeeper.writeMark(end);
      final ShardState rebuilt = rebuild(log, end, state.indexIntervalBytes);
      if (rebuilt.nextLogIndex - 1 != stage.logIndex()) {
        throw new IOException(
            "the installed log ends at index "
                + (rebuilt.nextLogIndex - 1)
                + ", expected "
                + stage.logIndex());
      }
      state.replaceWith(rebuilt);
      final ShardState.Restored ck =
          Checkpoints.readLatest(log.dir, state.indexIntervalBytes, new StringBuilder());
      engine.housekeeper.installedCheckpointAt(ck == null ? 0 : ck.position());
    }
    // Pending entries whose batch the copy holds (same index and term) stay: they complete once
    // committed, which they are (the copy ends at a committed index). The rest did not happen.
    final PendingQueue pending = engine.pending;
    failRemoved(stage.logIndex(), i -> termAt(pending.logIndexes[i]) == pending.terms[i]);
    writer.resetPosition(end);
    engine.lastLogIndex = state.nextLogIndex - 1;
    engine.lastTerm = state.lastTerm;
    engine.publishDurableIndex(state.nextLogIndex - 1, state.lastTerm);
    LOG.info(
        "installed a copy of the leader's log up to index {} (positions {} to {})",
        stage.logIndex(),
        log.table().firstNumber * log.segmentBytes,
        end);
  }

  /**
   * While the sync thread is parked: pending entries whose batch was removed can never commit, so
   * they fail with {@code NOT_LEADER} (the write did not happen: a committed batch is never
   * truncated) and complete once what precedes them is committed. Follower appends among them were
   * completed when they became durable.
   */
  private void failRemoved(final long logIndex) {
    failRemoved(logIndex, null);
  }

  /**
   * As {@link #failRemoved(long)}; with {@code kept} non-null, an entry at or below {@code
   * logIndex} is removed too unless {@code kept} says the log still holds its batch (same index and
   * term: Raft's log matching).
   */
  private void failRemoved(final long logIndex, final java.util.function.IntPredicate kept) {
    final PendingQueue pending = engine.pending;
    final byte ok = (byte) io.stele.engine.AppendStatus.OK.ordinal();
    for (long s = pending.consumed.get(), end = pending.published.get(); s < end; s++) {
      final int i = (int) (s & pending.mask);
      if (pending.logIndexes[i] <= logIndex
          && (kept == null || pending.logIndexes[i] < 1 || kept.test(i))) {
        continue;
      }
      pending.logIndexes[i] = Math.min(logIndex, pending.logIndexes[i]);
      if (pending.kinds[i] == PendingQueue.KIND_APPEND) {
        if (pending.statuses[i] == ok) {
          if (pending.requested[i] == (byte) io.stele.engine.Durability.QUORUM.ordinal()) {
            notifyRemoved(pending, i);
          }
          // memory and local were acknowledged already, as those levels promise no more
          pending.kinds[i] = PendingQueue.KIND_DONE;
        }
      } else if (pending.kinds[i] == PendingQueue.KIND_CONTROL) {
        final ControlCommand c = (ControlCommand) pending.listeners[i];
        if (c.op != ControlCommand.Op.APPEND_ENCODED
            && c.status != TopicStatus.STORAGE_FAILED
            && c.status != TopicStatus.NOT_FOUND) {
          c.status = TopicStatus.NOT_LEADER;
        }
      }
    }
  }

  /** The term of the batch with {@code logIndex} in the (rebuilt) log, or -1. Writer thread. */
  private long termAt(final long logIndex) {
    try {
      final long pos = engine.positionOf(logIndex);
      if (pos < 0) {
        return -1;
      }
      final Segment s = engine.log.segmentFor(pos);
      return s == null ? -1 : BatchDescriptor.term(s.readBuffer(), (int) (pos - s.basePosition()));
    } catch (final IOException e) {
      return -1;
    }
  }

  private static void notifyRemoved(final PendingQueue pending, final int i) {
    final io.stele.engine.AppendListener l = (io.stele.engine.AppendListener) pending.listeners[i];
    if (l == null) {
      return;
    }
    try {
      l.onComplete(
          pending.correlationIds[i],
          io.stele.engine.AppendStatus.NOT_LEADER,
          pending.partitions[i].partition,
          -1,
          0,
          io.stele.engine.Durability.QUORUM);
    } catch (final RuntimeException e) {
      LOG.warn("append listener threw", e);
    }
  }

  private static ShardState.Restored readOne(
      final ShardLog log, final String name, final StringBuilder problems) {
    final var file = log.dir.resolve(name);
    if (!Files.exists(file)) {
      return null;
    }
    try {
      return Checkpoints.read(file, 4096, false); // only its position: indexes are not needed
    } catch (final IOException | RuntimeException e) {
      problems.append(e.getMessage());
      return null;
    }
  }

  private ShardState rebuild(final ShardLog log, final long cut, final int interval)
      throws IOException {
    final StringBuilder problems = new StringBuilder();
    final ShardState.Restored ck = Checkpoints.readLatest(log.dir, interval, problems);
    ShardState s;
    long pos;
    if (ck != null && ck.position() <= cut) {
      s = ck.state();
      pos = ck.position();
      if (ck.indexesMissing()) {
        Recovery.rebuildIndexes(log, s, pos);
      }
    } else {
      if (log.table().firstNumber != 0) {
        throw new IOException(
            "no checkpoint at or before the truncation point and the log start was deleted");
      }
      s = new ShardState(interval);
      pos = 0;
    }
    while (pos < cut) {
      final Segment seg = log.segmentFor(pos);
      final UnsafeBuffer b = seg.readBuffer();
      final int o = (int) (pos - seg.basePosition());
      if (o + BatchDescriptor.HEADER_LENGTH > seg.lengthBytes() || BatchDescriptor.isEnd(b, o)) {
        pos = seg.endPosition();
        continue;
      }
      s.apply(b, o, pos, null, null);
      pos += BatchDescriptor.alignedLength(BatchDescriptor.length(b, o));
    }
    s.publishAllAsDurable();
    return s;
  }
}
