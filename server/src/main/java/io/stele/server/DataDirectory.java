package io.stele.server;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The node's data directory, held with an exclusive lock on {@code stele.lock} for the life of the
 * process so two nodes can never write the same data.
 */
final class DataDirectory implements AutoCloseable {
  static final String LOCK_FILE = "stele.lock";

  private final Path path;
  private final FileChannel lockChannel;
  private final FileLock lock;

  private DataDirectory(final Path path, final FileChannel lockChannel, final FileLock lock) {
    this.path = path;
    this.lockChannel = lockChannel;
    this.lock = lock;
  }

  /** Creates the directory if needed and locks it, or fails with one line saying why. */
  static DataDirectory open(final String dir) {
    final Path path = Path.of(dir).toAbsolutePath().normalize();
    try {
      Files.createDirectories(path);
    } catch (final IOException e) {
      throw new FatalException("cannot create data directory " + path + ": " + e, e);
    }
    if (!Files.isDirectory(path) || !Files.isWritable(path)) {
      throw new FatalException("data directory " + path + " is not a writable directory", null);
    }
    FileChannel channel = null;
    try {
      channel =
          FileChannel.open(
              path.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      final FileLock lock = channel.tryLock();
      if (lock == null) {
        channel.close();
        throw new FatalException(
            "data directory " + path + " is in use by another Stele process", null);
      }
      return new DataDirectory(path, channel, lock);
    } catch (final IOException | OverlappingFileLockException e) {
      closeQuietly(channel);
      throw new FatalException("cannot lock data directory " + path + ": " + e, e);
    }
  }

  Path path() {
    return path;
  }

  @Override
  public void close() throws IOException {
    try {
      lock.release();
    } finally {
      lockChannel.close();
    }
  }

  private static void closeQuietly(final FileChannel channel) {
    if (channel != null) {
      try {
        channel.close();
      } catch (final IOException ignored) {
        // Already failing with the more useful error.
      }
    }
  }
}
