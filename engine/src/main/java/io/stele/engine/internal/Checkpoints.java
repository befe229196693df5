package io.stele.engine.internal;

import io.stele.engine.log.Segment;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import org.agrona.IoUtil;

/**
 * Checkpoint files of a shard: {@code checkpoint} (latest) and {@code checkpoint.prev} (the one
 * before, kept in case the latest is damaged). Each is a {@link ShardState#snapshot} of the state
 * at a durable log position, written to a temporary file, forced, renamed into place, and the
 * directory forced. Only the housekeeping thread writes them (the writer on close).
 */
final class Checkpoints {
  static final String CURRENT = "checkpoint";
  static final String PREVIOUS = "checkpoint.prev";
  static final String TMP = "checkpoint.tmp";
  private static final int PIECE = 1 << 20;

  private Checkpoints() {}

  /**
   * The staging buffer of each thread that writes checkpoints (a shard's housekeeper, a closing
   * engine): a direct buffer per checkpoint would be released only by a GC.
   */
  private static final ThreadLocal<ByteBuffer> PIECES =
      ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(PIECE));

  /**
   * Writes a checkpoint; with {@code chunks}, the indexes' whole chunks go to (or already are in)
   * the chunk file and the checkpoint refers to them, else every entry is inline.
   */
  static void write(final Path dir, final ShardState.Snapshot snapshot, final IndexChunks chunks)
      throws IOException {
    if (chunks != null) {
      chunks.persist(snapshot);
    }
    final Path tmp = dir.resolve(TMP);
    try (FileChannel ch =
        FileChannel.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      snapshot.writeTo(ch, PIECES.get());
      ch.force(true);
    }
    final Path current = dir.resolve(CURRENT);
    if (Files.exists(current)) {
      Files.move(
          current,
          dir.resolve(PREVIOUS),
          StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
    }
    Files.move(tmp, current, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    Segment.syncDirectory(dir);
    if (chunks != null) {
      chunks.checkpointWritten();
    }
  }

  /**
   * The newest checkpoint that parses and passes its CRC and whose index chunks pass theirs; if
   * none does but one fails only in its index chunks, that one without its indexes ({@link
   * ShardState.Restored#indexesMissing}: the caller rebuilds them from the log); else null.
   *
   * @param problems receives a line per damaged checkpoint file
   */
  static ShardState.Restored readLatest(
      final Path dir, final int indexIntervalBytes, final StringBuilder problems) {
    Path chunksDamaged = null;
    for (final String name : new String[] {CURRENT, PREVIOUS}) {
      final Path file = dir.resolve(name);
      if (!Files.exists(file)) {
        continue;
      }
      try {
        return read(file, indexIntervalBytes, true);
      } catch (final IOException | RuntimeException e) {
        problems.append(file).append(": ").append(e.getMessage()).append('\n');
        if (e instanceof ShardState.ChunkException && chunksDamaged == null) {
          chunksDamaged = file;
        }
      }
    }
    if (chunksDamaged != null) {
      // The state is intact, only index chunks are not: the indexes are rebuilt from the log.
      try {
        return read(chunksDamaged, indexIntervalBytes, false);
      } catch (final IOException | RuntimeException e) {
        problems.append(chunksDamaged).append(": ").append(e.getMessage()).append('\n');
      }
    }
    return null;
  }

  /**
   * Parses one checkpoint file, read through a read-only mapping that is unmapped again at once
   * (its indexes are copied out in bulk; nothing refers to the file afterwards).
   */
  static ShardState.Restored read(final Path file, final int indexIntervalBytes)
      throws IOException {
    return read(file, indexIntervalBytes, true);
  }

  /** As {@link #read(Path, int)}; without {@code withIndexes} the indexes are left empty. */
  static ShardState.Restored read(
      final Path file, final int indexIntervalBytes, final boolean withIndexes) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      final long size = ch.size();
      if (size > Integer.MAX_VALUE) {
        throw new IOException("checkpoint of " + size + " bytes");
      }
      final MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
      try {
        return ShardState.restore(map, indexIntervalBytes, file.getParent(), withIndexes);
      } finally {
        IoUtil.unmap(map); // nothing refers to it after the restore; do not hold the file
      }
    }
  }

  static void deleteAll(final Path dir) throws IOException {
    Files.deleteIfExists(dir.resolve(CURRENT));
    Files.deleteIfExists(dir.resolve(PREVIOUS));
    Files.deleteIfExists(dir.resolve(TMP));
  }
}
