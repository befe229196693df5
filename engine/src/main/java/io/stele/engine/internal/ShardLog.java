package io.stele.engine.internal;

import io.stele.engine.SegmentInit;
import io.stele.engine.log.Segment;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The segments of one shard log and its two cross-thread positions. A log position is a byte
 * position in the shard's position space; segment {@code k} covers {@code [k * segmentBytes, (k +
 * 1) * segmentBytes)}. Batches never span segments: a batch that does not fit in the rest of a
 * segment goes to the start of the next one, and the rest stays zero.
 *
 * <ul>
 *   <li>{@link #appendPosition}: end of the last batch written; written only by the shard's writer
 *       thread, after the positional write that put those bytes in the file;
 *   <li>{@link #durablePosition}: everything before it is flushed; written only by the shard's sync
 *       thread, after the force that made it so.
 * </ul>
 */
final class ShardLog {
  /**
   * The writer never writes past {@code durablePosition + UNFLUSHED_LIMIT}, so after a crash bytes
   * can differ from zero only within this distance after the end of the intact log, and recovery
   * checks only that far (not the rest of a segment). Part of the storage format: changing it
   * changes what recovery may assume about files written before.
   */
  static final long UNFLUSHED_LIMIT = 32L << 20;

  /** An immutable view of the live segments, replaced as a whole (copy on write). */
  static final class Table {
    final long firstNumber;
    final Segment[] segments;

    Table(final long firstNumber, final Segment[] segments) {
      this.firstNumber = firstNumber;
      this.segments = segments;
    }
  }

  final Path dir;
  final int segmentBytes;

  /** How new segments get their space (the setting may change between starts; files do not). */
  final SegmentInit segmentInit;

  final AtomicLong appendPosition = new AtomicLong();
  final AtomicLong durablePosition = new AtomicLong();

  /** The next segment, created ahead of need by the housekeeping thread; taken by the writer. */
  final AtomicReference<Segment> precreated = new AtomicReference<>();

  private volatile Table table;
  private volatile Segment active;

  ShardLog(
      final Path dir,
      final int segmentBytes,
      final SegmentInit segmentInit,
      final Segment[] segments) {
    this.dir = dir;
    this.segmentBytes = segmentBytes;
    this.segmentInit = segmentInit;
    this.table =
        new Table(segments.length == 0 ? 0 : segments[0].basePosition() / segmentBytes, segments);
  }

  long numberOf(final long position) {
    return position / segmentBytes;
  }

  long baseOf(final long number) {
    return number * segmentBytes;
  }

  /** The segment covering {@code position}, or null if it is not (or no longer) present. */
  Segment segmentFor(final long position) {
    final Table t = table;
    final long i = position / segmentBytes - t.firstNumber;
    if (i < 0 || i >= t.segments.length) {
      return null;
    }
    return t.segments[(int) i];
  }

  Table table() {
    return table;
  }

  Segment active() {
    return active;
  }

  /** Writer thread (or recovery). */
  void setActive(final Segment s) {
    active = s;
  }

  /** Writer thread: adds a segment after the last one. */
  void addSegment(final Segment s) {
    final Table t = table;
    final Segment[] next = Arrays.copyOf(t.segments, t.segments.length + 1);
    next[t.segments.length] = s;
    final long first = t.segments.length == 0 ? numberOf(s.basePosition()) : t.firstNumber;
    if (numberOf(s.basePosition()) != first + t.segments.length) {
      throw new IllegalStateException("segment " + s + " does not follow " + t.segments.length);
    }
    table = new Table(first, next);
  }

  /** Writer thread: removes segments from the end, from {@code fromNumber} on. */
  Segment[] removeFrom(final long fromNumber) {
    final Table t = table;
    final int keep = (int) Math.max(0, Math.min(t.segments.length, fromNumber - t.firstNumber));
    final Segment[] removed = Arrays.copyOfRange(t.segments, keep, t.segments.length);
    table = new Table(t.firstNumber, Arrays.copyOf(t.segments, keep));
    return removed;
  }

  /** Housekeeping: removes segments from the front, before {@code beforeNumber}. */
  Segment[] removeBefore(final long beforeNumber) {
    final Table t = table;
    final int drop =
        (int) Math.max(0, Math.min(t.segments.length - 1, beforeNumber - t.firstNumber));
    final Segment[] removed = Arrays.copyOf(t.segments, drop);
    table =
        new Table(t.firstNumber + drop, Arrays.copyOfRange(t.segments, drop, t.segments.length));
    return removed;
  }

  /** Writer thread (installing a snapshot): the table becomes exactly these segments. */
  void replaceAll(final Segment[] segments) {
    table = new Table(segments[0].basePosition() / segmentBytes, segments);
  }

  /** Creates the segment that starts at {@code base} (writer thread fallback or housekeeping). */
  Segment createSegment(final long base) throws IOException {
    return Segment.create(dir, base, segmentBytes, segmentInit);
  }

  void closeAll() {
    for (final Segment s : table.segments) {
      try {
        s.close();
      } catch (final IOException ignored) {
        // closing after a failure: nothing more to do
      }
    }
    final Segment p = precreated.getAndSet(null);
    if (p != null) {
      try {
        p.close();
      } catch (final IOException ignored) {
        // idem
      }
    }
  }
}
