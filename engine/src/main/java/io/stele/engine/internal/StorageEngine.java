package io.stele.engine.internal;

import io.stele.engine.AppendListener;
import io.stele.engine.AppendRequest;
import io.stele.engine.AppendStatus;
import io.stele.engine.Durability;
import io.stele.engine.EngineConfig;
import io.stele.engine.EngineMetrics;
import io.stele.engine.LogEngine;
import io.stele.engine.PartitionObserver;
import io.stele.engine.ReadStatus;
import io.stele.engine.RecordVisitor;
import io.stele.engine.TopicConfig;
import io.stele.engine.TopicDescription;
import io.stele.engine.TopicListener;
import io.stele.engine.TopicStatus;
import io.stele.engine.WakeableIdle;
import io.stele.engine.format.BatchDescriptor;
import io.stele.engine.format.RecordCodec;
import io.stele.engine.format.Utf8;
import io.stele.engine.log.Segment;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.agrona.BufferUtil;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine: one shard log (DESIGN §4) with its writer, sync and housekeeping threads.
 *
 * <p>Threads and what each one alone writes:
 *
 * <ul>
 *   <li>callers (any thread): claim and fill slots of the ingress ring ({@link #append});
 *   <li>{@code stele-shard-0-writer}: offsets, log indexes, the log bytes, {@link ShardState},
 *       {@link ShardLog#appendPosition}; completes {@code memory} appends;
 *   <li>{@code stele-shard-0-sync}: {@link ShardLog#durablePosition}, partition high watermarks;
 *       completes {@code local}/{@code quorum} appends and topic operations;
 *   <li>{@code stele-housekeeper}: pre-created segments, checkpoints, the durable mark.
 * </ul>
 *
 * <p>Visibility: readers see a partition up to its high watermark, which on a single node is the
 * durable (flushed) position, so a read never returns a record that a crash could take back. A
 * {@link Durability#QUORUM} append on a single node ({@link EngineConfig#quorumIsLocal()})
 * completes after the local flush and reports QUORUM, because a majority of one node is that node;
 * with {@code quorumIsLocal=false} it reports LOCAL and replication upgrades it.
 */
public final class StorageEngine implements LogEngine {
  private static final Logger LOG = LoggerFactory.getLogger(StorageEngine.class);
  private static final int MAX_LISTENERS = 1 << 16;
  private static final int MAX_PENDING_CONTROLS = 10_000;
  static final int MAX_PARTITIONS = 100_000;

  final EngineConfig config;
  final Path shardDir;
  final ShardLog log;
  final ShardState state;
  final ManyToOneRingBuffer ring;
  final PendingQueue pending;
  final ConcurrentLinkedQueue<ControlCommand> controls = new ConcurrentLinkedQueue<>();
  final AtomicInteger controlsQueued = new AtomicInteger();
  final Housekeeper housekeeper;
  final Retention retention;
  final ReplicaSupport replica;
  final long recoveredTailStart;
  final Recovery.Result recovery;
  volatile PartitionObserver[] observers = new PartitionObserver[0];

  /** Set by the writer while it truncates; the sync thread pauses and says so. */
  volatile boolean truncating;

  /** Writer thread: number of the current truncation. */
  volatile long truncationRequest;

  /** Sync thread: the truncation it has paused for. */
  volatile long syncPausedFor;

  /** Term for batches appended by this node (leader); set by replication. */
  volatile long term;

  /** Writer thread writes; metrics read. */
  volatile long appendedRecords;

  volatile long appendedBytes;

  private final ShardWriter writer;
  private final ShardSync sync;
  private final AgentThread writerThread;
  private final AgentThread syncThread;
  private final AgentThread housekeeperThread;

  /** Held for the data directory when this engine opened it alone; else null. */
  private final DataDirLock lock;

  /** This shard's number: its directory is {@code shard-<id>}, its threads carry it. */
  final int shardId;

  private final ConcurrentHashMap<AppendListener, Integer> listenerIds = new ConcurrentHashMap<>();
  private volatile AppendListener[] listenersById = new AppendListener[0];
  private final AtomicReference<String> failure = new AtomicReference<>();
  private volatile String diskProblem;
  private volatile boolean closed;
  private final LongAdder admitted = new LongAdder();
  private final ThreadLocal<RecordCodec.Cursor> cursors =
      ThreadLocal.withInitial(RecordCodec.Cursor::new);
  private final Metrics metrics = new Metrics();

  private StorageEngine(
      final EngineConfig config,
      final int shardId,
      final Path shardDir,
      final Recovery.Result r,
      final DataDirLock lock)
      throws IOException {
    this.config = config;
    this.writerIdle =
        new WakeableIdle(config.idleSpins(), config.idleYields(), 1_000, config.idleMaxParkNs());
    this.syncIdle =
        new WakeableIdle(config.idleSpins(), config.idleYields(), 1_000, config.idleMaxParkNs());
    this.shardId = shardId;
    this.shardDir = shardDir;
    this.recovery = r;
    this.log = r.log();
    this.state = r.state();
    this.recoveredTailStart = r.fromCheckpoint() ? r.tailStart() : 0;
    this.lock = lock;
    this.ring =
        new ManyToOneRingBuffer(
            new UnsafeBuffer(
                BufferUtil.allocateDirectAligned(
                    config.ingressRingBytes() + RingBufferDescriptor.TRAILER_LENGTH, 64)));
    this.pending = new PendingQueue(config.pendingCapacity());
    this.housekeeper = new Housekeeper(this, log, recoveredTailStart);
    this.retention = new Retention(this);
    this.replica = new ReplicaSupport(this);
    this.writer = new ShardWriter(this, log, state);
    this.sync = new ShardSync(this, log);
    final Runnable onCrash = () -> fail("an engine thread crashed");
    this.syncThread = new AgentThread(sync, syncIdle, onCrash);
    this.writerThread = new AgentThread(writer, writerIdle, onCrash);
    this.housekeeperThread =
        new AgentThread(
            housekeeper,
            new BackoffIdleStrategy(1, 1, TimeUnit.MILLISECONDS.toNanos(1), 5_000_000),
            onCrash);
  }

  /** Opens and recovers {@code config.dataDir()} (one shard), then starts the threads. */
  public static StorageEngine open(final EngineConfig config) throws IOException {
    final DataDirLock lock = DataDirLock.acquire(config.dataDir(), 1);
    try {
      return openShard(config, 0, lock);
    } catch (final IOException | RuntimeException e) {
      lock.release();
      throw e;
    }
  }

  /**
   * Opens and recovers shard {@code shardId} of {@code config.dataDir()}, then starts its threads;
   * {@code lock}, if not null, is released when the shard closes (the caller holds the directory).
   */
  static StorageEngine openShard(
      final EngineConfig config, final int shardId, final DataDirLock lock) throws IOException {
    final Path shardDir = config.dataDir().resolve(shardDirName(shardId));
    final Recovery.Result r =
        Recovery.recover(
            shardDir, config.segmentBytes(), config.indexIntervalBytes(), config.segmentInit());
    final StorageEngine e = new StorageEngine(config, shardId, shardDir, r, lock);
    e.syncThread.start();
    e.writerThread.start();
    e.housekeeperThread.start();
    return e;
  }

  /** The directory of shard {@code shardId} inside the data directory. */
  static String shardDirName(final int shardId) {
    return "shard-" + shardId;
  }

  // ---- appends ------------------------------------------------------------------------------

  @Override
  public AppendStatus append(final AppendRequest r, final AppendListener listener) {
    if (closed || failure.get() != null) {
      return AppendStatus.STORAGE_FAILED;
    }
    final String topic = r.topic();
    if (topic == null) {
      return AppendStatus.UNKNOWN_TOPIC;
    }
    final TopicState t = state.topicsByName.get(topic);
    if (t == null) {
      return AppendStatus.UNKNOWN_TOPIC;
    }
    final int partition = r.partition();
    if (partition < 0 || partition >= t.partitions.length) {
      return AppendStatus.UNKNOWN_PARTITION;
    }
    if (t.closed) {
      return AppendStatus.CLOSED;
    }
    final int count = r.recordCount();
    final int maxBatch = config.maxBatchBytes();
    long recordsLength = 0;
    for (int i = 0; i < count; i++) {
      final int vl = r.valueLength(i);
      final int kl = r.keyLength(i);
      if (vl < 0 || vl > maxBatch || kl > maxBatch) {
        return AppendStatus.TOO_LARGE;
      }
      recordsLength += RecordCodec.encodedLength(i, 0, kl, vl);
      if (recordsLength > maxBatch) {
        return AppendStatus.TOO_LARGE;
      }
    }
    final String pid = r.producerId();
    final long epoch = r.producerEpoch();
    final long seq = r.producerSeq();
    int pidLen = 0;
    if (pid != null) {
      if (epoch < 0 || seq < 0) {
        throw new IllegalArgumentException("producer id needs a non-negative epoch and seq");
      }
      pidLen = Utf8.length(pid);
    }
    final String ss = r.streamSeq();
    final int ssLen = Utf8.length(ss);
    if (pidLen > config.maxStringBytes() || ssLen > config.maxStringBytes()) {
      return AppendStatus.TOO_LARGE;
    }
    final int listenerId = listenerId(listener);
    final int length = IngressDescriptor.HEADER_LENGTH + pidLen + ssLen + (int) recordsLength;
    final int index = ring.tryClaim(IngressDescriptor.MSG_APPEND, length);
    if (index < 0) {
      return AppendStatus.BACKPRESSURE;
    }
    final org.agrona.concurrent.AtomicBuffer b = ring.buffer();
    try {
      b.putLong(index + IngressDescriptor.CORRELATION_ID, r.correlationId());
      b.putLong(index + IngressDescriptor.TIMESTAMP, r.timestampMs());
      b.putLong(index + IngressDescriptor.PRODUCER_EPOCH, pid == null ? -1 : epoch);
      b.putLong(index + IngressDescriptor.PRODUCER_SEQ, pid == null ? -1 : seq);
      b.putInt(index + IngressDescriptor.TOPIC_ID, t.id);
      b.putInt(index + IngressDescriptor.PARTITION, partition);
      b.putInt(index + IngressDescriptor.LISTENER_ID, listenerId);
      b.putInt(index + IngressDescriptor.RECORD_COUNT, count);
      b.putInt(index + IngressDescriptor.RECORDS_LENGTH, (int) recordsLength);
      b.putShort(index + IngressDescriptor.PRODUCER_ID_LENGTH, (short) pidLen);
      b.putShort(index + IngressDescriptor.STREAM_SEQ_LENGTH, (short) ssLen);
      b.putByte(index + IngressDescriptor.DURABILITY, (byte) r.durability().ordinal());
      int at = index + IngressDescriptor.HEADER_LENGTH;
      at += Utf8.put(b, at, pid);
      at += Utf8.put(b, at, ss);
      for (int i = 0; i < count; i++) {
        at +=
            RecordCodec.encode(
                b,
                at,
                i,
                0,
                r.buffer(i),
                r.keyOffset(i),
                r.keyLength(i),
                r.valueOffset(i),
                r.valueLength(i));
      }
      ring.commit(index);
      writerIdle.wake();
    } catch (final RuntimeException e) {
      ring.abort(index);
      throw e;
    }
    admitted.increment();
    return AppendStatus.ACCEPTED;
  }

  private int listenerId(final AppendListener listener) {
    final Integer id = listenerIds.get(Objects.requireNonNull(listener, "listener"));
    return id != null ? id : register(listener);
  }

  private synchronized int register(final AppendListener listener) {
    final Integer existing = listenerIds.get(listener);
    if (existing != null) {
      return existing;
    }
    final int id = listenersById.length;
    if (id >= MAX_LISTENERS) {
      throw new IllegalStateException(
          "more than "
              + MAX_LISTENERS
              + " append listeners: use one long-lived listener per thread");
    }
    final AppendListener[] next = Arrays.copyOf(listenersById, id + 1);
    next[id] = listener;
    listenersById = next;
    listenerIds.put(listener, id);
    return id;
  }

  AppendListener listener(final int id) {
    return listenersById[id];
  }

  // ---- reads --------------------------------------------------------------------------------

  @Override
  public ReadStatus read(
      final String topic,
      final int partition,
      final long offset,
      final int maxRecords,
      final int maxBytes,
      final RecordVisitor visitor) {
    final TopicState t = topic == null ? null : state.topicsByName.get(topic);
    if (t == null) {
      return ReadStatus.UNKNOWN_TOPIC;
    }
    if (partition < 0 || partition >= t.partitions.length) {
      return ReadStatus.UNKNOWN_PARTITION;
    }
    final PartitionState p = t.partitions[partition];
    final long end = p.highWatermark;
    final long start = p.startOffset;
    if (offset < start) {
      return ReadStatus.OFFSET_GONE;
    }
    if (offset > end) {
      return ReadStatus.OFFSET_OUT_OF_RANGE;
    }
    if (offset == end || maxRecords <= 0) {
      return ReadStatus.OK;
    }
    final long idx = p.index.floorByOffset(offset);
    // none or a dropped entry: retention moved the start past the offset since it was checked
    final long position = idx < 0 ? -1 : p.index.positionAt(idx);
    if (position < 0) {
      return p.index.first() > 0 ? ReadStatus.OFFSET_GONE : ReadStatus.OK;
    }
    try {
      return scan(t.id, partition, position, offset, end, maxRecords, maxBytes, -1, visitor)
          ? ReadStatus.OK
          : ReadStatus.OFFSET_GONE;
    } catch (final IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * Visits the partition's records from {@code position}: offsets in {@code [offset, end)} and, if
   * {@code minTimestamp >= 0}, stops at the first record with a timestamp at or after it.
   *
   * @return false if the segment holding {@code position} was deleted (retention)
   */
  private boolean scan(
      final int topicId,
      final int partition,
      final long fromPosition,
      final long offset,
      final long end,
      final int maxRecords,
      final int maxBytes,
      final long minTimestamp,
      final RecordVisitor visitor)
      throws IOException {
    final long limit = log.durablePosition.get();
    final RecordCodec.Cursor cursor = cursors.get();
    long pos = fromPosition;
    int n = 0;
    long bytes = 0;
    Segment s = null;
    try {
      while (pos < limit) {
        if (s == null || pos >= s.endPosition()) {
          if (s != null) {
            s.unpin();
            s = null;
          }
          final Segment next = log.segmentFor(pos);
          if (next == null || !next.pin()) {
            return n > 0 || pos >= log.table().firstNumber * log.segmentBytes;
          }
          s = next;
        }
        final UnsafeBuffer buf = s.readBuffer();
        final int o = (int) (pos - s.basePosition());
        if (o + BatchDescriptor.HEADER_LENGTH > s.lengthBytes() || BatchDescriptor.isEnd(buf, o)) {
          pos = s.endPosition();
          continue;
        }
        final int length = BatchDescriptor.length(buf, o);
        if (length < BatchDescriptor.HEADER_LENGTH || o + length > s.lengthBytes()) {
          return true;
        }
        if (BatchDescriptor.type(buf, o) == BatchDescriptor.TYPE_DATA
            && BatchDescriptor.topicId(buf, o) == topicId
            && BatchDescriptor.partition(buf, o) == partition) {
          final long base = BatchDescriptor.baseOffset(buf, o);
          final int count = BatchDescriptor.recordCount(buf, o);
          if (base >= end) {
            return true;
          }
          if (base + count > offset
              && (minTimestamp < 0 || BatchDescriptor.maxTimestamp(buf, o) >= minTimestamp)) {
            cursor.wrapBatch(buf, o);
            while (cursor.next()) {
              final long r = cursor.offset;
              if (r < offset) {
                continue;
              }
              if (r >= end) {
                return true;
              }
              if (minTimestamp >= 0 && cursor.timestamp < minTimestamp) {
                continue;
              }
              final int size = Math.max(cursor.keyLength, 0) + cursor.valueLength;
              if (n > 0 && bytes + size > maxBytes) {
                return true;
              }
              n++;
              bytes += size;
              final boolean more =
                  visitor.onRecord(
                      r,
                      cursor.timestamp,
                      buf,
                      cursor.keyOffset,
                      cursor.keyLength,
                      cursor.valueOffset,
                      cursor.valueLength);
              if (!more || n >= maxRecords) {
                return true;
              }
            }
          }
          if (base + count >= end) {
            return true;
          }
        }
        pos += BatchDescriptor.alignedLength(length);
      }
      return true;
    } finally {
      if (s != null) {
        s.unpin();
      }
    }
  }

  @Override
  public long offsetForTimestamp(final String topic, final int partition, final long timestampMs) {
    final TopicState t = topic == null ? null : state.topicsByName.get(topic);
    if (t == null || partition < 0 || partition >= t.partitions.length) {
      return -1;
    }
    final PartitionState p = t.partitions[partition];
    final long end = p.highWatermark;
    final long start = p.startOffset;
    if (start >= end) {
      return -1;
    }
    final long i = p.index.ceilingByTimestamp(timestampMs);
    final long from = Math.max(p.index.first(), i - 1);
    final long position = from < p.index.count() ? p.index.positionAt(from) : -1;
    if (position < 0) {
      return -1;
    }
    final long[] found = {-1};
    try {
      scan(
          t.id,
          partition,
          position,
          Math.max(start, p.index.offsetAt(from)),
          end,
          1,
          Integer.MAX_VALUE,
          Math.max(0, timestampMs),
          (offset, ts, b, ko, kl, vo, vl) -> {
            found[0] = offset;
            return false;
          });
    } catch (final IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return found[0];
  }

  // ---- topics and offsets -------------------------------------------------------------------

  private void submit(final ControlCommand c) {
    if (closed || failure.get() != null) {
      if (c.listener != null) {
        c.listener.onComplete(TopicStatus.STORAGE_FAILED, null);
      }
      return;
    }
    if (controlsQueued.incrementAndGet() > MAX_PENDING_CONTROLS) {
      controlsQueued.decrementAndGet();
      if (c.listener != null) {
        c.listener.onComplete(TopicStatus.BACKPRESSURE, null);
      }
      return;
    }
    controls.add(c);
    writerIdle.wake();
  }

  ControlCommand pollControl() {
    final ControlCommand c = controls.poll();
    if (c != null) {
      controlsQueued.decrementAndGet();
    }
    return c;
  }

  @Override
  public void createTopic(
      final String name,
      final TopicConfig config,
      final Durability durability,
      final TopicListener listener) {
    Objects.requireNonNull(name, "name");
    if (config.partitions() < 1 || config.partitions() > MAX_PARTITIONS) {
      throw new IllegalArgumentException("partitions must be in [1, " + MAX_PARTITIONS + "]");
    }
    submit(
        new ControlCommand(
            ControlCommand.Op.CREATE, name, config, null, null, -1, 0, durability, listener, null));
  }

  @Override
  public void updateTopicAttributes(
      final String name,
      final Map<String, String> attributes,
      final Durability durability,
      final TopicListener listener) {
    submit(
        new ControlCommand(
            ControlCommand.Op.UPDATE_ATTRIBUTES,
            Objects.requireNonNull(name, "name"),
            null,
            Map.copyOf(attributes),
            null,
            -1,
            0,
            durability,
            listener,
            null));
  }

  @Override
  public void deleteTopic(
      final String name, final Durability durability, final TopicListener listener) {
    submit(
        new ControlCommand(
            ControlCommand.Op.DELETE,
            Objects.requireNonNull(name, "name"),
            null,
            null,
            null,
            -1,
            0,
            durability,
            listener,
            null));
  }

  @Override
  public TopicDescription describeTopic(final String name) {
    final TopicState t = name == null ? null : state.topicsByName.get(name);
    return t == null ? null : t.describe();
  }

  @Override
  public List<TopicDescription> listTopics() {
    final TreeMap<String, TopicDescription> sorted = new TreeMap<>();
    for (final TopicState t : state.topicsByName.values()) {
      sorted.put(t.name, t.describe());
    }
    return List.copyOf(new ArrayList<>(sorted.values()));
  }

  @Override
  public void commitOffset(
      final String group,
      final String topic,
      final int partition,
      final long offset,
      final Durability durability,
      final TopicListener listener) {
    submit(
        new ControlCommand(
            ControlCommand.Op.COMMIT_OFFSET,
            Objects.requireNonNull(topic, "topic"),
            null,
            null,
            Objects.requireNonNull(group, "group"),
            partition,
            offset,
            durability,
            listener,
            null));
  }

  @Override
  public Map<Integer, Long> committedOffsets(final String group, final String topic) {
    final Map<Integer, Long> m = state.groupOffsets.get(ShardState.groupKey(group, topic));
    return m == null ? Map.of() : Map.copyOf(new TreeMap<>(m));
  }

  @Override
  public void addPartitionObserver(final PartitionObserver observer) {
    synchronized (this) {
      final PartitionObserver[] next = Arrays.copyOf(observers, observers.length + 1);
      next[observers.length] = Objects.requireNonNull(observer);
      observers = next;
    }
  }

  // ---- replication ---------------------------------------------------------------------------

  boolean isTruncationThread() {
    return writerThread.isCurrentThread();
  }

  @Override
  public long lastLogIndex() {
    return lastLogIndex;
  }

  @Override
  public long lastTerm() {
    return lastTerm;
  }

  /** Writer thread writes after each batch; any thread reads. */
  volatile long lastLogIndex;

  volatile long lastTerm;

  @Override
  public void currentTerm(final long term) {
    this.term = term;
  }

  /**
   * Idle strategies of the writer and sync threads: they park when idle (next to no CPU) and
   * whoever hands them work wakes them: callers after claiming ring space or queueing a command,
   * the writer after publishing, the Raft thread after advancing the commit index.
   */
  final WakeableIdle writerIdle;

  final WakeableIdle syncIdle;

  /** Called after new batches are written and after the durable index advances (Raft thread). */
  volatile Runnable replicationWakeup = () -> {};

  @Override
  public void onLogProgress(final Runnable wakeup) {
    replicationWakeup = wakeup;
  }

  /** Raft thread writes: the term this node leads in, 0 when it does not lead. */
  volatile long leaderTerm;

  /** Raft thread writes (monotonic); sync thread reads: the Raft commit index. */
  volatile long commitIndex;

  /** Seqlock over {@code durIndex} and {@code durTerm}; odd while the sync thread writes. */
  private final java.util.concurrent.atomic.AtomicLong durableSeq =
      new java.util.concurrent.atomic.AtomicLong();

  private long durIndex;
  private long durTerm;

  /** Sync thread: the last log index (and its term) whose batch is durable. */
  void publishDurableIndex(final long index, final long term) {
    final long seq = durableSeq.get();
    durableSeq.setRelease(seq + 1);
    java.lang.invoke.VarHandle.storeStoreFence();
    durIndex = index;
    durTerm = term;
    durableSeq.setRelease(seq + 2);
  }

  @Override
  public void durableIndex(final IndexSink sink) {
    while (true) {
      final long seq = durableSeq.getAcquire();
      if ((seq & 1) == 0) {
        final long index = durIndex;
        final long term = durTerm;
        java.lang.invoke.VarHandle.acquireFence();
        if (durableSeq.get() == seq) {
          sink.accept(index, term);
          return;
        }
      }
      Thread.onSpinWait();
    }
  }

  @Override
  public void lead(final long term) {
    if (term <= 0) {
      throw new IllegalArgumentException("term " + term);
    }
    leaderTerm = term;
    submitReplica(
        new ControlCommand(
            ControlCommand.Op.LEAD,
            null,
            null,
            null,
            null,
            -1,
            term,
            Durability.LOCAL,
            null,
            null));
  }

  @Override
  public void fence() {
    leaderTerm = 0;
  }

  @Override
  public void commit(final long logIndex) {
    if (logIndex > commitIndex) {
      commitIndex = logIndex;
      syncIdle.wake();
    }
  }

  @Override
  public long startPosition() {
    return log.table().firstNumber * log.segmentBytes;
  }

  @Override
  public long appendedPosition() {
    return log.appendPosition.getAcquire();
  }

  /** Sees one batch header during {@link #walkHeaders}; returns false to stop before it. */
  @FunctionalInterface
  interface HeaderVisitor {
    boolean visit(UnsafeBuffer buffer, int offset, long position);
  }

  /**
   * Walks the batch headers from {@code from} up to the append position, skipping the zero tail of
   * each segment and pinning each segment while it is read.
   *
   * @return the position of the batch the visitor stopped before, or the end; -1 if a segment on
   *     the way is no longer present (retention)
   */
  long walkHeaders(final long from, final HeaderVisitor visitor) throws IOException {
    final long end = log.appendPosition.getAcquire();
    long pos = from;
    Segment s = null;
    try {
      while (pos < end) {
        if (s == null || pos >= s.endPosition()) {
          if (s != null) {
            s.unpin();
            s = null;
          }
          final Segment next = log.segmentFor(pos);
          if (next == null || !next.pin()) {
            return -1;
          }
          s = next;
        }
        final UnsafeBuffer buf = s.readBuffer();
        final int o = (int) (pos - s.basePosition());
        if (o + BatchDescriptor.HEADER_LENGTH > s.lengthBytes() || BatchDescriptor.isEnd(buf, o)) {
          pos = s.endPosition();
          continue;
        }
        if (!visitor.visit(buf, o, pos)) {
          return pos;
        }
        pos += BatchDescriptor.alignedLength(BatchDescriptor.length(buf, o));
      }
      return pos;
    } finally {
      if (s != null) {
        s.unpin();
      }
    }
  }

  @Override
  public long scan(final long fromPosition, final int limit, final BatchSink sink)
      throws IOException {
    final int[] visited = {0};
    final long pos =
        walkHeaders(
            fromPosition,
            (buf, o, position) -> {
              if (visited[0] == limit) {
                return false;
              }
              visited[0]++;
              sink.onBatch(
                  BatchDescriptor.logIndex(buf, o),
                  BatchDescriptor.term(buf, o),
                  BatchDescriptor.type(buf, o),
                  position,
                  BatchDescriptor.length(buf, o));
              return true;
            });
    if (pos < 0) {
      throw new IOException("log position " + fromPosition + " is no longer present");
    }
    return pos;
  }

  @Override
  public long positionOf(final long logIndex) throws IOException {
    if (logIndex < 1 || logIndex > lastLogIndex) {
      return -1;
    }
    final long start = startPosition();
    final PartitionIndex li = state.logIndexIndex;
    final long i = li.floorByOffset(logIndex);
    final long from = Math.max(start, i >= 0 ? li.positionAt(i) : start);
    // stops at the batch with the index, or at the first beyond it (retention removed it)
    final long[] found = {-1};
    walkHeaders(
        from,
        (buf, o, position) -> {
          final long index = BatchDescriptor.logIndex(buf, o);
          if (index == logIndex) {
            found[0] = position;
          }
          return index < logIndex;
        });
    return found[0];
  }

  @Override
  public void copy(final long position, final java.nio.ByteBuffer dst) throws IOException {
    final Segment s = log.segmentFor(position);
    if (s == null || !s.pin()) {
      throw new IOException("log position " + position + " is no longer present");
    }
    try {
      final int o = (int) (position - s.basePosition());
      final int n = dst.remaining();
      if (o + n > s.lengthBytes()) {
        throw new IOException("copy of " + n + " bytes at " + position + " crosses its segment");
      }
      s.readBuffer().getBytes(o, dst, n);
    } finally {
      s.unpin();
    }
  }

  @Override
  public CompletableFuture<Long> appendEncoded(
      final org.agrona.DirectBuffer buffer, final int offset, final int length) {
    final byte[] bytes = new byte[length];
    buffer.getBytes(offset, bytes);
    final CompletableFuture<Object> f = new CompletableFuture<>();
    final ControlCommand c =
        new ControlCommand(
            ControlCommand.Op.APPEND_ENCODED,
            null,
            null,
            null,
            null,
            -1,
            0,
            Durability.LOCAL,
            null,
            f);
    c.payload = bytes;
    submitReplica(c);
    return f.thenApply(o -> (Long) o);
  }

  @Override
  public CompletableFuture<Void> truncateAfter(final long logIndex) {
    final CompletableFuture<Object> f = new CompletableFuture<>();
    submitReplica(
        new ControlCommand(
            ControlCommand.Op.TRUNCATE,
            null,
            null,
            null,
            null,
            -1,
            logIndex,
            Durability.LOCAL,
            null,
            f));
    return f.thenApply(o -> null);
  }

  @Override
  public SnapshotSource snapshotSource(final long logIndex) throws IOException {
    final long pos = positionOf(logIndex);
    if (pos < 0) {
      throw new IOException("log index " + logIndex + " is not in the log");
    }
    final long[] found = {-1, 0};
    walkHeaders(
        pos,
        (buf, o, position) -> {
          found[0] = position + BatchDescriptor.alignedLength(BatchDescriptor.length(buf, o));
          found[1] = BatchDescriptor.term(buf, o);
          return false;
        });
    if (found[0] < 0) {
      throw new IOException("log index " + logIndex + " could not be read");
    }
    final long end = found[0];
    final long start = startPosition();
    byte[] checkpoint = null;
    // Under the I/O lock: the housekeeper neither rotates checkpoints nor deletes the chunk files
    // they refer to while they are read.
    synchronized (housekeeper.ioLock) {
      checkpoint = readCheckpointFor(start, end);
    }
    if (checkpoint == null) {
      if (start != 0) {
        throw new IOException(
            "no checkpoint at or before position "
                + end
                + " yet (the log starts at "
                + start
                + ")");
      }
      checkpoint = new byte[0];
    }
    return new SnapshotSource(logIndex, found[1], start, end, log.segmentBytes, checkpoint);
  }

  /** The newest checkpoint in {@code [start, end]}, self-contained, or null. */
  private byte[] readCheckpointFor(final long start, final long end) {
    for (final String name : new String[] {Checkpoints.CURRENT, Checkpoints.PREVIOUS}) {
      final Path file = shardDir.resolve(name);
      try {
        final ShardState.Restored r = Checkpoints.read(file, state.indexIntervalBytes);
        if (r.position() <= end && r.position() >= start && r.segmentBytes() == log.segmentBytes) {
          // self-contained for the receiver: the indexes inline, not in this node's chunk files
          return r.state().snapshot(r.position(), r.segmentBytes()).toInlineBytes();
        }
      } catch (final java.nio.file.NoSuchFileException gone) {
        // rotated or never written
      } catch (final IOException | RuntimeException damaged) {
        LOG.warn("checkpoint {} not usable for a snapshot: {}", file, damaged.toString());
      }
    }
    return null;
  }

  @Override
  public SnapshotInstall beginInstall(
      final long logIndex,
      final long startPosition,
      final long endPosition,
      final int segmentBytes,
      final int checkpointLength)
      throws IOException {
    if (config.quorumIsLocal()) {
      throw new IllegalStateException("a snapshot installs only in cluster mode");
    }
    if (segmentBytes != log.segmentBytes) {
      throw new IOException(
          "the leader's segments are "
              + segmentBytes
              + " bytes, this shard's "
              + log.segmentBytes
              + ": every node of a cluster needs the same segment size");
    }
    return new SnapshotStage(
        this, shardDir, logIndex, startPosition, endPosition, segmentBytes, checkpointLength);
  }

  /** Hands a complete, durable stage to the writer, which swaps it in. */
  CompletableFuture<Long> install(final SnapshotStage stage) {
    final CompletableFuture<Object> f = new CompletableFuture<>();
    final ControlCommand c =
        new ControlCommand(
            ControlCommand.Op.INSTALL,
            null,
            null,
            null,
            null,
            -1,
            stage.logIndex(),
            Durability.LOCAL,
            null,
            f);
    c.stage = stage;
    submitReplica(c);
    return f.thenApply(o -> (Long) o);
  }

  private void submitReplica(final ControlCommand c) {
    if (closed || failure.get() != null) {
      if (c.future == null) {
        return;
      }
      c.future.completeExceptionally(new IOException("engine closed or failed: " + failure.get()));
      return;
    }
    controlsQueued.incrementAndGet();
    controls.add(c);
    writerIdle.wake();
  }

  // ---- health and metrics -------------------------------------------------------------------

  @Override
  public boolean isHealthy() {
    return failure.get() == null;
  }

  @Override
  public String failureReason() {
    return failure.get();
  }

  @Override
  public String diskProblem() {
    return diskProblem;
  }

  /** Marks storage failed (fsyncgate): no acknowledgement after this. First reason wins. */
  void fail(final String reason) {
    if (failure.compareAndSet(null, reason)) {
      LOG.error("storage failed, the node stops acknowledging writes: {}", reason);
      onFailure.accept(reason);
    }
  }

  /**
   * Told once, on the failing thread, when this shard fails: a node of several shards fails them
   * all (a failed flush is fatal for the node, not for one shard).
   */
  volatile java.util.function.Consumer<String> onFailure = reason -> {};

  void reportDiskProblem(final String problem) {
    if (!problem.equals(diskProblem)) {
      LOG.error("append refused: {}", problem);
    }
    diskProblem = problem;
  }

  @Override
  public EngineMetrics metrics() {
    return metrics;
  }

  private final class Metrics implements EngineMetrics {
    @Override
    public long appendedRecords() {
      return appendedRecords;
    }

    @Override
    public long appendedBytes() {
      return appendedBytes;
    }

    @Override
    public long flushes() {
      return sync.flushes;
    }

    @Override
    public long flushedRecords() {
      return sync.flushedRecords;
    }

    @Override
    public long ingressDepth() {
      return Math.max(0, admitted.sum() - appendedRecordsDrained());
    }

    @Override
    public long segmentsCreatedByWriter() {
      return writer.segmentsCreated;
    }
  }

  /** Writer thread writes: ingress messages taken off the ring. */
  volatile long drained;

  private long appendedRecordsDrained() {
    return drained;
  }

  // ---- lifecycle ----------------------------------------------------------------------------

  @Override
  public long durablePosition() {
    return log.durablePosition.get();
  }

  @Override
  public long appendPosition() {
    return log.appendPosition.get();
  }

  @Override
  public String recoverySummary() {
    return "tail "
        + recovery.tailStart()
        + ".."
        + recovery.end()
        + (recovery.fromCheckpoint() ? " from checkpoint" : " from log start")
        + (recovery.tornTail() ? ", torn tail truncated" : "");
  }

  /** Bytes recovery replayed on open (the tail after the checkpoint). */
  public long recoveredTailBytes() {
    return recovery.scannedBytes();
  }

  /** True if recovery started from a checkpoint. */
  public boolean recoveredFromCheckpoint() {
    return recovery.fromCheckpoint();
  }

  /** Waits until the writer has taken a consistent snapshot; for tests and tools. */
  byte[] snapshotNow(final long timeoutMs)
      throws InterruptedException, ExecutionException, TimeoutException {
    final CompletableFuture<Object> f = new CompletableFuture<>();
    controls.add(
        new ControlCommand(
            ControlCommand.Op.SNAPSHOT, null, null, null, null, -1, 0, null, null, f));
    return ((ShardState.Snapshot) f.get(timeoutMs, TimeUnit.MILLISECONDS)).toBytes();
  }

  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    boolean stopped = writerThread.stop(15_000);
    stopped &= syncThread.stop(15_000);
    stopped &= housekeeperThread.stop(15_000);
    // The final checkpoint uses the writer's state and the housekeeper's chunk file: only once
    // both threads are gone (otherwise recovery replays the tail, as after a crash).
    if (failure.get() == null && stopped) {
      try {
        final long end = log.appendPosition.get();
        if (log.durablePosition.get() >= end) {
          Checkpoints.write(shardDir, state.snapshot(end, log.segmentBytes), housekeeper.chunks);
          housekeeper.writeMark(end);
        }
      } catch (final IOException | RuntimeException e) {
        LOG.warn("final checkpoint not written: {}", e.toString());
      }
    }
    housekeeper.closeMark();
    log.closeAll();
    if (lock != null) {
      lock.release();
    }
  }
}
