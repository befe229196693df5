package io.stele.engine.log;

import com.sun.jna.Native;
import com.sun.jna.Platform;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Linux calls on a segment's file that the JDK has no API for, through JNA, loaded on first
 * use:
 *
 * <ul>
 *   <li>{@code fallocate(2)} (mode 0) reserves a file's blocks: the file gets its full size and its
 *       blocks exactly as if zeros had been written, but nothing is written; the new extents read
 *       as zeros until data is written over them ({@code setLength} makes a sparse file, whose
 *       blocks a full disk can refuse later);
 *   <li>{@code posix_fadvise(POSIX_FADV_DONTNEED)} drops a flushed range's pages from the page
 *       cache, after {@code madvise(MADV_DONTNEED)} has taken them out of the process's read map:
 *       the shard's cache window ({@code EngineConfig#cacheWindowBytes}).
 * </ul>
 */
final class FileSpace {
  private static final Logger LOG = LoggerFactory.getLogger(FileSpace.class);
  private static final int O_RDONLY = 0;
  private static final int O_WRONLY = 1;
  private static final int O_CLOEXEC = 0x80000;
  private static final int EINTR = 4;
  private static final int EOPNOTSUPP = 95;
  private static final int ENOSYS = 38;
  private static final int POSIX_FADV_DONTNEED = 4;
  private static final int MADV_DONTNEED = 4;

  /** {@link #dropCached}: this system cannot drop pages (not Linux x86-64/aarch64, no JNA). */
  static final int UNAVAILABLE = -1;

  /** {@link #dropCached}: the file is not (or no longer) at that path. */
  static final int ENOENT = 2;

  private FileSpace() {}

  /** Why these calls cannot be made here, or null if they can. */
  private static final class Native0 {
    static final String UNAVAILABLE = load();

    private static String load() {
      try {
        // 64-bit Linux on x86-64 or aarch64 only: there off_t is 64 bits and the flag and errno
        // values below hold (other architectures number some of them differently)
        if (!Platform.isLinux()
            || !("x86-64".equals(Platform.ARCH) || "aarch64".equals(Platform.ARCH))) {
          return "not 64-bit Linux on x86-64 or aarch64 (" + Platform.ARCH + ")";
        }
        Native.register(Native0.class, Platform.C_LIBRARY_NAME);
        return null;
      } catch (final Throwable e) { // UnsatisfiedLinkError, or JNA's native part missing
        return e.toString();
      }
    }

    static native int open(byte[] path, int flags);

    static native int fallocate(int fd, int mode, long offset, long length);

    static native int close(int fd);

    static native int posix_fadvise(int fd, long offset, long length, int advice);

    static native int madvise(long address, long length, int advice);

    static native int getpagesize();

    static final int PAGE_SIZE = UNAVAILABLE == null ? getpagesize() : 4096;
  }

  /** The system's page size (4096 where these calls cannot be made). */
  static int pageSize() {
    return unavailable() == null ? Native0.PAGE_SIZE : 4096;
  }

  /** Why these calls cannot be made here, or null if they can. */
  static String unavailable() {
    try {
      return Native0.UNAVAILABLE;
    } catch (final LinkageError e) { // JNA itself is missing from the class path
      return e.toString();
    }
  }

  /**
   * Takes {@code [address, address + length)} of a shared read-only file mapping out of this
   * process's page tables ({@code madvise(MADV_DONTNEED)}): the pages stay in the page cache, and a
   * later read faults them in again, from the cache or the file. Both ends must be page-aligned and
   * the mapping must stay mapped during the call.
   *
   * @return 0, or the call's errno
   */
  static int unmapPages(final long address, final long length) {
    if (unavailable() != null) {
      return UNAVAILABLE;
    }
    return Native0.madvise(address, length, MADV_DONTNEED) == 0 ? 0 : Native.getLastError();
  }

  /**
   * Drops the pages of {@code [offset, offset + length)} of {@code file} from the page cache
   * ({@code posix_fadvise(POSIX_FADV_DONTNEED)}). The kernel drops only clean pages that no process
   * maps; dirty ones are queued for writeback instead, so nothing unflushed is lost.
   *
   * @return 0; {@link #ENOENT} if the file is not at that path; {@link #UNAVAILABLE}; or another
   *     errno
   */
  static int dropCached(final Path file, final long offset, final long length) {
    if (unavailable() != null) {
      return UNAVAILABLE;
    }
    final int fd = Native0.open(cString(file), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      return Native.getLastError();
    }
    try {
      return Native0.posix_fadvise(fd, offset, length, POSIX_FADV_DONTNEED);
    } finally {
      Native0.close(fd);
    }
  }

  /**
   * Reserves {@code [0, length)} of {@code file}, extending it to {@code length} bytes.
   *
   * @return true if the blocks are reserved; false if this system or file system cannot reserve
   *     them (not Linux, no JNA native library, {@code EOPNOTSUPP}): the caller writes zeros
   * @throws IOException any other failure, such as {@code ENOSPC} on a full disk
   */
  static boolean reserve(final Path file, final long length) throws IOException {
    final String unavailable = unavailable();
    if (unavailable != null) {
      warnOnce("fallocate is not available (" + unavailable + ")");
      return false;
    }
    final byte[] name = cString(file);
    final int fd = Native0.open(name, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
      throw new IOException("open " + file + ": " + errno(Native.getLastError()));
    }
    try {
      while (true) {
        if (Native0.fallocate(fd, 0, 0, length) == 0) {
          return true;
        }
        final int err = Native.getLastError();
        if (err == EINTR) {
          continue;
        }
        if (err == EOPNOTSUPP || err == ENOSYS) {
          warnOnce("the file system of " + file + " cannot reserve blocks (" + errno(err) + ")");
          return false;
        }
        throw new IOException(
            "cannot reserve " + length + " bytes for " + file + ": " + errno(err));
      }
    } finally {
      Native0.close(fd);
    }
  }

  private static volatile boolean warned;

  private static void warnOnce(final String why) {
    if (!warned) {
      warned = true;
      LOG.warn("segment-init allocate: {}; new segments are written with zeros instead", why);
    }
  }

  private static byte[] cString(final Path file) {
    final String encoding = System.getProperty("sun.jnu.encoding");
    final Charset cs =
        encoding != null && Charset.isSupported(encoding)
            ? Charset.forName(encoding)
            : Charset.defaultCharset();
    final byte[] bytes = file.toString().getBytes(cs);
    final byte[] z = new byte[bytes.length + 1];
    System.arraycopy(bytes, 0, z, 0, bytes.length);
    return z;
  }

  private static String errno(final int err) {
    switch (err) {
      case 28:
        return "No space left on device (ENOSPC)";
      case 27:
        return "File too large (EFBIG)";
      case 5:
        return "Input/output error (EIO)";
      default:
        return "errno " + err;
    }
  }
}
