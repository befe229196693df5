package io.stele.engine.internal;

import io.stele.engine.TopicConfig;
import io.stele.engine.format.BatchDescriptor;
import io.stele.engine.format.ControlCodec;
import io.stele.engine.format.Utf8;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32C;
import org.agrona.DirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;

/**
 * The state a shard log implies: topics, partition offsets and indexes, producer and
 * stream-sequence state, consumer-group offsets, the next log index. Changed only by {@link #apply}
 * — by the writer thread after it writes a batch, and by recovery as it replays batches — so that
 * what recovery rebuilds is exactly what the writer had. Snapshots of it are the checkpoints.
 */
final class ShardState {
  static final long CHECKPOINT_MAGIC = 0x5354454C45434B50L; // "STELECKP"
  static final int CHECKPOINT_VERSION = 2;

  /** Any thread reads; the writer thread writes. */
  final ConcurrentHashMap<String, TopicState> topicsByName = new ConcurrentHashMap<>();

  /** Writer thread only. */
  final Int2ObjectHashMap<TopicState> topicsById = new Int2ObjectHashMap<>();

  /** Consumer-group offsets by "group NUL topic": writer thread writes, any thread reads. */
  final ConcurrentHashMap<String, ConcurrentHashMap<Integer, Long>> groupOffsets =
      new ConcurrentHashMap<>();

  /**
   * Sparse (log index, position) index of the shard log, for truncation and for finding a batch by
   * log index. Writer thread; replaced whole when a truncation rebuilds the state.
   */
  volatile PartitionIndex logIndexIndex = new PartitionIndex();

  final int indexIntervalBytes;

  /** Writer thread: log index of the next batch. */
  long nextLogIndex = 1;

  /** Writer thread: term of the last batch. */
  long lastTerm;

  /** Writer thread: id for the next created topic. */
  int nextTopicId = 1;

  /** Writer thread: log bytes since the last log-index index entry. */
  long bytesSinceLogIndexEntry = Long.MAX_VALUE / 2;

  ShardState(final int indexIntervalBytes) {
    this.indexIntervalBytes = indexIntervalBytes;
  }

  /**
   * Log bytes between entries of the log-index index: 16 partition intervals (64 KiB by default).
   * Finding a batch by log index (truncation, reading entries for a follower) walks at most that
   * many bytes of headers; the index costs 0.05% of the log instead of 0.8%.
   */
  int logIndexIntervalBytes() {
    return indexIntervalBytes * 16;
  }

  /** Key of the log-index index in index chunk files. */
  static final long LOG_INDEX_KEY = -1;

  /** Key of a partition's index in index chunk files. */
  static long indexKey(final int topicId, final int partition) {
    return ((long) topicId << 32) | (partition & 0xFFFFFFFFL);
  }

  static String groupKey(final String group, final String topic) {
    return group + '\u0000' + topic;
  }

  /**
   * Applies an intact batch (already CRC-checked) at log {@code position}.
   *
   * @param producerId the batch's producer id if the caller already decoded it, else null
   * @param streamSeq the batch's stream-sequence token if already decoded, else null
   * @throws IllegalStateException if the batch is inconsistent with the state (wrong log index or
   *     partition offset)
   */
  void apply(
      final DirectBuffer b,
      final int o,
      final long position,
      final String producerId,
      final String streamSeq) {
    final long logIndex = BatchDescriptor.logIndex(b, o);
    if (logIndex != nextLogIndex) {
      throw new IllegalStateException(
          "log index " + logIndex + " at position " + position + ", expected " + nextLogIndex);
    }
    final int aligned = BatchDescriptor.alignedLength(BatchDescriptor.length(b, o));
    final int topicId = BatchDescriptor.topicId(b, o);
    final int partition = BatchDescriptor.partition(b, o);
    if (BatchDescriptor.type(b, o) == BatchDescriptor.TYPE_DATA) {
      final TopicState t = topicsById.get(topicId);
      if (t != null) {
        if (partition < 0 || partition >= t.partitions.length) {
          throw new IllegalStateException(
              "partition " + partition + " of topic " + t.name + " at position " + position);
        }
        applyData(b, o, position, aligned, t.partitions[partition], producerId, streamSeq);
      }
    } else {
      final int from = BatchDescriptor.recordsOffset(b, o);
      final ControlCodec.Control c =
          ControlCodec.decode(b, from, BatchDescriptor.recordsLength(b, o));
      if (c == null) {
        throw new IllegalStateException("malformed control batch at position " + position);
      }
      applyControl(c, topicId, partition);
    }
    if (bytesSinceLogIndexEntry >= logIndexIntervalBytes()) {
      logIndexIndex.add(logIndex, position, 0, 0);
      bytesSinceLogIndexEntry = 0;
    }
    bytesSinceLogIndexEntry += aligned;
    lastTerm = BatchDescriptor.term(b, o);
    nextLogIndex = logIndex + 1;
  }

  private void applyData(
      final DirectBuffer b,
      final int o,
      final long position,
      final int aligned,
      final PartitionState p,
      final String producerIdIn,
      final String streamSeqIn) {
    final long base = BatchDescriptor.baseOffset(b, o);
    if (base != p.nextOffset) {
      throw new IllegalStateException(
          "base offset "
              + base
              + " of "
              + p.topic.name
              + "/"
              + p.partition
              + " at position "
              + position
              + ", expected "
              + p.nextOffset);
    }
    final int count = BatchDescriptor.recordCount(b, o);
    final long maxTs = Math.max(p.maxTimestamp, BatchDescriptor.maxTimestamp(b, o));
    if (p.index.count() == 0 || p.totalBytes - p.bytesAtLastIndex >= indexIntervalBytes) {
      p.index.add(base, position, maxTs, p.totalBytes);
      p.bytesAtLastIndex = p.totalBytes;
    }
    p.maxTimestamp = maxTs;
    p.nextOffset = base + count;
    p.totalBytes += aligned;
    final int pidLen = BatchDescriptor.producerIdLength(b, o);
    final long epoch = BatchDescriptor.producerEpoch(b, o);
    if (pidLen > 0 && epoch >= 0) {
      final String pid =
          producerIdIn != null
              ? producerIdIn
              : Utf8.get(b, o + BatchDescriptor.HEADER_LENGTH, pidLen);
      final long seq = BatchDescriptor.producerSeq(b, o);
      final ProducerState ps = p.producers.get(pid);
      if (ps == null) {
        p.producers.put(pid, new ProducerState(epoch, seq, base));
      } else {
        ps.epoch = epoch;
        ps.seq = seq;
        ps.baseOffset = base;
      }
    }
    final int ssLen = BatchDescriptor.streamSeqLength(b, o);
    if (ssLen > 0) {
      p.lastStreamSeq =
          streamSeqIn != null
              ? streamSeqIn
              : Utf8.get(b, BatchDescriptor.streamSeqOffset(b, o), ssLen);
    }
  }

  private void applyControl(final ControlCodec.Control c, final int topicId, final int partition) {
    switch (c.op()) {
      case ControlCodec.OP_CREATE_TOPIC -> {
        final TopicState t =
            new TopicState(
                topicId,
                c.name(),
                new TopicConfig(
                    c.partitions(), c.retentionMs(), c.retentionBytes(), c.attributes()));
        final TopicState old = topicsByName.get(c.name());
        if (old != null) {
          removeTopic(old);
        }
        topicsById.put(topicId, t);
        topicsByName.put(t.name, t);
        nextTopicId = Math.max(nextTopicId, topicId + 1);
      }
      case ControlCodec.OP_UPDATE_ATTRIBUTES -> {
        final TopicState t = topicsById.get(topicId);
        if (t != null) {
          final TopicConfig old = t.config;
          t.setConfig(
              new TopicConfig(
                  old.partitions(), old.retentionMs(), old.retentionBytes(), c.attributes()));
        }
      }
      case ControlCodec.OP_DELETE_TOPIC -> {
        final TopicState t = topicsById.get(topicId);
        if (t != null) {
          removeTopic(t);
        }
      }
      case ControlCodec.OP_COMMIT_OFFSET -> {
        final TopicState t = topicsById.get(topicId);
        if (t != null) {
          groupOffsets
              .computeIfAbsent(groupKey(c.group(), t.name), k -> new ConcurrentHashMap<>())
              .put(partition, c.offset());
        }
      }
      case ControlCodec.OP_RAFT -> {
        // a Raft no-op or membership entry: nothing for the engine to apply
      }
      default -> throw new IllegalStateException("unknown control op " + c.op());
    }
  }

  private void removeTopic(final TopicState t) {
    t.deleted = true;
    topicsById.remove(t.id);
    topicsByName.remove(t.name, t);
    final String suffix = '\u0000' + t.name;
    groupOffsets.keySet().removeIf(k -> k.endsWith(suffix));
  }

  /**
   * Writer thread, during truncation: takes over another state's content (rebuilt as of the cut).
   * Readers holding old topic objects see them frozen; new lookups see the rebuilt ones.
   */
  void replaceWith(final ShardState o) {
    for (final TopicState t : topicsByName.values()) {
      if (!o.topicsByName.containsKey(t.name) || o.topicsByName.get(t.name).id != t.id) {
        t.deleted = true;
      }
    }
    topicsById.clear();
    o.topicsById.forEach(topicsById::put);
    topicsByName.keySet().retainAll(o.topicsByName.keySet());
    topicsByName.putAll(o.topicsByName);
    groupOffsets.keySet().retainAll(o.groupOffsets.keySet());
    groupOffsets.putAll(o.groupOffsets);
    logIndexIndex = o.logIndexIndex;
    nextLogIndex = o.nextLogIndex;
    lastTerm = o.lastTerm;
    nextTopicId = Math.max(nextTopicId, o.nextTopicId);
    bytesSinceLogIndexEntry = o.bytesSinceLogIndexEntry;
  }

  /** Marks everything recovered as visible (recovery has made it durable). */
  void publishAllAsDurable() {
    for (final TopicState t : topicsByName.values()) {
      for (final PartitionState p : t.partitions) {
        p.highWatermark = p.nextOffset;
      }
    }
  }

  // ---- checkpoints --------------------------------------------------------------------------

  /**
   * Captures the state as of log {@code position} (a batch boundary) for a checkpoint. Writer
   * thread. The small state (topics, partition counters, producers, consumer-group offsets) is
   * serialized here; the indexes are captured as views in O(1) and serialized by whoever writes the
   * checkpoint (the housekeeping thread), so the writer's cost does not grow with the log.
   */
  Snapshot snapshot(final long position, final int segmentBytes) {
    try {
      final ByteArrayOutputStream bytes = new ByteArrayOutputStream(1024);
      final DataOutputStream out = new DataOutputStream(bytes);
      out.writeLong(CHECKPOINT_MAGIC);
      out.writeInt(CHECKPOINT_VERSION);
      out.writeLong(position);
      out.writeInt(segmentBytes);
      out.writeLong(nextLogIndex);
      out.writeLong(lastTerm);
      out.writeInt(nextTopicId);
      out.writeLong(bytesSinceLogIndexEntry);
      final TreeMap<Integer, TopicState> topics = new TreeMap<>();
      topicsById.forEach(topics::put);
      int indexes = 1;
      for (final TopicState t : topics.values()) {
        indexes += t.partitions.length;
      }
      final PartitionIndex.View[] views = new PartitionIndex.View[indexes];
      final long[] keys = new long[indexes];
      views[0] = logIndexIndex.view();
      keys[0] = LOG_INDEX_KEY;
      int v = 1;
      out.writeInt(topics.size());
      for (final TopicState t : topics.values()) {
        final TopicConfig c = t.config;
        out.writeInt(t.id);
        writeString(out, t.name);
        out.writeInt(c.partitions());
        out.writeLong(c.retentionMs());
        out.writeLong(c.retentionBytes());
        writeMap(out, c.attributes());
        for (final PartitionState p : t.partitions) {
          out.writeLong(p.nextOffset);
          out.writeLong(p.totalBytes);
          out.writeLong(p.bytesAtLastIndex);
          out.writeLong(p.maxTimestamp);
          out.writeLong(p.startOffset);
          out.writeBoolean(p.lastStreamSeq != null);
          if (p.lastStreamSeq != null) {
            writeString(out, p.lastStreamSeq);
          }
          out.writeInt(p.producers.size());
          for (final Map.Entry<String, ProducerState> e : new TreeMap<>(p.producers).entrySet()) {
            writeString(out, e.getKey());
            out.writeLong(e.getValue().epoch);
            out.writeLong(e.getValue().seq);
            out.writeLong(e.getValue().baseOffset);
          }
          keys[v] = indexKey(t.id, p.partition);
          views[v++] = p.index.view();
        }
      }
      final TreeMap<String, Map<Integer, Long>> offsets = new TreeMap<>();
      groupOffsets.forEach((k, m) -> offsets.put(k, new TreeMap<>(m)));
      out.writeInt(offsets.size());
      for (final Map.Entry<String, Map<Integer, Long>> e : offsets.entrySet()) {
        writeString(out, e.getKey());
        out.writeInt(e.getValue().size());
        for (final Map.Entry<Integer, Long> o : e.getValue().entrySet()) {
          out.writeInt(o.getKey());
          out.writeLong(o.getValue());
        }
      }
      out.flush();
      return new Snapshot(position, bytes.toByteArray(), views, keys);
    } catch (final IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A checkpoint captured by {@link #snapshot}: serialized as the small state, then the indexes:
   * their count, the generation of the chunk file the references point into (-1: none), and per
   * index (first, count), the number of whole chunks referred to in the chunk file with their
   * (offset, CRC32C), and the remaining entries as four columns; then a CRC32C of all that. Index
   * views are immutable, so any thread may serialize it, any number of times; without {@link
   * #setRefs} (e.g. for a copy sent to another node) every entry is inline.
   */
  static final class Snapshot {
    private static final int PIECE = 1 << 20;

    final long position;
    private final byte[] head;
    private final PartitionIndex.View[] indexes;
    private final long[] keys;
    private final IndexChunks.Ref[][] refs;
    private long chunkGeneration = -1;

    Snapshot(
        final long position,
        final byte[] head,
        final PartitionIndex.View[] indexes,
        final long[] keys) {
      this.position = position;
      this.head = head;
      this.indexes = indexes;
      this.keys = keys;
      this.refs = new IndexChunks.Ref[indexes.length][];
    }

    int indexCount() {
      return indexes.length;
    }

    PartitionIndex.View index(final int i) {
      return indexes[i];
    }

    long key(final int i) {
      return keys[i];
    }

    void setRefs(final int i, final IndexChunks.Ref[] r) {
      refs[i] = r;
    }

    void setChunkGeneration(final long generation) {
      chunkGeneration = generation;
    }

    private int refCount(final int i) {
      return chunkGeneration < 0 || refs[i] == null ? 0 : refs[i].length;
    }

    /** The same snapshot with every entry inline (self-contained). */
    byte[] toInlineBytes() {
      return new Snapshot(position, head, indexes, keys).toBytes();
    }

    /** Size of the serialized checkpoint in bytes. */
    long size() {
      long n = head.length + 4L + 8L + 4L;
      for (int i = 0; i < indexes.length; i++) {
        final PartitionIndex.View v = indexes[i];
        final int r = refCount(i);
        n += 20 + 12L * r;
        n +=
            8L * PartitionIndex.COLUMNS * (v.count() - v.first() - (long) r * PartitionIndex.CHUNK);
      }
      return n;
    }

    /** Writes the checkpoint at the channel's position, through {@code piece} (cleared first). */
    void writeTo(final FileChannel ch, final ByteBuffer piece) throws IOException {
      serialize(
          piece.clear(),
          b -> {
            while (b.hasRemaining()) {
              ch.write(b);
            }
          });
    }

    byte[] toBytes() {
      final long size = size();
      if (size > Integer.MAX_VALUE - 16) {
        throw new IllegalStateException("checkpoint of " + size + " bytes does not fit an array");
      }
      final byte[] out = new byte[(int) size];
      final int[] at = {0};
      try {
        serialize(
            ByteBuffer.allocate((int) Math.min(size, PIECE)),
            b -> {
              final int n = b.remaining();
              b.get(out, at[0], n);
              at[0] += n;
            });
      } catch (final IOException e) {
        throw new IllegalStateException(e);
      }
      return out;
    }

    private interface Drain {
      void drain(ByteBuffer filled) throws IOException;
    }

    private void serialize(final ByteBuffer buf, final Drain drain) throws IOException {
      final CRC32C crc = new CRC32C();
      int h = 0;
      while (h < head.length) {
        final int n = Math.min(buf.remaining(), head.length - h);
        buf.put(head, h, n);
        h += n;
        if (!buf.hasRemaining()) {
          spill(buf, crc, drain);
        }
      }
      room(buf, 12, crc, drain).putInt(indexes.length).putLong(chunkGeneration);
      for (int x = 0; x < indexes.length; x++) {
        final PartitionIndex.View v = indexes[x];
        final int r = refCount(x);
        room(buf, 20, crc, drain).putLong(v.first()).putLong(v.count()).putInt(r);
        for (int k = 0; k < r; k++) {
          room(buf, 12, crc, drain).putLong(refs[x][k].offset()).putInt(refs[x][k].crc());
        }
        final long first = v.first() + (long) r * PartitionIndex.CHUNK;
        for (int column = 0; column < PartitionIndex.COLUMNS; column++) {
          long i = first;
          while (i < v.count()) {
            room(buf, 8, crc, drain);
            final int n = (int) Math.min(buf.remaining() / 8, v.count() - i);
            v.copyColumn(column, i, n, buf.asLongBuffer());
            buf.position(buf.position() + n * 8);
            i += n;
          }
        }
      }
      spill(buf, crc, drain);
      buf.putInt((int) crc.getValue());
      buf.flip();
      drain.drain(buf);
      buf.clear();
    }

    private static ByteBuffer room(
        final ByteBuffer buf, final int bytes, final CRC32C crc, final Drain drain)
        throws IOException {
      if (buf.remaining() < bytes) {
        spill(buf, crc, drain);
      }
      return buf;
    }

    private static void spill(final ByteBuffer buf, final CRC32C crc, final Drain drain)
        throws IOException {
      buf.flip();
      crc.update(buf.duplicate());
      drain.drain(buf);
      buf.clear();
    }
  }

  /**
   * A restored checkpoint: the state and the log position it describes; {@code version} 2 and later
   * were written by an engine that keeps writes within {@link ShardLog#UNFLUSHED_LIMIT} of the
   * durable position.
   */
  record Restored(
      ShardState state, long position, int segmentBytes, int version, boolean indexesMissing) {}

  /** A chunk a checkpoint refers to is missing or damaged (the rest of it may be fine). */
  static final class ChunkException extends IOException {
    private static final long serialVersionUID = 1L;

    ChunkException(final String message, final Throwable cause) {
      super(message, cause);
    }
  }

  /** Parses a self-contained checkpoint (no references to chunk files). */
  static Restored restore(final byte[] data, final int indexIntervalBytes) throws IOException {
    return restore(ByteBuffer.wrap(data), indexIntervalBytes, null, true);
  }

  /**
   * Parses a checkpoint held in {@code data} (position to limit; a heap or mapped buffer). Versions
   * 1 (indexes inline, entry by entry) and 2 (indexes as columns after the state, loaded in bulk)
   * are read.
   *
   * @throws IOException if it is malformed or its CRC does not match
   */
  static Restored restore(
      final ByteBuffer data,
      final int indexIntervalBytes,
      final Path dir,
      final boolean withIndexes)
      throws IOException {
    final ByteBuffer in = data.slice().order(ByteOrder.BIG_ENDIAN);
    final int length = in.remaining();
    if (length < 16) {
      throw new IOException("checkpoint too short: " + length + " bytes");
    }
    final CRC32C crc = new CRC32C();
    crc.update(in.duplicate().limit(length - 4));
    if ((int) crc.getValue() != in.getInt(length - 4)) {
      throw new IOException("checkpoint CRC mismatch");
    }
    in.limit(length - 4);
    if (in.getLong() != CHECKPOINT_MAGIC) {
      throw new IOException("not a checkpoint (magic)");
    }
    final int version = in.getInt();
    if (version != 1 && version != CHECKPOINT_VERSION) {
      throw new IOException("unknown checkpoint version " + version);
    }
    final boolean inline = version == 1;
    final ShardState s = new ShardState(indexIntervalBytes);
    final long position = in.getLong();
    final int segmentBytes = in.getInt();
    s.nextLogIndex = in.getLong();
    s.lastTerm = in.getLong();
    s.nextTopicId = in.getInt();
    s.bytesSinceLogIndexEntry = in.getLong();
    if (inline) {
      addAll(s.logIndexIndex, readLongs(in), withIndexes);
    }
    final List<PartitionIndex> indexes = new ArrayList<>();
    final List<Long> keys = new ArrayList<>();
    indexes.add(s.logIndexIndex);
    keys.add(LOG_INDEX_KEY);
    final int topics = in.getInt();
    for (int i = 0; i < topics; i++) {
      final int id = in.getInt();
      final String name = readString(in);
      final int partitions = in.getInt();
      final long retentionMs = in.getLong();
      final long retentionBytes = in.getLong();
      final Map<String, String> attrs = readMap(in);
      if (partitions < 1 || partitions > in.remaining()) {
        throw new IOException("bad partition count in checkpoint");
      }
      final TopicState t =
          new TopicState(id, name, new TopicConfig(partitions, retentionMs, retentionBytes, attrs));
      for (final PartitionState p : t.partitions) {
        p.nextOffset = in.getLong();
        p.totalBytes = in.getLong();
        p.bytesAtLastIndex = in.getLong();
        p.maxTimestamp = in.getLong();
        p.startOffset = in.getLong();
        if ((in.get() != 0)) {
          p.lastStreamSeq = readString(in);
        }
        final int producers = in.getInt();
        for (int k = 0; k < producers; k++) {
          final String pid = readString(in);
          p.producers.put(pid, new ProducerState(in.getLong(), in.getLong(), in.getLong()));
        }
        if (inline) {
          addAll(p.index, readLongs(in), withIndexes);
        }
        indexes.add(p.index);
        keys.add(indexKey(id, p.partition));
      }
      s.topicsById.put(id, t);
      s.topicsByName.put(name, t);
    }
    final int groups = in.getInt();
    for (int i = 0; i < groups; i++) {
      final String key = readString(in);
      final int n = in.getInt();
      final ConcurrentHashMap<Integer, Long> m = new ConcurrentHashMap<>();
      for (int k = 0; k < n; k++) {
        m.put(in.getInt(), in.getLong());
      }
      s.groupOffsets.put(key, m);
    }
    if (!withIndexes) {
      in.position(in.limit()); // the CRC covered them; they are not used
    } else if (!inline) {
      if (in.getInt() != indexes.size()) {
        throw new IOException("checkpoint index count does not match its partitions");
      }
      final long generation = in.getLong();
      try (ChunkReader chunks = new ChunkReader(dir, generation)) {
        for (int x = 0; x < indexes.size(); x++) {
          final long first = in.getLong();
          final long count = in.getLong();
          final int refs = in.getInt();
          if (first < 0
              || first > count
              || refs < 0
              || (long) refs * PartitionIndex.CHUNK > count - first
              || refs > in.remaining() / 12) {
            throw new IOException("bad index range in checkpoint");
          }
          if (refs > 0 && generation < 0) {
            throw new IOException("checkpoint refers to index chunks but names no chunk file");
          }
          final long[] offsets = new long[refs];
          final int[] crcs = new int[refs];
          for (int k = 0; k < refs; k++) {
            offsets[k] = in.getLong();
            crcs[k] = in.getInt();
          }
          final long inlined = count - first - (long) refs * PartitionIndex.CHUNK;
          if (inlined > in.remaining() / (8L * PartitionIndex.COLUMNS)) {
            throw new IOException("bad index range in checkpoint");
          }
          final long key = keys.get(x);
          final long firstChunk = first >>> PartitionIndex.CHUNK_SHIFT;
          final int at = in.position();
          indexes
              .get(x)
              .load(
                  first,
                  count,
                  refs,
                  (chunk, into) -> {
                    final int k = (int) (chunk - firstChunk);
                    chunks.read(key, chunk, offsets[k], crcs[k], into);
                  },
                  in.asLongBuffer());
          in.position(at + (int) (inlined * 8 * PartitionIndex.COLUMNS));
        }
      }
    }
    if (in.remaining() != 0) {
      throw new IOException("trailing bytes in checkpoint");
    }
    return new Restored(s, position, segmentBytes, version, !withIndexes);
  }

  /** Reads chunks from one chunk file, opened at the first read. */
  private static final class ChunkReader implements AutoCloseable {
    private final Path dir;
    private final long generation;
    private FileChannel channel;
    private ByteBuffer scratch;

    ChunkReader(final Path dir, final long generation) {
      this.dir = dir;
      this.generation = generation;
    }

    void read(final long key, final long chunk, final long offset, final int crc, final long[] into)
        throws IOException {
      if (channel == null) {
        if (dir == null) {
          throw new IOException("a checkpoint referring to index chunks needs its directory");
        }
        try {
          channel =
              FileChannel.open(
                  dir.resolve(IndexChunks.fileName(generation)), StandardOpenOption.READ);
        } catch (final IOException e) {
          throw new ChunkException("index chunk file: " + e, e);
        }
        scratch = ByteBuffer.allocateDirect(IndexChunks.RECORD);
      }
      try {
        IndexChunks.read(channel, scratch, key, chunk, offset, crc, into);
      } catch (final IOException e) {
        throw new ChunkException(e.getMessage(), e);
      }
    }

    @Override
    public void close() throws IOException {
      if (channel != null) {
        channel.close();
      }
    }
  }

  private static void addAll(
      final PartitionIndex index, final long[] entries, final boolean withIndexes) {
    if (!withIndexes) {
      return;
    }
    for (int i = 0; i + 3 < entries.length; i += 4) {
      index.add(entries[i], entries[i + 1], entries[i + 2], entries[i + 3]);
    }
  }

  private static long[] readLongs(final ByteBuffer in) throws IOException {
    final int n = in.getInt();
    if (n < 0 || n > in.remaining() / 8) {
      throw new IOException("bad array length in checkpoint");
    }
    final long[] v = new long[n];
    in.asLongBuffer().get(v);
    in.position(in.position() + n * 8);
    return v;
  }

  private static void writeString(final DataOutputStream out, final String s) throws IOException {
    final byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }

  private static String readString(final ByteBuffer in) throws IOException {
    final int n = in.getInt();
    if (n < 0 || n > in.remaining()) {
      throw new IOException("bad string length in checkpoint");
    }
    final byte[] b = new byte[n];
    in.get(b);
    return new String(b, StandardCharsets.UTF_8);
  }

  private static void writeMap(final DataOutputStream out, final Map<String, String> m)
      throws IOException {
    final TreeMap<String, String> sorted = new TreeMap<>(m);
    out.writeInt(sorted.size());
    for (final Map.Entry<String, String> e : sorted.entrySet()) {
      writeString(out, e.getKey());
      writeString(out, e.getValue());
    }
  }

  private static Map<String, String> readMap(final ByteBuffer in) throws IOException {
    final int n = in.getInt();
    if (n < 0 || n > in.remaining()) {
      throw new IOException("bad map size in checkpoint");
    }
    final Map<String, String> m = new HashMap<>();
    for (int i = 0; i < n; i++) {
      m.put(readString(in), readString(in));
    }
    return m;
  }
}
