package io.stele.engine.internal;

import io.stele.engine.AppendListener;
import io.stele.engine.AppendStatus;
import io.stele.engine.Durability;
import io.stele.engine.TopicStatus;
import io.stele.engine.format.BatchDescriptor;
import io.stele.engine.format.ControlCodec;
import io.stele.engine.format.RecordCodec;
import io.stele.engine.format.Utf8;
import io.stele.engine.log.Segment;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.locks.LockSupport;
import java.util.zip.CRC32C;
import org.agrona.BufferUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shard's single writer: the only thread that assigns offsets and log indexes, encodes batches,
 * writes the log and changes {@link ShardState}. Each duty cycle drains a bounded number of control
 * commands and ingress messages, encodes their batches back to back into one reused direct buffer,
 * writes that buffer with one positional write, publishes {@link ShardLog#appendPosition}, acks
 * {@code memory} appends and hands everything to the sync thread through the {@link PendingQueue}.
 * Nothing here allocates per record.
 */
final class ShardWriter implements Agent, MessageHandler {
  private static final Logger LOG = LoggerFactory.getLogger(ShardWriter.class);
  private static final int DRAIN_LIMIT = 4096;
  private static final int CONTROL_LIMIT = 64;
  private static final byte OK = (byte) AppendStatus.OK.ordinal();
  private static final byte MEMORY = (byte) Durability.MEMORY.ordinal();
  private static final AppendStatus[] STATUSES = AppendStatus.values();

  private final StorageEngine engine;
  private final ShardLog log;
  private final ShardState state;
  private final PendingQueue pending;
  private final ManyToOneRingBuffer ring;
  private final ByteBuffer writeBytes;
  private final ByteBuffer writeView;
  private final UnsafeBuffer writeBuffer;
  private final CRC32C crc = new CRC32C();
  private final long checkpointIntervalBytes;
  private final long retentionIntervalMs;
  private final long drainBelowUnflushed;
  private final int maxBatchBytes;

  /** Log position of writeBuffer[0]. */
  private long bufferStart;

  private int writeOffset;
  private long nowMs;

  /** Writer-local counts, published to the engine's metrics by {@link #publishCounters}. */
  private long drained;

  private long appendedRecords;
  private long appendedBytes;
  private long lastCheckpointPosition;
  private long nextRetentionMs;
  private long term;

  /**
   * The open batch: consecutive appends to one partition without a producer id or stream-seq token
   * join one batch (one header, one checksum, one index update) until another kind of message, a
   * full buffer or the end of the drain seals it. -1: none open. Each append keeps its own pending
   * entry and completion; the entries learn the batch's end position and log index when it seals.
   */
  private int openAt = -1;

  private PartitionState openPartition;
  private int openTopicId;
  private int openCount;
  private int openRecordsLength;
  private long openBase;
  private long openFirstTimestamp;
  private long openMaxTimestamp;
  private long openFirstPending;

  /** In a cluster: the term this writer was opened for by {@code lead}; 0 = closed. */
  private long openTerm;

  private final boolean replicated;

  ShardWriter(final StorageEngine engine, final ShardLog log, final ShardState state) {
    this.engine = engine;
    this.log = log;
    this.state = state;
    this.pending = engine.pending;
    this.ring = engine.ring;
    this.writeBytes =
        BufferUtil.allocateDirectAligned(engine.config.writeBufferBytes(), 4096)
            .order(ByteOrder.LITTLE_ENDIAN);
    this.writeView = writeBytes.duplicate();
    this.writeBuffer = new UnsafeBuffer(writeBytes);
    this.checkpointIntervalBytes = engine.config.checkpointIntervalBytes();
    this.retentionIntervalMs = engine.config.retentionCheckIntervalMs();
    this.drainBelowUnflushed = ShardLog.UNFLUSHED_LIMIT - 2L * engine.config.writeBufferBytes();
    this.maxBatchBytes = engine.config.maxBatchBytes();
    this.bufferStart = log.appendPosition.get();
    this.lastCheckpointPosition = engine.recoveredTailStart;
    this.term = state.lastTerm;
    this.replicated = !engine.config.quorumIsLocal();
    engine.term = state.lastTerm;
    engine.lastLogIndex = state.nextLogIndex - 1;
    engine.lastTerm = state.lastTerm;
    engine.publishDurableIndex(state.nextLogIndex - 1, state.lastTerm);
  }

  @Override
  public String roleName() {
    return "stele-shard-" + engine.shardId + "-writer";
  }

  /**
   * On a single node always; in a cluster only while the Raft thread's leader term is the one this
   * writer was opened for, so a deposed leader stops assigning offsets as soon as it steps down.
   */
  private boolean leading() {
    return !replicated || (openTerm != 0 && engine.leaderTerm == openTerm);
  }

  @Override
  public int doWork() {
    nowMs = System.currentTimeMillis();
    if (!replicated) {
      term = engine.term;
    }
    int work = 0;
    ControlCommand c;
    while (work < CONTROL_LIMIT && pending.free() > 0 && (c = engine.pollControl()) != null) {
      onControl(c);
      work++;
    }
    final int free = pending.free();
    // Below the unflushed limit with room for a full write buffer: draining never has to wait.
    if (free > 0 && bufferStart + writeOffset - log.durablePosition.get() <= drainBelowUnflushed) {
      work += ring.read(this, Math.min(DRAIN_LIMIT, free));
    }
    if (writeOffset > 0 || pending.staged != pending.published.get()) {
      flushWrites();
    }
    // Checked every cycle (not only when idle), so sustained load cannot postpone checkpoints and
    // the recovery tail stays bounded by about checkpointIntervalBytes.
    if (bufferStart - lastCheckpointPosition >= checkpointIntervalBytes) {
      requestCheckpoint();
    }
    if (nowMs >= nextRetentionMs) {
      nextRetentionMs = nowMs + retentionIntervalMs;
      work += engine.retention.apply(nowMs);
    }
    return work;
  }

  @Override
  public void onClose() {
    // Drain what was admitted (the engine admits nothing new now), so every accepted append gets
    // its completion. The sync thread is still running and frees pending slots.
    final long deadlineNs = System.nanoTime() + 10_000_000_000L;
    while (System.nanoTime() - deadlineNs < 0) {
      int n = 0;
      ControlCommand c;
      while (pending.free() > 0 && (c = engine.pollControl()) != null) {
        onControl(c);
        n++;
      }
      if (pending.free() > 0) {
        n += ring.read(this, Math.min(DRAIN_LIMIT, pending.free()));
      }
      flushWrites();
      if (n == 0) {
        if (ring.size() == 0 && engine.controls.isEmpty()) {
          break;
        }
        Thread.yield();
      }
    }
  }

  // ---- appends ------------------------------------------------------------------------------

  @Override
  public void onMessage(
      final int msgTypeId, final MutableDirectBuffer b, final int index, final int length) {
    drained++;
    final long corr = b.getLong(index + IngressDescriptor.CORRELATION_ID);
    final int listenerId = b.getInt(index + IngressDescriptor.LISTENER_ID);
    final AppendListener listener = engine.listener(listenerId);
    final byte durability = b.getByte(index + IngressDescriptor.DURABILITY);
    final int topicId = b.getInt(index + IngressDescriptor.TOPIC_ID);
    final int partition = b.getInt(index + IngressDescriptor.PARTITION);
    if (engine.failureReason() != null) {
      reject(corr, listener, null, durability, AppendStatus.STORAGE_FAILED, -1);
      return;
    }
    if (!leading()) {
      reject(corr, listener, null, durability, AppendStatus.NOT_LEADER, -1);
      return;
    }
    final TopicState t = state.topicsById.get(topicId);
    if (t == null) {
      reject(corr, listener, null, durability, AppendStatus.UNKNOWN_TOPIC, -1);
      return;
    }
    final PartitionState p = t.partitions[partition];
    if (t.closed) {
      reject(corr, listener, p, durability, AppendStatus.CLOSED, -1);
      return;
    }
    final int pidLen = b.getShort(index + IngressDescriptor.PRODUCER_ID_LENGTH) & 0xFFFF;
    final int ssLen = b.getShort(index + IngressDescriptor.STREAM_SEQ_LENGTH) & 0xFFFF;
    final int recLen = b.getInt(index + IngressDescriptor.RECORDS_LENGTH);
    final int count = b.getInt(index + IngressDescriptor.RECORD_COUNT);
    final long epoch = b.getLong(index + IngressDescriptor.PRODUCER_EPOCH);
    final long seq = b.getLong(index + IngressDescriptor.PRODUCER_SEQ);
    final int strings = index + IngressDescriptor.HEADER_LENGTH;

    String pid = null;
    if (pidLen > 0 && epoch >= 0) {
      pid = Utf8.get(b, strings, pidLen);
      final ProducerState ps = p.producers.get(pid);
      if (ps == null) {
        if (seq != 0) {
          // An unknown producer starts at sequence 0: report 0 as the expected sequence.
          reject(corr, listener, p, durability, AppendStatus.SEQUENCE_GAP, 0);
          return;
        }
      } else if (epoch < ps.epoch) {
        reject(corr, listener, p, durability, AppendStatus.STALE_EPOCH, ps.epoch);
        return;
      } else if (epoch > ps.epoch) {
        if (seq != 0) {
          reject(corr, listener, p, durability, AppendStatus.EPOCH_START_NOT_ZERO, -1);
          return;
        }
      } else if (seq <= ps.seq) {
        reject(
            corr,
            listener,
            p,
            durability,
            AppendStatus.DUPLICATE,
            seq == ps.seq ? ps.baseOffset : -1);
        return;
      } else if (seq > ps.seq + 1) {
        reject(corr, listener, p, durability, AppendStatus.SEQUENCE_GAP, ps.seq + 1);
        return;
      }
    }
    String ss = null;
    if (ssLen > 0) {
      ss = Utf8.get(b, strings + pidLen, ssLen);
      if (p.lastStreamSeq != null && ss.compareTo(p.lastStreamSeq) <= 0) {
        reject(corr, listener, p, durability, AppendStatus.SEQUENCE_CONFLICT, -1);
        return;
      }
    }

    final long ts0 = b.getLong(index + IngressDescriptor.TIMESTAMP);
    final long ts = ts0 == 0 ? nowMs : ts0;
    if (pidLen == 0 && ssLen == 0) { // the records start right after the header
      appendToOpenBatch(
          b, strings, recLen, count, corr, listener, p, topicId, partition, ts, durability);
      return;
    }
    sealOpenBatch();
    final int batchLength = BatchDescriptor.HEADER_LENGTH + pidLen + ssLen + recLen;
    final int o = claim(BatchDescriptor.alignedLength(batchLength));
    if (o < 0) {
      reject(corr, listener, p, durability, AppendStatus.STORAGE_FAILED, -1);
      return;
    }
    final long base = p.nextOffset;
    BatchDescriptor.putHeader(
        writeBuffer,
        o,
        BatchDescriptor.TYPE_DATA,
        count,
        state.nextLogIndex,
        term,
        topicId,
        partition,
        base,
        ts,
        ts,
        pid == null ? -1 : epoch,
        pid == null ? -1 : seq,
        pid == null ? 0 : pidLen,
        ssLen,
        recLen);
    int at = o + BatchDescriptor.HEADER_LENGTH;
    if (pid != null) {
      writeBuffer.putBytes(at, b, strings, pidLen);
      at += pidLen;
    }
    writeBuffer.putBytes(at, b, strings + pidLen, ssLen + recLen);
    final int aligned = BatchDescriptor.seal(writeBuffer, writeView, o, batchLength, crc);
    final long position = bufferStart + o;
    state.apply(writeBuffer, o, position, pid, ss);
    writeOffset = o + aligned;
    appendedRecords += count;
    appendedBytes += aligned;
    pending.stage(
        PendingQueue.KIND_APPEND,
        corr,
        listener,
        p,
        base,
        count,
        position + aligned,
        p.nextOffset,
        durability,
        OK,
        state.nextLogIndex - 1,
        term);
  }

  /**
   * Appends a request's records (no producer id, no stream-seq token) to the open batch if it is
   * for the same partition and there is room; else seals it and opens a new one with them.
   */
  private void appendToOpenBatch(
      final MutableDirectBuffer b,
      final int records,
      final int recLen,
      final int count,
      final long corr,
      final AppendListener listener,
      final PartitionState p,
      final int topicId,
      final int partition,
      final long ts,
      final byte durability) {
    if (openAt >= 0
        && openPartition == p
        && roomToGrow(recLen + count * RecordCodec.REBASE_GROWTH)) {
      final long base = openBase + openCount;
      final long shift = ts - openFirstTimestamp;
      int from = records;
      int to = openAt + BatchDescriptor.HEADER_LENGTH + openRecordsLength;
      final int end = records + recLen;
      while (from < end) {
        final long rw = RecordCodec.rebase(b, from, writeBuffer, to, openCount, shift);
        from += (int) rw;
        to += (int) (rw >>> 32);
      }
      openRecordsLength = to - openAt - BatchDescriptor.HEADER_LENGTH;
      openCount += count;
      openMaxTimestamp = Math.max(openMaxTimestamp, ts);
      writeOffset = to;
      stageOpen(corr, listener, p, base, count, durability);
      return;
    }
    sealOpenBatch();
    final int o = claim(BatchDescriptor.alignedLength(BatchDescriptor.HEADER_LENGTH + recLen));
    if (o < 0) {
      reject(corr, listener, p, durability, AppendStatus.STORAGE_FAILED, -1);
      return;
    }
    writeBuffer.putBytes(o + BatchDescriptor.HEADER_LENGTH, b, records, recLen);
    openAt = o;
    openPartition = p;
    openTopicId = topicId;
    openCount = count;
    openRecordsLength = recLen;
    openBase = p.nextOffset;
    openFirstTimestamp = ts;
    openMaxTimestamp = ts;
    openFirstPending = pending.staged;
    writeOffset = o + BatchDescriptor.HEADER_LENGTH + recLen;
    stageOpen(corr, listener, p, openBase, count, durability);
  }

  /** Whether the open batch can take {@code bytes} more: buffer, segment and batch size. */
  private boolean roomToGrow(final int bytes) {
    final int end = BatchDescriptor.alignedLength(writeOffset + bytes);
    return end <= writeBuffer.capacity()
        && bufferStart + end <= log.active().endPosition()
        && openRecordsLength + bytes <= maxBatchBytes;
  }

  /** Stages an append of the open batch; its end position and log index follow at the seal. */
  private void stageOpen(
      final long corr,
      final AppendListener listener,
      final PartitionState p,
      final long base,
      final int count,
      final byte durability) {
    pending.stage(
        PendingQueue.KIND_APPEND,
        corr,
        listener,
        p,
        base,
        count,
        Long.MAX_VALUE, // set by sealOpenBatch, before the entry is published
        base + count,
        durability,
        OK,
        -1,
        term);
  }

  /** Writes the open batch's header and checksum and applies it to the state; no-op if none. */
  private void sealOpenBatch() {
    final int o = openAt;
    if (o < 0) {
      return;
    }
    openAt = -1;
    final int batchLength = BatchDescriptor.HEADER_LENGTH + openRecordsLength;
    BatchDescriptor.putHeader(
        writeBuffer,
        o,
        BatchDescriptor.TYPE_DATA,
        openCount,
        state.nextLogIndex,
        term,
        openTopicId,
        openPartition.partition,
        openBase,
        openFirstTimestamp,
        openMaxTimestamp,
        -1,
        -1,
        0,
        0,
        openRecordsLength);
    final int aligned = BatchDescriptor.seal(writeBuffer, writeView, o, batchLength, crc);
    final long position = bufferStart + o;
    state.apply(writeBuffer, o, position, null, null);
    writeOffset = o + aligned;
    appendedRecords += openCount;
    appendedBytes += aligned;
    final long end = position + aligned;
    final long logIndex = state.nextLogIndex - 1;
    for (long i = openFirstPending; i < pending.staged; i++) {
      final int slot = (int) (i & pending.mask);
      pending.endPositions[slot] = end;
      pending.logIndexes[slot] = logIndex;
      pending.terms[slot] = term;
    }
    openPartition = null;
  }

  private void reject(
      final long corr,
      final AppendListener listener,
      final PartitionState p,
      final byte durability,
      final AppendStatus status,
      final long baseOffset) {
    sealOpenBatch();
    pending.stage(
        PendingQueue.KIND_APPEND,
        corr,
        listener,
        p,
        baseOffset,
        0,
        bufferStart + writeOffset,
        -1,
        durability,
        (byte) status.ordinal(),
        state.nextLogIndex - 1,
        state.lastTerm);
  }

  /**
   * Reserves {@code aligned} bytes for the next batch in the write buffer, writing out the buffer
   * or rolling to the next segment first if needed.
   *
   * @return the offset in the write buffer, or -1 if no segment could be made ready (disk full)
   */
  private int claim(final int aligned) {
    if (writeOffset + aligned > writeBuffer.capacity()) {
      flushWrites();
    }
    final Segment active = log.active();
    if (bufferStart + writeOffset + aligned > active.endPosition()) {
      flushWrites();
      if (!roll(active)) {
        return -1;
      }
    }
    return engine.failureReason() != null ? -1 : writeOffset;
  }

  /** Segments this thread created or finished itself (the housekeeper was behind); for metrics. */
  volatile long segmentsCreated;

  private boolean roll(final Segment old) {
    final long base = old.endPosition();
    Segment stale = null;
    final Segment.Creation half;
    synchronized (log) {
      final Segment pre = log.precreated.get();
      if (pre != null && pre.basePosition() == base) {
        log.precreated.set(null);
        return install(old, pre); // under the same monitor: the housekeeper sees it active
      }
      if (pre != null && pre.basePosition() < base) {
        stale = log.precreated.getAndSet(null); // misplaced; one further ahead is kept
      }
      // The housekeeper is behind: take its half-written file over rather than start over. Until
      // this segment is installed, the housekeeper pre-creates the one after it.
      half = engine.housekeeper.takeCreation(base);
    }
    if (stale != null) {
      try {
        stale.delete();
      } catch (final IOException ignored) {
        // recovery deletes it anyway
      }
    }
    segmentsCreated++;
    Segment next;
    try {
      // Outside the log's monitor, so the housekeeper writes the next segment's zeros meanwhile.
      next = half == null ? log.createSegment(base) : Segment.complete(half);
    } catch (final IOException e) {
      next = null;
      engine.reportDiskProblem("cannot create segment at " + base + ": " + e);
    }
    synchronized (log) {
      engine.housekeeper.handedOverDone();
      return next != null && install(old, next);
    }
  }

  /** Seals {@code old} and makes {@code next} the active segment (under {@code log}'s monitor). */
  private boolean install(final Segment old, final Segment next) {
    try {
      old.seal();
    } catch (final IOException | RuntimeException e) {
      engine.fail("sealing segment " + old + " failed (force or rename): " + e);
      return false;
    }
    log.addSegment(next);
    log.setActive(next);
    bufferStart = next.basePosition();
    writeOffset = 0;
    return true;
  }

  /** Writes the staged batches with one positional write, then publishes and acks. */
  void flushWrites() {
    sealOpenBatch();
    if (writeOffset > 0) {
      final Segment active = log.active();
      if (awaitUnflushedRoom(bufferStart + writeOffset)) {
        try {
          writeView.limit(writeOffset).position(0);
          active.write(writeView, (int) (bufferStart - active.basePosition()));
        } catch (final IOException | RuntimeException e) {
          engine.fail("write to " + active + " failed: " + e);
          failStaged();
        } finally {
          writeView.clear();
        }
      } else {
        failStaged(); // the engine failed: nothing more reaches the file
      }
      bufferStart += writeOffset;
      writeOffset = 0;
      if (engine.failureReason() == null) {
        log.appendPosition.setRelease(bufferStart);
      }
      engine.replicationWakeup.run();
    }
    ackMemory();
    publishCounters();
    pending.published.setRelease(pending.staged);
    engine.syncIdle.wake();
  }

  /**
   * Once per write, not per batch: each is a volatile store, a full fence on x86, and the writer
   * would otherwise pay several per appended batch.
   */
  private void publishCounters() {
    engine.lastLogIndex = state.nextLogIndex - 1;
    engine.lastTerm = state.lastTerm;
    engine.drained = drained;
    engine.appendedRecords = appendedRecords;
    engine.appendedBytes = appendedBytes;
  }

  /**
   * Waits until a write ending at {@code end} stays within {@link ShardLog#UNFLUSHED_LIMIT} of the
   * durable position (recovery checks only that far past the log's end for stray bytes). Normally
   * returns at once: {@link #doWork} stops draining before the limit is near.
   *
   * @return false if the engine failed (the durable position will not move again)
   */
  private boolean awaitUnflushedRoom(final long end) {
    while (end - log.durablePosition.get() > ShardLog.UNFLUSHED_LIMIT) {
      if (engine.failureReason() != null) {
        return false;
      }
      engine.syncIdle.wake();
      LockSupport.parkNanos(50_000);
    }
    return engine.failureReason() == null;
  }

  private void failStaged() {
    final byte failed = (byte) AppendStatus.STORAGE_FAILED.ordinal();
    for (long i = pending.published.get(); i < pending.staged; i++) {
      final int s = (int) (i & pending.mask);
      if (pending.statuses[s] == OK) {
        pending.statuses[s] = failed;
      }
    }
  }

  private void ackMemory() {
    if (engine.failureReason() != null) {
      failStaged();
      return;
    }
    for (long i = pending.published.get(); i < pending.staged; i++) {
      final int s = (int) (i & pending.mask);
      if (pending.kinds[s] == PendingQueue.KIND_APPEND
          && pending.statuses[s] == OK
          && pending.requested[s] == MEMORY) {
        final PartitionState p = pending.partitions[s];
        try {
          ((AppendListener) pending.listeners[s])
              .onComplete(
                  pending.correlationIds[s],
                  AppendStatus.OK,
                  p.partition,
                  pending.baseOffsets[s],
                  pending.counts[s],
                  Durability.MEMORY);
        } catch (final RuntimeException e) {
          LOG.warn("append listener threw", e);
        }
      }
    }
  }

  static AppendStatus status(final byte b) {
    return STATUSES[b];
  }

  // ---- control ------------------------------------------------------------------------------

  private void onControl(final ControlCommand c) {
    sealOpenBatch();
    if (c.op == ControlCommand.Op.SNAPSHOT) {
      flushWrites();
      c.future.complete(state.snapshot(bufferStart, log.segmentBytes));
      return;
    }
    if (c.op == ControlCommand.Op.TRUNCATE
        || c.op == ControlCommand.Op.APPEND_ENCODED
        || c.op == ControlCommand.Op.INSTALL) {
      flushWrites();
      engine.replica.onWriterCommand(c, this);
      return;
    }
    if (c.op == ControlCommand.Op.LEAD) {
      // Ordered after the leader's own entries (its no-op), so no client batch precedes them.
      openTerm = c.value;
      term = c.value;
      engine.term = c.value;
      return;
    }
    if (engine.failureReason() != null) {
      stageControl(c, TopicStatus.STORAGE_FAILED);
      return;
    }
    if (!leading()) {
      stageControl(c, TopicStatus.NOT_LEADER);
      return;
    }
    final TopicState t = state.topicsByName.get(c.topic);
    switch (c.op) {
      case CREATE -> {
        if (t != null) {
          c.result = t;
          stageControl(c, t.config.equals(c.config) ? TopicStatus.EXISTS : TopicStatus.CONFLICT);
          return;
        }
        final byte[] body =
            ControlCodec.createTopic(
                c.topic,
                c.config.partitions(),
                c.config.retentionMs(),
                c.config.retentionBytes(),
                c.config.attributes());
        if (writeControl(state.nextTopicId, -1, body)) {
          c.result = state.topicsByName.get(c.topic);
          stageControl(c, TopicStatus.CREATED);
        } else {
          stageControl(c, TopicStatus.STORAGE_FAILED);
        }
      }
      case UPDATE_ATTRIBUTES -> {
        if (t == null) {
          stageControl(c, TopicStatus.NOT_FOUND);
          return;
        }
        c.result = t;
        stageControl(
            c,
            writeControl(t.id, -1, ControlCodec.updateAttributes(c.attributes))
                ? TopicStatus.OK
                : TopicStatus.STORAGE_FAILED);
      }
      case DELETE -> {
        if (t == null) {
          stageControl(c, TopicStatus.NOT_FOUND);
          return;
        }
        stageControl(
            c,
            writeControl(t.id, -1, ControlCodec.deleteTopic())
                ? TopicStatus.OK
                : TopicStatus.STORAGE_FAILED);
      }
      case COMMIT_OFFSET -> {
        if (t == null || c.partition < 0 || c.partition >= t.partitions.length) {
          stageControl(c, TopicStatus.NOT_FOUND);
          return;
        }
        c.result = t;
        stageControl(
            c,
            writeControl(t.id, c.partition, ControlCodec.commitOffset(c.value, c.group))
                ? TopicStatus.OK
                : TopicStatus.STORAGE_FAILED);
      }
      default -> throw new IllegalStateException("unexpected " + c.op);
    }
  }

  private boolean writeControl(final int topicId, final int partition, final byte[] body) {
    final int length = BatchDescriptor.HEADER_LENGTH + body.length;
    final int o = claim(BatchDescriptor.alignedLength(length));
    if (o < 0) {
      return false;
    }
    BatchDescriptor.putHeader(
        writeBuffer,
        o,
        BatchDescriptor.TYPE_CONTROL,
        0,
        state.nextLogIndex,
        term,
        topicId,
        partition,
        0,
        nowMs,
        nowMs,
        -1,
        -1,
        0,
        0,
        body.length);
    writeBuffer.putBytes(o + BatchDescriptor.HEADER_LENGTH, body);
    final int aligned = BatchDescriptor.seal(writeBuffer, writeView, o, length, crc);
    state.apply(writeBuffer, o, bufferStart + o, null, null);
    engine.lastLogIndex = state.nextLogIndex - 1;
    engine.lastTerm = state.lastTerm;
    writeOffset = o + aligned;
    return true;
  }

  void stageControl(final ControlCommand c, final TopicStatus status) {
    c.status = status;
    pending.stage(
        PendingQueue.KIND_CONTROL,
        0,
        c,
        null,
        -1,
        0,
        bufferStart + writeOffset,
        -1,
        (byte) c.durability.ordinal(),
        (byte) status.ordinal(),
        state.nextLogIndex - 1,
        state.lastTerm);
  }

  // ---- checkpoints and replication hooks ----------------------------------------------------

  private void requestCheckpoint() {
    if (engine.housekeeper.canAcceptCheckpoint()) {
      final long position = bufferStart + writeOffset;
      engine.housekeeper.offerCheckpoint(position, state.snapshot(position, log.segmentBytes));
      lastCheckpointPosition = position;
    }
  }

  /** For {@link ReplicaSupport}: the writer's current write position and buffer. */
  long writePosition() {
    return bufferStart + writeOffset;
  }

  void resetPosition(final long position) {
    bufferStart = position;
    writeOffset = 0;
    lastCheckpointPosition = Math.min(lastCheckpointPosition, position);
  }

  UnsafeBuffer writeBuffer() {
    return writeBuffer;
  }

  ByteBuffer writeView() {
    return writeView;
  }

  CRC32C crc() {
    return crc;
  }

  int claimForReplica(final int aligned) {
    return claim(aligned);
  }

  void advance(final int newWriteOffset) {
    writeOffset = newWriteOffset;
  }
}
