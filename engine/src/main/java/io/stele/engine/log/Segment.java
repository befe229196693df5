package io.stele.engine.log;

import io.stele.engine.SegmentInit;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicInteger;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One preallocated, fixed-size segment file of a shard log. A segment covers log positions {@code
 * [basePosition, basePosition + lengthBytes)}; its file is named by its base position zero-padded
 * to 20 digits so that {@code ls} order is log order:
 *
 * <ul>
 *   <li>{@code 00000000000067108864.tmp}: being preallocated; deleted on recovery;
 *   <li>{@code 00000000000067108864.open}: preallocated (reads as zeros: written zeros or reserved
 *       blocks, {@link SegmentInit}) or being appended to;
 *   <li>{@code 00000000000067108864.log}: sealed: complete and forced; never written again.
 * </ul>
 *
 * Written only by the shard's writer thread with positional writes; forced by the sync thread; read
 * by any thread through a read-only map.
 */
public final class Segment {
  public static final String OPEN_SUFFIX = ".open";
  public static final String SEALED_SUFFIX = ".log";
  public static final String TMP_SUFFIX = ".tmp";
  private static final int ZERO_CHUNK = 1 << 20;

  private final Path dir;
  private final long basePosition;
  private final int lengthBytes;
  private final FileChannel channel;
  private volatile boolean sealed;
  private volatile Path path;
  private volatile UnsafeBuffer readBuffer;
  private volatile ByteBuffer readView;
  private MappedByteBuffer map;

  /** Readers pinning the read map; bit 31 set once retired (then the last unpin unmaps). */
  private final AtomicInteger pins = new AtomicInteger();

  private Segment(
      final Path dir,
      final Path path,
      final long basePosition,
      final int lengthBytes,
      final FileChannel channel,
      final boolean sealed) {
    this.dir = dir;
    this.path = path;
    this.basePosition = basePosition;
    this.lengthBytes = lengthBytes;
    this.channel = channel;
    this.sealed = sealed;
  }

  /** The file name of a segment: its base position as 20 zero-padded digits, then the suffix. */
  public static String fileName(final long basePosition, final String suffix) {
    if (basePosition < 0) {
      throw new IllegalArgumentException("negative base position " + basePosition);
    }
    final String digits = Long.toString(basePosition); // String.format parses a pattern per call
    final StringBuilder b = new StringBuilder(20 + suffix.length());
    for (int i = digits.length(); i < 20; i++) {
      b.append('0');
    }
    return b.append(digits).append(suffix).toString();
  }

  /**
   * Creates a segment, its space made as {@code init} says (written zeros, or reserved blocks read
   * into memory), forces it, renames it to its open name and forces the directory, so the file and
   * its blocks exist before any acknowledged data depends on them.
   */
  public static Segment create(
      final Path dir, final long basePosition, final int lengthBytes, final SegmentInit init)
      throws IOException {
    return complete(begin(dir, basePosition, lengthBytes, init));
  }

  /**
   * Writes a creation's remaining zeros at once and finishes it; aborts it (deleting its file) if
   * that fails.
   */
  public static Segment complete(final Creation c) throws IOException {
    try {
      while (!c.step(Integer.MAX_VALUE)) {
        // all of it at once
      }
      return c.finish();
    } catch (final IOException | RuntimeException e) {
      c.abort();
      throw e;
    }
  }

  /**
   * Starts creating a segment a piece at a time ({@link Creation#step}), so whoever creates it can
   * do other work between pieces; {@link Creation#finish} makes it a segment as {@link #create}
   * does. Its space is made as {@code init} says. With {@link SegmentInit#ALLOCATE} the blocks are
   * reserved here, at once (a full disk fails here), and the steps read the file instead of writing
   * it, bringing its pages into memory ahead of the writer.
   */
  public static Creation begin(
      final Path dir, final long basePosition, final int lengthBytes, final SegmentInit init)
      throws IOException {
    final Path tmp = dir.resolve(fileName(basePosition, TMP_SUFFIX));
    Files.deleteIfExists(tmp);
    final FileChannel ch =
        FileChannel.open(
            tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.READ);
    final Creation c = new Creation(dir, tmp, basePosition, lengthBytes, ch);
    if (init == SegmentInit.ALLOCATE) {
      try {
        c.reserved = FileSpace.reserve(tmp, lengthBytes);
      } catch (final IOException | RuntimeException e) {
        c.abort();
        throw e;
      }
    }
    return c;
  }

  /**
   * A segment file being made under its temporary name: written with zeros, or, once its blocks are
   * reserved, read through so that its pages are in memory when the writer reaches them.
   */
  public static final class Creation {
    private final Path dir;
    private final Path tmp;
    private final long basePosition;
    private final int lengthBytes;
    private final FileChannel channel;
    private final ByteBuffer zeros;
    private long written;

    /** The blocks are reserved ({@link SegmentInit#ALLOCATE}): steps read instead of writing. */
    private boolean reserved;

    private Creation(
        final Path dir,
        final Path tmp,
        final long basePosition,
        final int lengthBytes,
        final FileChannel channel) {
      this.dir = dir;
      this.tmp = tmp;
      this.basePosition = basePosition;
      this.lengthBytes = lengthBytes;
      this.channel = channel;
      this.zeros = ByteBuffer.allocateDirect(Math.min(ZERO_CHUNK, lengthBytes));
    }

    public long basePosition() {
      return basePosition;
    }

    /**
     * Writes up to about {@code maxBytes} more zeros (the page cache writes them back meanwhile;
     * {@link #finish} forces the file); or, where the blocks are reserved, reads that much of the
     * file (zeros, from no device) into a scratch buffer, which leaves its pages in the page cache.
     *
     * @return true once every byte is written (or read)
     */
    public boolean step(final int maxBytes) throws IOException {
      final long until = Math.min(lengthBytes, written + Math.max(maxBytes, zeros.capacity()));
      while (written < until) {
        zeros.clear().limit((int) Math.min(zeros.capacity(), until - written));
        while (zeros.hasRemaining()) {
          if (reserved) {
            final int n = channel.read(zeros, written);
            if (n < 0) {
              throw new IOException(tmp + " ends at " + written + " of " + lengthBytes + " bytes");
            }
            written += n;
          } else {
            written += channel.write(zeros, written);
          }
        }
      }
      return written == lengthBytes;
    }

    /** True if the blocks were reserved rather than written ({@link SegmentInit#ALLOCATE}). */
    public boolean reserved() {
      return reserved;
    }

    /** Forces the file, renames it to its open name, forces the directory; opens the segment. */
    public Segment finish() throws IOException {
      if (written != lengthBytes) {
        throw new IllegalStateException("segment " + tmp + " finished at " + written + " bytes");
      }
      channel.force(true);
      channel.close();
      final Path open = dir.resolve(fileName(basePosition, OPEN_SUFFIX));
      move(tmp, open);
      syncDirectory(dir);
      return new Segment(
          dir, open, basePosition, lengthBytes, openChannel(open), false /* sealed */);
    }

    /** Closes and deletes the temporary file (recovery would delete it too). */
    public void abort() {
      try {
        channel.close();
      } catch (final IOException ignored) {
        // deleting it anyway
      }
      try {
        Files.deleteIfExists(tmp);
      } catch (final IOException ignored) {
        // recovery deletes *.tmp
      }
    }
  }

  /** Opens an existing open or sealed segment file. */
  public static Segment open(final Path dir, final Path file, final long basePosition)
      throws IOException {
    final long size = Files.size(file);
    if (size > Integer.MAX_VALUE) {
      throw new IOException("segment larger than 2 GiB: " + file);
    }
    return new Segment(
        dir,
        file,
        basePosition,
        (int) size,
        openChannel(file),
        file.getFileName().toString().endsWith(SEALED_SUFFIX));
  }

  private static FileChannel openChannel(final Path file) throws IOException {
    return FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
  }

  private static void move(final Path from, final Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    } catch (final AtomicMoveNotSupportedException e) {
      Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** fsync of a directory, so entries created or renamed in it survive a power cut. */
  public static void syncDirectory(final Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  public long basePosition() {
    return basePosition;
  }

  public long endPosition() {
    return basePosition + lengthBytes;
  }

  public int lengthBytes() {
    return lengthBytes;
  }

  public boolean isSealed() {
    return sealed;
  }

  public Path path() {
    return path;
  }

  public FileChannel channel() {
    return channel;
  }

  /** One positional write of {@code src}'s remaining bytes at segment offset {@code offset}. */
  public void write(final ByteBuffer src, final int offset) throws IOException {
    long at = offset;
    while (src.hasRemaining()) {
      at += channel.write(src, at);
    }
  }

  /** Forces written data (fdatasync). */
  public void force() throws IOException {
    channel.force(false);
  }

  /** Writes zeros over {@code [from, to)} (segment offsets). */
  public void zero(final int from, final int to) throws IOException {
    final ByteBuffer zeros =
        ByteBuffer.allocateDirect(Math.min(ZERO_CHUNK, Math.max(to - from, 1)));
    long at = from;
    while (at < to) {
      zeros.clear().limit((int) Math.min(zeros.capacity(), to - at));
      while (zeros.hasRemaining()) {
        at += channel.write(zeros, at);
      }
    }
  }

  /** {@link #dropCached}: done (the kernel keeps any page it may not drop). */
  public static final int DROPPED = 0;

  /** {@link #dropCached}: this system cannot drop pages ({@link #dropUnavailable} says why). */
  public static final int DROP_UNAVAILABLE = FileSpace.UNAVAILABLE;

  /** {@link #dropCached}: the file was renamed (sealed) or deleted meanwhile; try again. */
  public static final int DROP_MOVED = FileSpace.ENOENT;

  /** Why {@link #dropCached} cannot work on this system, or null if it can. */
  public static String dropUnavailable() {
    return FileSpace.unavailable();
  }

  /**
   * Drops the whole pages inside {@code [from, to)} (segment offsets) from the page cache: takes
   * them out of this segment's read map (readers fault them in again from the file if they come
   * back), then advises the kernel that the file's pages there are not needed. For flushed bytes
   * only: the kernel drops clean pages and merely starts writeback of dirty ones, so it loses
   * nothing either way, but dropping unflushed bytes saves no memory.
   *
   * @return {@link #DROPPED}, {@link #DROP_MOVED}, {@link #DROP_UNAVAILABLE}, or an errno
   */
  public int dropCached(final int from, final int to) {
    if (from < 0 || from > to || to > lengthBytes) {
      throw new IllegalArgumentException(
          "range [" + from + ", " + to + ") outside segment of " + lengthBytes + " bytes");
    }
    final long page = FileSpace.pageSize();
    final long start = (from + page - 1) / page * page;
    final long end = to / page * page;
    if (end <= start) {
      return DROPPED;
    }
    if (readBuffer != null && pin()) {
      try {
        // pinned: the map cannot be unmapped (and its addresses reused) during the call
        final int r = FileSpace.unmapPages(readBuffer.addressOffset() + start, end - start);
        if (r != 0) {
          return r;
        }
      } finally {
        unpin();
      }
    }
    return FileSpace.dropCached(path, start, end - start);
  }

  /** Forces the data, renames to the sealed name and forces the directory. */
  public void seal() throws IOException {
    if (sealed) {
      return;
    }
    channel.force(false);
    final Path to = dir.resolve(fileName(basePosition, SEALED_SUFFIX));
    move(path, to);
    syncDirectory(dir);
    path = to;
    sealed = true;
  }

  /** Renames a sealed segment back to open (used when truncation reaches into it). */
  public void unseal() throws IOException {
    if (!sealed) {
      return;
    }
    final Path to = dir.resolve(fileName(basePosition, OPEN_SUFFIX));
    move(path, to);
    syncDirectory(dir);
    path = to;
    sealed = false;
  }

  /** A read-only map of the whole file (mapped once, on first use). */
  public UnsafeBuffer readBuffer() throws IOException {
    UnsafeBuffer b = readBuffer;
    if (b == null) {
      synchronized (this) {
        b = readBuffer;
        if (b == null) {
          if (pins.get() < 0) {
            throw new IOException("segment " + path + " is closed");
          }
          map = channel.map(FileChannel.MapMode.READ_ONLY, 0, lengthBytes);
          readView = map;
          b = new UnsafeBuffer(map);
          readBuffer = b;
        }
      }
    }
    return b;
  }

  /**
   * A ByteBuffer over the read map, for CRC computation; callers must not share it between threads
   * without duplicating it.
   */
  public ByteBuffer newReadView() throws IOException {
    readBuffer();
    return readView.duplicate();
  }

  /**
   * Pins the read map for a reader; false if the segment was retired (deleted or closed). Every
   * successful pin must be followed by {@link #unpin()}.
   */
  public boolean pin() {
    int p;
    do {
      p = pins.get();
      if (p < 0) {
        return false;
      }
    } while (!pins.compareAndSet(p, p + 1));
    return true;
  }

  public void unpin() {
    if (pins.decrementAndGet() == Integer.MIN_VALUE) {
      unmap();
    }
  }

  /** No new pins; the read map is unmapped now, or by the last reader's unpin. */
  private void retire() {
    int p;
    do {
      p = pins.get();
      if (p < 0) {
        return;
      }
    } while (!pins.compareAndSet(p, p | Integer.MIN_VALUE));
    if (p == 0) {
      unmap();
    }
  }

  private synchronized void unmap() {
    if (map != null) {
      IoUtil.unmap(map);
      map = null;
    }
  }

  /** Retires, closes the channel and deletes the file (the space is freed once unmapped). */
  public void delete() throws IOException {
    retire();
    channel.close();
    Files.deleteIfExists(path);
  }

  /** Retires and closes the channel. */
  public void close() throws IOException {
    retire();
    channel.close();
  }

  @Override
  public String toString() {
    return path.toString();
  }
}
