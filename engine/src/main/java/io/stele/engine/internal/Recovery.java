package io.stele.engine.internal;

import io.stele.engine.CorruptLogException;
import io.stele.engine.SegmentInit;
import io.stele.engine.format.BatchDescriptor;
import io.stele.engine.log.Segment;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.zip.CRC32C;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens a shard directory: loads the newest valid checkpoint (state and indexes as of a durable
 * position), then replays and validates only the tail after it, so the cost is O(tail), not O(log).
 * The tail ends at the first position without an intact batch. Before the durable point (the
 * checkpoint, the durable mark, or anywhere in a sealed segment) such a position is corruption and
 * recovery refuses to start; after it, it is a torn tail: the rest of the segment is zeroed (so no
 * stale batch can reappear after later appends), forced, and the log continues there.
 */
final class Recovery {
  private static final Logger LOG = LoggerFactory.getLogger(Recovery.class);

  /** What recovery found. */
  record Result(
      ShardLog log,
      ShardState state,
      long tailStart,
      long end,
      long durablePoint,
      boolean fromCheckpoint,
      boolean tornTail) {
    long scannedBytes() {
      return end - tailStart;
    }
  }

  private Recovery() {}

  static Result recover(
      final Path dir,
      final int configSegmentBytes,
      final int indexIntervalBytes,
      final SegmentInit segmentInit)
      throws IOException {
    Files.createDirectories(dir);
    if (SnapshotStage.readReady(dir) != null) {
      // A snapshot install was interrupted after its copy became durable: finish it. The old log's
      // mark says nothing about the new files (the checkpoint's position is the floor), so it goes
      // first, before any file moves: a crash in between must not leave it beside the new files.
      Files.deleteIfExists(dir.resolve(DurableMark.FILE));
      Segment.syncDirectory(dir);
      SnapshotStage.rollForward(dir);
      LOG.info("finished installing the snapshot staged in {}", dir.resolve(SnapshotStage.DIR));
    } else {
      SnapshotStage.rollForward(dir); // drops an incomplete staging directory, if any
    }
    final TreeMap<Long, Path> files = segmentFiles(dir);
    int segmentBytes = configSegmentBytes;
    if (!files.isEmpty()) {
      final long size = Files.size(files.firstEntry().getValue());
      if (size != configSegmentBytes) {
        LOG.info(
            "shard {} keeps its segment size of {} bytes (configured {})",
            dir,
            size,
            configSegmentBytes);
      }
      segmentBytes = (int) size;
    }
    final List<Segment> segments = openSegments(dir, files, segmentBytes);
    if (segments.isEmpty()) {
      Checkpoints.deleteAll(dir);
      segments.add(Segment.create(dir, 0, segmentBytes, segmentInit));
    }
    final ShardLog log =
        new ShardLog(dir, segmentBytes, segmentInit, segments.toArray(new Segment[0]));

    final StringBuilder problems = new StringBuilder();
    final ShardState.Restored restored = Checkpoints.readLatest(dir, indexIntervalBytes, problems);
    if (problems.length() > 0) {
      LOG.warn("damaged checkpoint ignored (rebuilding from the log): {}", problems);
    }
    final ShardState state;
    long p;
    long durablePoint = DurableMark.read(dir);
    boolean fromCheckpoint = false;
    final long firstBase = segments.get(0).basePosition();
    if (restored != null
        && restored.segmentBytes() == segmentBytes
        && restored.position() >= firstBase) {
      state = restored.state();
      p = restored.position();
      durablePoint = Math.max(durablePoint, p);
      fromCheckpoint = true;
      if (restored.indexesMissing()) {
        rebuildIndexes(log, state, p);
      }
    } else {
      if (firstBase != 0) {
        throw new CorruptLogException(
            "no valid checkpoint in "
                + dir
                + " and the log starts at position "
                + firstBase
                + " (older segments were deleted), so the state cannot be rebuilt: "
                + problems);
      }
      state = new ShardState(indexIntervalBytes);
      p = 0;
    }
    final long tailStart = p;

    final CRC32C crc = new CRC32C();
    boolean torn = false;
    while (true) {
      Segment s = log.segmentFor(p);
      if (s == null) {
        break;
      }
      final int off = (int) (p - s.basePosition());
      if (off >= s.lengthBytes()) {
        p = s.endPosition();
        continue;
      }
      final UnsafeBuffer buf = s.readBuffer();
      final ByteBuffer view = s.newReadView();
      final int r = BatchDescriptor.validate(buf, view, off, s.lengthBytes() - off, crc);
      if (r == BatchDescriptor.END) {
        if (s.isSealed() && log.segmentFor(s.endPosition()) != null) {
          p = s.endPosition();
          continue;
        }
        if (p < durablePoint && !s.isSealed()) {
          throw new CorruptLogException(
              "corrupt shard log: no batch at position "
                  + p
                  + " (file "
                  + s.path()
                  + ", offset "
                  + off
                  + ") although the log was durable up to "
                  + durablePoint
                  + "; refusing to start (run stele check --data-dir on it)");
        }
        break;
      }
      String why = null;
      if (r == BatchDescriptor.INVALID) {
        why = "fails its CRC or structure check";
      } else {
        try {
          state.apply(buf, off, p, null, null);
        } catch (final IllegalStateException e) {
          why = "is inconsistent: " + e.getMessage();
        }
      }
      if (why != null) {
        if (p < durablePoint || s.isSealed()) {
          throw new CorruptLogException(
              "corrupt shard log: the batch at position "
                  + p
                  + " (file "
                  + s.path()
                  + ", offset "
                  + off
                  + ") "
                  + why
                  + ", before the durable position "
                  + Math.max(durablePoint, s.isSealed() ? s.endPosition() : 0)
                  + "; refusing to start (run stele check --data-dir on it)");
        }
        torn = true;
        break;
      }
      p += BatchDescriptor.alignedLength(r);
    }
    final long end = p;

    // Make the end the active segment, clean everything after it.
    Segment active = log.segmentFor(end);
    if (active != null && active.isSealed()) {
      active = null;
    }
    if (active == null) {
      // The end is at (or past) the end of a sealed segment: start the next one.
      final long base = log.baseOf(log.numberOf(end - 1) + 1);
      final Segment existing = log.segmentFor(base);
      active = existing != null ? existing : log.createSegment(base);
      if (existing == null) {
        log.addSegment(active);
      }
    }
    final long appendFrom = Math.max(end, active.basePosition());
    final Segment[] later = log.removeFrom(log.numberOf(active.basePosition()) + 1);
    for (final Segment s : later) {
      s.delete();
    }
    final int from = (int) (appendFrom - active.basePosition());
    // Stray bytes (a torn write) can lie only within UNFLUSHED_LIMIT of the end when the files
    // were written by an engine that keeps that limit (a version 2 checkpoint says so); otherwise
    // the rest of the segment is checked.
    final boolean bounded = fromCheckpoint && restored.version() >= 2;
    final int checkTo =
        bounded
            ? (int) Math.min(active.lengthBytes(), from + ShardLog.UNFLUSHED_LIMIT)
            : active.lengthBytes();
    final int dirtyTo = lastNonZero(active.channel(), from, checkTo);
    if (dirtyTo > from) {
      LOG.warn(
          "shard {}: truncating torn tail at position {} ({} bytes after it zeroed)",
          dir,
          appendFrom,
          dirtyTo - from);
      torn = true;
      active.zero(from, dirtyTo);
    }
    active.force();
    Segment.syncDirectory(dir);
    log.setActive(active);
    log.appendPosition.set(appendFrom);
    log.durablePosition.set(appendFrom);
    state.publishAllAsDurable();
    LOG.info(
        "shard {} recovered: {} bytes of tail scanned from position {} ({}), end {}{}",
        dir,
        end - tailStart,
        tailStart,
        fromCheckpoint ? "checkpoint" : "log start",
        appendFrom,
        torn ? ", torn tail truncated" : "");
    return new Result(log, state, tailStart, appendFrom, durablePoint, fromCheckpoint, torn);
  }

  /**
   * Rebuilds the indexes of {@code state} — a checkpoint's state at log position {@code upTo} whose
   * index chunks were missing or damaged — from the log between its first segment and {@code upTo}:
   * one pass sums each partition's bytes there (which gives its bytes before the first segment from
   * the checkpoint's total), a second adds the entries with the writer's cadence. O(log), only for
   * this repair.
   *
   * @throws CorruptLogException if a batch there is not intact (it is before the durable point)
   */
  static void rebuildIndexes(final ShardLog log, final ShardState state, final long upTo)
      throws IOException {
    final long from = log.table().firstNumber * log.segmentBytes;
    final java.util.IdentityHashMap<PartitionState, long[]> acc = new java.util.IdentityHashMap<>();
    walk(
        log,
        from,
        upTo,
        (b, o, position, aligned) -> {
          final PartitionState ps = partitionOf(state, b, o);
          if (ps != null) {
            acc.computeIfAbsent(ps, k -> new long[3])[0] += aligned;
          }
        });
    for (final var e : acc.entrySet()) {
      final long before = e.getKey().totalBytes - e.getValue()[0];
      if (before < 0) {
        throw new CorruptLogException(
            "the log before position " + upTo + " does not match its checkpoint (partition bytes)");
      }
      e.getValue()[0] = before; // running partition bytes
      e.getValue()[1] = Long.MIN_VALUE / 2; // partition bytes at the last entry
      e.getValue()[2] = Long.MIN_VALUE; // running max timestamp
    }
    final int interval = state.indexIntervalBytes;
    final long[] sinceLogIndexEntry = {Long.MAX_VALUE / 2};
    walk(
        log,
        from,
        upTo,
        (b, o, position, aligned) -> {
          if (sinceLogIndexEntry[0] >= state.logIndexIntervalBytes()) {
            state.logIndexIndex.add(BatchDescriptor.logIndex(b, o), position, 0, 0);
            sinceLogIndexEntry[0] = 0;
          }
          sinceLogIndexEntry[0] += aligned;
          final PartitionState ps = partitionOf(state, b, o);
          if (ps == null) {
            return;
          }
          final long[] a = acc.get(ps);
          a[2] = Math.max(a[2], BatchDescriptor.maxTimestamp(b, o));
          if (a[0] - a[1] >= interval) {
            ps.index.add(BatchDescriptor.baseOffset(b, o), position, a[2], a[0]);
            a[1] = a[0];
          }
          a[0] += aligned;
        });
    LOG.warn(
        "shard {}: rebuilt the indexes from the log between positions {} and {} (index chunks"
            + " missing or damaged)",
        log.dir,
        from,
        upTo);
  }

  private interface BatchVisitor {
    void visit(org.agrona.DirectBuffer b, int o, long position, int aligned);
  }

  private static PartitionState partitionOf(
      final ShardState state, final org.agrona.DirectBuffer b, final int o) {
    if (BatchDescriptor.type(b, o) != BatchDescriptor.TYPE_DATA) {
      return null;
    }
    final TopicState t = state.topicsById.get(BatchDescriptor.topicId(b, o));
    final int partition = BatchDescriptor.partition(b, o);
    return t == null || partition < 0 || partition >= t.partitions.length
        ? null
        : t.partitions[partition];
  }

  /** Visits the intact batches in {@code [from, to)}; anything else there is corruption. */
  private static void walk(
      final ShardLog log, final long from, final long to, final BatchVisitor visitor)
      throws IOException {
    final CRC32C crc = new CRC32C();
    long p = from;
    while (p < to) {
      final Segment s = log.segmentFor(p);
      if (s == null) {
        throw new CorruptLogException("no segment holds log position " + p + " in " + log.dir);
      }
      final int off = (int) (p - s.basePosition());
      final int r =
          off >= s.lengthBytes()
              ? BatchDescriptor.END
              : BatchDescriptor.validate(
                  s.readBuffer(), s.newReadView(), off, s.lengthBytes() - off, crc);
      if (r == BatchDescriptor.END) {
        if (s.endPosition() < to && log.segmentFor(s.endPosition()) == null) {
          throw new CorruptLogException(
              "corrupt shard log: no batch at position " + p + " before the checkpoint at " + to);
        }
        p = s.endPosition();
        continue;
      }
      if (r == BatchDescriptor.INVALID) {
        throw new CorruptLogException(
            "corrupt shard log: the batch at position "
                + p
                + " (file "
                + s.path()
                + ") fails its CRC or structure check, before the checkpoint at "
                + to);
      }
      final int aligned = BatchDescriptor.alignedLength(r);
      visitor.visit(s.readBuffer(), off, p, aligned);
      p += aligned;
    }
  }

  /**
   * The segment files of a shard directory by base position; deletes leftover temporary files.
   *
   * @throws CorruptLogException if two files claim one segment
   */
  static TreeMap<Long, Path> segmentFiles(final Path dir) throws IOException {
    final TreeMap<Long, Path> files = new TreeMap<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (final Path p : ds) {
        final String n = p.getFileName().toString();
        if (n.endsWith(Segment.TMP_SUFFIX)) {
          Files.delete(p);
          continue;
        }
        final long base = baseOf(n);
        if (base >= 0) {
          final Path prev = files.put(base, p);
          if (prev != null) {
            throw new CorruptLogException(
                "two files for segment " + base + ": " + prev + " and " + p);
          }
        }
      }
    }
    return files;
  }

  /**
   * Opens segment files that must be contiguous and all {@code segmentBytes} long.
   *
   * @throws CorruptLogException if one has another size or one is missing between them
   */
  static List<Segment> openSegments(
      final Path dir, final TreeMap<Long, Path> files, final int segmentBytes) throws IOException {
    final List<Segment> segments = new ArrayList<>();
    long expectedBase = -1;
    for (final var e : files.entrySet()) {
      if (Files.size(e.getValue()) != segmentBytes) {
        throw new CorruptLogException(
            "segment "
                + e.getValue()
                + " has "
                + Files.size(e.getValue())
                + " bytes, expected "
                + segmentBytes);
      }
      if (e.getKey() % segmentBytes != 0 || (expectedBase >= 0 && e.getKey() != expectedBase)) {
        throw new CorruptLogException(
            "segment " + e.getValue() + " does not follow the previous one (missing segment?)");
      }
      expectedBase = e.getKey() + segmentBytes;
      segments.add(Segment.open(dir, e.getValue(), e.getKey()));
    }
    return segments;
  }

  /** Parses a segment file name; -1 if it is not one. */
  static long baseOf(final String name) {
    final int dot = name.indexOf('.');
    if (dot != 20) {
      return -1;
    }
    final String suffix = name.substring(dot);
    if (!suffix.equals(Segment.OPEN_SUFFIX) && !suffix.equals(Segment.SEALED_SUFFIX)) {
      return -1;
    }
    try {
      return Long.parseLong(name.substring(0, dot));
    } catch (final NumberFormatException e) {
      return -1;
    }
  }

  private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(1 << 16);

  /**
   * One past the last non-zero byte of the file in {@code [from, to)}, or {@code from} if all zero.
   * Reads with positional reads, 1 MiB at a time from the end backwards: on a freshly started JVM
   * this is several times faster than faulting in a mapping page by page.
   */
  static int lastNonZero(final FileChannel ch, final int from, final int to) throws IOException {
    final ByteBuffer piece = ByteBuffer.allocateDirect(1 << 20);
    final UnsafeBuffer view = new UnsafeBuffer(piece);
    int end = to;
    while (end > from) {
      final int start = Math.max(from, end - piece.capacity());
      piece.clear().limit(end - start);
      while (piece.hasRemaining()) {
        if (ch.read(piece, start + piece.position()) < 0) {
          throw new IOException("segment shorter than " + end + " bytes");
        }
      }
      final int last = lastNonZero(view, 0, end - start);
      if (last > 0) {
        return start + last;
      }
      end = start;
    }
    return from;
  }

  /** One past the last non-zero byte in {@code [from, to)}, or {@code from} if all zero. */
  static int lastNonZero(final UnsafeBuffer b, final int from, final int to) {
    final ByteBuffer bb = b.byteBuffer();
    int i = to;
    if (bb != null && b.wrapAdjustment() == 0) {
      // Vectorized comparison with a zero block, 64 KiB at a time, from the end backwards.
      final int chunk = ZEROS.capacity();
      while (i - chunk >= from) {
        if (bb.slice(i - chunk, chunk).mismatch(ZEROS) >= 0) {
          break;
        }
        i -= chunk;
      }
    }
    while (i - 8 >= from && (i & 7) == 0) {
      if (b.getLong(i - 8) != 0) {
        break;
      }
      i -= 8;
    }
    while (i > from && b.getByte(i - 1) == 0) {
      i--;
    }
    return i;
  }
}
