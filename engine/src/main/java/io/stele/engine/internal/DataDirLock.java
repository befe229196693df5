package io.stele.engine.internal;

import io.stele.engine.log.Segment;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.TreeSet;

/**
 * The data directory's lock ({@code .lock}, held while a node uses the directory) and its shard
 * count ({@code shards}, written once when the directory is first used).
 *
 * <p>A partition's shard follows from the shard count, so a directory opens only with the count it
 * was created with. A directory from before the count was recorded holds only {@code shard-0}: it
 * is a one-shard directory.
 */
final class DataDirLock {
  static final String LOCK_FILE = ".lock";
  static final String SHARDS_FILE = "shards";

  private final FileChannel channel;
  private final FileLock lock;

  private DataDirLock(final FileChannel channel, final FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /** Locks {@code dataDir} (creating it) and checks or records its shard count. */
  static DataDirLock acquire(final Path dataDir, final int shards) throws IOException {
    Files.createDirectories(dataDir);
    final FileChannel channel =
        FileChannel.open(
            dataDir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    final FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (final IOException e) {
      channel.close();
      throw e;
    }
    if (lock == null) {
      channel.close();
      throw new IOException("data directory " + dataDir + " is in use by another engine");
    }
    final DataDirLock held = new DataDirLock(channel, lock);
    try {
      checkShardCount(dataDir, shards);
    } catch (final IOException | RuntimeException e) {
      held.release();
      throw e;
    }
    return held;
  }

  private static void checkShardCount(final Path dataDir, final int shards) throws IOException {
    final Path file = dataDir.resolve(SHARDS_FILE);
    final int recorded;
    if (Files.exists(file)) {
      final String text = Files.readString(file, StandardCharsets.US_ASCII).trim();
      try {
        recorded = Integer.parseInt(text);
      } catch (final NumberFormatException e) {
        throw new IOException(file + " does not hold a shard count: '" + text + "'");
      }
    } else {
      final TreeSet<Integer> present = shardDirs(dataDir);
      if (!present.isEmpty() && !present.equals(new TreeSet<>(java.util.Set.of(0)))) {
        throw new IOException(
            "data directory "
                + dataDir
                + " holds shard directories "
                + present
                + " but no "
                + SHARDS_FILE
                + " file: cannot tell its shard count");
      }
      recorded = present.isEmpty() ? shards : 1;
      final Path tmp = dataDir.resolve(SHARDS_FILE + Segment.TMP_SUFFIX);
      Files.writeString(tmp, recorded + "\n", StandardCharsets.US_ASCII);
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ch.force(true);
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
      Segment.syncDirectory(dataDir);
    }
    if (recorded != shards) {
      throw new IOException(
          "data directory "
              + dataDir
              + " was created with "
              + recorded
              + (recorded == 1 ? " shard" : " shards")
              + " and opens only with that many (configured "
              + shards
              + "): a partition's shard follows from the count");
    }
  }

  /** The numbers of the {@code shard-N} directories present. */
  static TreeSet<Integer> shardDirs(final Path dataDir) throws IOException {
    final TreeSet<Integer> present = new TreeSet<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dataDir, "shard-*")) {
      for (final Path p : ds) {
        try {
          present.add(Integer.parseInt(p.getFileName().toString().substring("shard-".length())));
        } catch (final NumberFormatException ignored) {
          // not a shard directory
        }
      }
    }
    return present;
  }

  void release() {
    try {
      lock.release();
    } catch (final IOException ignored) {
      // closing
    }
    try {
      channel.close();
    } catch (final IOException ignored) {
      // closing
    }
  }
}
