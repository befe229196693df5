package io.stele.engine.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.LongBuffer;

/**
 * A partition's sparse offset and time index into its shard log: entries of (batch base offset,
 * batch log position, max timestamp of the partition so far, partition bytes before the batch), in
 * increasing offset and position order. The time column is a running maximum, so it is sorted too
 * and one structure serves both lookups.
 *
 * <p>Entries live in fixed chunks of {@link #CHUNK} entries, one {@code long[]} per chunk holding
 * the four columns side by side. A chunk is allocated once and never copied or changed after an
 * entry is published: growth adds a chunk (and, rarely, a larger table of chunk references), and
 * retention drops whole chunks from the front by publishing a new table. Entry numbers are logical
 * and stable: entry {@code i} stays entry {@code i} when chunks before it are dropped; {@link
 * #first()} is the oldest entry still held.
 *
 * <p>Because published entries never change, a checkpoint captures an index as {@link #view()} in
 * O(1) on the writer thread and serializes it later on another thread.
 *
 * <p>Single writer: the shard's writer thread (or recovery before the engine starts). Readers on
 * any thread see a prefix: the writer fills an entry, then publishes {@link #count} with a release
 * store; a new table is published before the count that needs it.
 */
final class PartitionIndex {
  static final int CHUNK_SHIFT = 10;
  static final int CHUNK = 1 << CHUNK_SHIFT;
  private static final int MASK = CHUNK - 1;
  static final int OFFSET = 0;
  static final int POSITION = 1;
  static final int TIMESTAMP = 2;
  static final int BYTES = 3;
  static final int COLUMNS = 4;

  /** Chunk references; {@code chunks[k]} holds entries from {@code (firstChunk + k) * CHUNK}. */
  static final class Table {
    final long[][] chunks;
    final long firstChunk;

    Table(final long[][] chunks, final long firstChunk) {
      this.chunks = chunks;
      this.firstChunk = firstChunk;
    }

    long first() {
      return firstChunk << CHUNK_SHIFT;
    }

    long[] chunk(final long chunkNumber) {
      return (long[]) SLOT.getAcquire(chunks, (int) (chunkNumber - firstChunk));
    }

    long get(final int column, final long i) {
      final long[] c = chunk(i >>> CHUNK_SHIFT);
      return c[column * (c.length >>> 2) + (int) (i & MASK)];
    }
  }

  /** An immutable capture of entries {@code [first, count)}. */
  record View(Table table, long count) {
    long first() {
      return Math.min(table.first(), count);
    }

    /**
     * Copies {@code n} values of {@code column} from entry {@code from} into {@code out}, one chunk
     * piece at a time.
     */
    void copyColumn(final int column, final long from, final long n, final LongBuffer out) {
      long i = from;
      final long end = from + n;
      while (i < end) {
        final int slot = (int) (i & MASK);
        final int len = (int) Math.min(CHUNK - slot, end - i);
        final long[] c = table.chunk(i >>> CHUNK_SHIFT);
        out.put(c, column * (c.length >>> 2) + slot, len);
        i += len;
      }
    }
  }

  /**
   * Entries of an index's first chunk when created; it doubles up to {@link #CHUNK} as it fills.
   * Later chunks are created full size.
   */
  static final int FIRST_CAPACITY = 16;

  /** Chunk references are replaced (a growing last chunk) with release stores, read acquiring. */
  private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(long[][].class);

  private volatile Table table = new Table(new long[4][], 0);
  private volatile long count;

  long count() {
    return count;
  }

  /** The oldest entry still held (entries before it were dropped with their segments). */
  long first() {
    return Math.min(table.first(), count);
  }

  View view() {
    final long n = count; // the count first: the table it was published after is at least as new
    return new View(table, n);
  }

  /** Writer thread only. */
  void add(final long offset, final long position, final long maxTimestamp, final long bytes) {
    final long n = count;
    final int slot = (int) (n & MASK);
    Table t = table;
    final int k = (int) ((n >>> CHUNK_SHIFT) - t.firstChunk);
    long[] c;
    if (slot == 0) {
      if (k == t.chunks.length) {
        final long[][] grown = new long[Math.max(4, k * 2)][];
        System.arraycopy(t.chunks, 0, grown, 0, k);
        t = new Table(grown, t.firstChunk);
        table = t;
      }
      // only an index's first chunk starts small: one that filled a chunk is a busy one
      c = new long[COLUMNS * (n < CHUNK ? FIRST_CAPACITY : CHUNK)];
      SLOT.setRelease(t.chunks, k, c);
    } else {
      c = t.chunks[k];
      final int capacity = c.length >>> 2;
      if (slot == capacity) {
        // The last chunk grows by copying; readers and views holding the old array still find
        // every entry they can see in it, unchanged.
        final int bigger = Math.min(CHUNK, capacity * 2);
        final long[] g = new long[COLUMNS * bigger];
        for (int column = 0; column < COLUMNS; column++) {
          System.arraycopy(c, column * capacity, g, column * bigger, slot);
        }
        c = g;
        SLOT.setRelease(t.chunks, k, c);
      }
    }
    final int capacity = c.length >>> 2;
    c[OFFSET * capacity + slot] = offset;
    c[POSITION * capacity + slot] = position;
    c[TIMESTAMP * capacity + slot] = maxTimestamp;
    c[BYTES * capacity + slot] = bytes;
    count = n + 1;
  }

  /**
   * Writer thread only: drops the whole chunks before entry {@code entry} (entries before it are no
   * longer needed: retention removed their data). Readers holding an older {@link View} keep seeing
   * the dropped entries; new lookups start at {@link #first()}.
   */
  void dropBefore(final long entry) {
    final Table t = table;
    final long keepChunk = Math.min(entry, count) >>> CHUNK_SHIFT;
    if (keepChunk <= t.firstChunk) {
      return;
    }
    final int drop = (int) (keepChunk - t.firstChunk);
    final long[][] kept = new long[Math.max(4, t.chunks.length - drop)][];
    System.arraycopy(t.chunks, drop, kept, 0, t.chunks.length - drop);
    table = new Table(kept, keepChunk);
  }

  /** Supplies a chunk's content by chunk number (from a chunk file). */
  interface ChunkSource {
    void fill(long chunkNumber, long[] into) throws java.io.IOException;
  }

  /**
   * Recovery only, on an empty index: loads entries {@code [first, count)}: the first {@code
   * sourced} whole chunks from {@code source}, the rest from {@code inline}, stored column after
   * column (each column {@code count - first - sourced * CHUNK} values), chunk piece by piece.
   */
  void load(
      final long first,
      final long count,
      final int sourced,
      final ChunkSource source,
      final LongBuffer inline)
      throws java.io.IOException {
    if (this.count != 0
        || first < 0
        || first > count
        || (first & MASK) != 0
        || (long) sourced * CHUNK > count - first) {
      throw new IllegalStateException("index load into a non-empty index or bad range");
    }
    final long firstChunk = first >>> CHUNK_SHIFT;
    final int chunks = (int) (((count + MASK) >>> CHUNK_SHIFT) - firstChunk);
    final long[][] refs = new long[Math.max(4, chunks)][];
    for (int k = 0; k < chunks; k++) {
      final long inChunk = Math.min(CHUNK, count - ((firstChunk + k) << CHUNK_SHIFT));
      refs[k] = new long[COLUMNS * capacityFor((int) inChunk)];
      if (k < sourced) {
        source.fill(firstChunk + k, refs[k]);
      }
    }
    final long from = first + (long) sourced * CHUNK;
    final long n = count - from;
    for (int column = 0; column < COLUMNS; column++) {
      final int base = inline.position();
      long i = from;
      while (i < count) {
        final int slot = (int) (i & MASK);
        final int len = (int) Math.min(CHUNK - slot, count - i);
        final long[] c = refs[(int) ((i >>> CHUNK_SHIFT) - firstChunk)];
        inline.get(c, column * (c.length >>> 2) + slot, len);
        i += len;
      }
      inline.position((int) (base + n));
    }
    table = new Table(refs, firstChunk);
    this.count = count;
  }

  /** Entries a chunk array holds for {@code entries} entries: a power of two, 16 to 1,024. */
  static int capacityFor(final int entries) {
    return Math.max(
        FIRST_CAPACITY, Math.min(CHUNK, Integer.highestOneBit(Math.max(1, entries - 1)) << 1));
  }

  long offsetAt(final long i) {
    return at(OFFSET, i);
  }

  /** The entry's log position, or -1 if the entry was dropped since it was found. */
  long positionAt(final long i) {
    return at(POSITION, i);
  }

  long timestampAt(final long i) {
    return at(TIMESTAMP, i);
  }

  long bytesAt(final long i) {
    return at(BYTES, i);
  }

  private long at(final int column, final long i) {
    final Table t = table;
    return i < t.first() ? -1 : t.get(column, i);
  }

  /** The last entry with offset &lt;= {@code offset}, or -1 (none held). */
  long floorByOffset(final long offset) {
    return floor(OFFSET, offset);
  }

  /** The last entry with log position &lt;= {@code position}, or -1 (none held). */
  long floorByPosition(final long position) {
    return floor(POSITION, position);
  }

  /** The last entry with partition-bytes-before &lt;= {@code bytes}, or -1 (none held). */
  long floorByBytes(final long bytes) {
    return floor(BYTES, bytes);
  }

  /**
   * The first entry whose running max timestamp is &gt;= {@code ts}, or {@link #count()}; never
   * below {@link #first()}.
   */
  long ceilingByTimestamp(final long ts) {
    final long n = count; // the count first, as in view()
    final Table t = table;
    long lo = Math.min(t.first(), n);
    long hi = n;
    while (lo < hi) {
      final long mid = (lo + hi) >>> 1;
      if (t.get(TIMESTAMP, mid) < ts) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  private long floor(final int column, final long key) {
    final long n = count; // the count first, as in view()
    final Table t = table;
    long lo = t.first();
    long hi = n - 1;
    long found = -1;
    while (lo <= hi) {
      final long mid = (lo + hi) >>> 1;
      if (t.get(column, mid) <= key) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  @Override
  public String toString() {
    final StringBuilder b = new StringBuilder("PartitionIndex[");
    final View v = view();
    for (long i = v.first(); i < v.count(); i++) {
      b.append(i == v.first() ? "" : ", ")
          .append(v.table().get(OFFSET, i))
          .append('@')
          .append(v.table().get(POSITION, i));
    }
    return b.append(']').toString();
  }
}
