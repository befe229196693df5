package io.stele.engine.internal;

import java.util.Arrays;

/**
 * A partition's sparse offset and time index into its shard log: entries of (batch base offset,
 * batch log position, max timestamp of the partition so far, partition bytes before the batch), in
 * increasing offset and position order. The time column is a running maximum, so it is sorted too
 * and one structure serves both lookups.
 *
 * <p>Single writer: the shard's writer thread (or recovery before the engine starts). Readers on
 * any thread see a prefix: the writer fills an entry, then publishes {@link #count} with a release
 * store; growth publishes a new {@link Entries} before the count that needs it.
 */
final class PartitionIndex {
  static final class Entries {
    final long[] offsets;
    final long[] positions;
    final long[] timestamps;
    final long[] bytes;

    Entries(final int capacity) {
      offsets = new long[capacity];
      positions = new long[capacity];
      timestamps = new long[capacity];
      bytes = new long[capacity];
    }

    Entries grow(final int count) {
      final Entries e = new Entries(Math.max(16, offsets.length * 2));
      System.arraycopy(offsets, 0, e.offsets, 0, count);
      System.arraycopy(positions, 0, e.positions, 0, count);
      System.arraycopy(timestamps, 0, e.timestamps, 0, count);
      System.arraycopy(bytes, 0, e.bytes, 0, count);
      return e;
    }
  }

  private volatile Entries entries = new Entries(16);
  private volatile int count;

  int count() {
    return count;
  }

  /** Writer thread only. */
  void add(final long offset, final long position, final long maxTimestamp, final long bytes) {
    final int n = count;
    Entries e = entries;
    if (n == e.offsets.length) {
      e = e.grow(n);
      entries = e;
    }
    e.offsets[n] = offset;
    e.positions[n] = position;
    e.timestamps[n] = maxTimestamp;
    e.bytes[n] = bytes;
    count = n + 1;
  }

  /** Writer thread only: drops entries at or after {@code position}. */
  void truncateFromPosition(final long position) {
    final int n = count;
    final Entries e = entries;
    int i = n;
    while (i > 0 && e.positions[i - 1] >= position) {
      i--;
    }
    count = i;
  }

  long offsetAt(final int i) {
    return entries.offsets[i];
  }

  long positionAt(final int i) {
    return entries.positions[i];
  }

  long timestampAt(final int i) {
    return entries.timestamps[i];
  }

  long bytesAt(final int i) {
    return entries.bytes[i];
  }

  /** Index of the last entry with offset &lt;= {@code offset}, or -1. */
  int floorByOffset(final long offset) {
    final int n = count; // the count first: the entries it was published after are at least as new
    return floor(entries.offsets, n, offset);
  }

  /** Index of the first entry whose running max timestamp is &gt;= {@code ts}, or count. */
  int ceilingByTimestamp(final long ts) {
    final int n = count;
    final Entries e = entries;
    int lo = 0;
    int hi = n;
    while (lo < hi) {
      final int mid = (lo + hi) >>> 1;
      if (e.timestamps[mid] < ts) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** Index of the last entry with partition-bytes-before &lt;= {@code bytes}, or -1. */
  int floorByBytes(final long bytes) {
    final int n = count; // the count first, as in floorByOffset
    return floor(entries.bytes, n, bytes);
  }

  /**
   * Index of the last of the first {@code n} (ascending) values that is &lt;= {@code key}, or -1.
   */
  private static int floor(final long[] values, final int n, final long key) {
    int lo = 0;
    int hi = n - 1;
    int found = -1;
    while (lo <= hi) {
      final int mid = (lo + hi) >>> 1;
      if (values[mid] <= key) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  /** A copy of the entries for a checkpoint: 4 longs per entry. */
  long[] snapshot() {
    final int n = count;
    final Entries e = entries;
    final long[] out = new long[n * 4];
    for (int i = 0; i < n; i++) {
      out[i * 4] = e.offsets[i];
      out[i * 4 + 1] = e.positions[i];
      out[i * 4 + 2] = e.timestamps[i];
      out[i * 4 + 3] = e.bytes[i];
    }
    return out;
  }

  @Override
  public String toString() {
    return "PartitionIndex" + Arrays.toString(snapshot());
  }
}
