package io.stele.engine.internal;

import io.stele.engine.log.Segment;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.IdentityHashMap;
import java.util.zip.CRC32C;

/**
 * The full index chunks of a shard, written once each, so that a checkpoint refers to them (file
 * offset and CRC32C, 12 bytes per 1,024 entries) instead of carrying them: a checkpoint then costs
 * O(state + the entries of partly filled chunks), not O(log).
 *
 * <p>A chunk file {@code index-<generation>.chunks} is a sequence of fixed-size records:
 *
 * <pre>
 *   0  int   magic 0x53434b31 ("SCK1")
 *   4  int   CRC32C of bytes [8, RECORD)
 *   8  long  key (topic id &lt;&lt; 32 | partition; -1 for the log-index index)
 *  16  long  chunk number (first entry / 1,024)
 *  24  long  0 (reserved)
 *  32  4 columns of 1,024 big-endian longs: offsets, positions, timestamps, bytes
 * </pre>
 *
 * <p>Records are only appended and forced before the checkpoint that refers to them is written; a
 * published chunk never changes, so a chunk already in the file (the same array object) is not
 * written again. Each engine start writes a new generation, as does a compaction when most of the
 * current file is no longer referred to; files older than the generation the previous checkpoint
 * refers to are deleted once a newer checkpoint is in place.
 *
 * <p>Only the housekeeping thread (or the writer on close, after it stopped) uses an instance.
 */
final class IndexChunks {
  static final int MAGIC = 0x53434b31;
  static final int HEADER = 32;
  static final int RECORD = HEADER + PartitionIndex.COLUMNS * PartitionIndex.CHUNK * 8;
  private static final String PREFIX = "index-";
  private static final String SUFFIX = ".chunks";
  private static final long COMPACT_SLACK = 64L << 20;

  /** Where a chunk is: its record's offset in the generation's file and its CRC. */
  record Ref(long offset, int crc) {}

  private final Path dir;
  private final ByteBuffer record = ByteBuffer.allocateDirect(RECORD).order(ByteOrder.BIG_ENDIAN);
  private final CRC32C crc = new CRC32C();
  private IdentityHashMap<long[], Ref> written = new IdentityHashMap<>();
  private long generation;
  private FileChannel channel;
  private long length;

  /** Generation of the checkpoint written last by this instance, -1 before the first. */
  private long lastCheckpointGeneration = -1;

  IndexChunks(final Path dir) throws IOException {
    this.dir = dir;
    this.generation = newestGeneration(dir) + 1;
  }

  static String fileName(final long generation) {
    return PREFIX + generation + SUFFIX;
  }

  static boolean isChunkFile(final String name) {
    return generationOf(name) >= 0;
  }

  static long generationOf(final String name) {
    if (!name.startsWith(PREFIX) || !name.endsWith(SUFFIX)) {
      return -1;
    }
    try {
      return Long.parseLong(name.substring(PREFIX.length(), name.length() - SUFFIX.length()));
    } catch (final NumberFormatException e) {
      return -1;
    }
  }

  static long newestGeneration(final Path dir) throws IOException {
    long newest = -1;
    if (Files.isDirectory(dir)) {
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
        for (final Path p : ds) {
          newest = Math.max(newest, generationOf(p.getFileName().toString()));
        }
      }
    }
    return newest;
  }

  /**
   * Makes every full chunk of the snapshot's indexes durable in the current generation's file and
   * tells the snapshot where they are. Starts a new generation when the file holds more than twice
   * what this snapshot refers to (plus 64 MiB).
   */
  void persist(final ShardState.Snapshot snapshot) throws IOException {
    long referred = 0;
    for (int i = 0; i < snapshot.indexCount(); i++) {
      final PartitionIndex.View v = snapshot.index(i);
      referred +=
          (v.count() >>> PartitionIndex.CHUNK_SHIFT) - (v.first() >>> PartitionIndex.CHUNK_SHIFT);
    }
    if (channel != null && length > 2 * referred * RECORD + COMPACT_SLACK) {
      roll();
    }
    if (channel == null) {
      open();
    }
    final IdentityHashMap<long[], Ref> now = new IdentityHashMap<>();
    boolean appended = false;
    for (int i = 0; i < snapshot.indexCount(); i++) {
      final PartitionIndex.View v = snapshot.index(i);
      final long fromChunk = v.first() >>> PartitionIndex.CHUNK_SHIFT;
      final long toChunk = v.count() >>> PartitionIndex.CHUNK_SHIFT;
      final Ref[] refs = new Ref[(int) (toChunk - fromChunk)];
      for (long c = fromChunk; c < toChunk; c++) {
        final long[] chunk = v.table().chunk(c); // full: never grown or changed again
        Ref ref = written.get(chunk);
        if (ref == null) {
          ref = append(snapshot.key(i), c, chunk);
          appended = true;
        }
        now.put(chunk, ref);
        refs[(int) (c - fromChunk)] = ref;
      }
      snapshot.setRefs(i, refs);
    }
    if (appended) {
      channel.force(false);
    }
    written = now;
    snapshot.setChunkGeneration(generation);
  }

  /**
   * After a checkpoint referring to this generation was put in place: files older than the one the
   * previous checkpoint (now {@code checkpoint.prev}) refers to are no longer needed.
   */
  void checkpointWritten() throws IOException {
    if (lastCheckpointGeneration >= 0) {
      deleteOlderThan(lastCheckpointGeneration);
    }
    lastCheckpointGeneration = generation;
  }

  /**
   * Checkpoints were deleted (a truncation): which generation {@code checkpoint.prev} refers to is
   * no longer known, so the next checkpoint deletes no chunk file.
   */
  void checkpointsRemoved() {
    lastCheckpointGeneration = -1;
  }

  /** The shard's files were replaced (a snapshot install): start a new generation. */
  void reset() throws IOException {
    close();
    written = new IdentityHashMap<>();
    generation = Math.max(generation, newestGeneration(dir)) + 1;
    lastCheckpointGeneration = -1;
  }

  void close() throws IOException {
    if (channel != null) {
      channel.close();
      channel = null;
    }
  }

  private void roll() throws IOException {
    close();
    written = new IdentityHashMap<>();
    generation++;
  }

  private void open() throws IOException {
    channel =
        FileChannel.open(
            dir.resolve(fileName(generation)),
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE);
    length = 0;
    Segment.syncDirectory(dir);
  }

  private Ref append(final long key, final long chunkNumber, final long[] chunk)
      throws IOException {
    final ByteBuffer r = record.clear();
    r.putInt(MAGIC).putInt(0).putLong(key).putLong(chunkNumber).putLong(0);
    r.asLongBuffer().put(chunk, 0, PartitionIndex.COLUMNS * PartitionIndex.CHUNK);
    r.position(0).limit(RECORD);
    crc.reset();
    crc.update(r.duplicate().position(8));
    final int value = (int) crc.getValue();
    r.putInt(4, value);
    final long at = length;
    while (r.hasRemaining()) {
      channel.write(r, at + r.position());
    }
    length += RECORD;
    return new Ref(at, value);
  }

  private void deleteOlderThan(final long keep) throws IOException {
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (final Path p : ds) {
        final long g = generationOf(p.getFileName().toString());
        if (g >= 0 && g < keep) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  /**
   * Reads the chunk a checkpoint refers to into {@code into} after checking that the record is the
   * one meant: magic, key, chunk number and CRC must all match.
   *
   * @throws IOException if the file or record is missing or not the one the checkpoint wrote
   */
  static void read(
      final FileChannel ch,
      final ByteBuffer scratch,
      final long key,
      final long chunkNumber,
      final long offset,
      final int expectedCrc,
      final long[] into)
      throws IOException {
    final ByteBuffer r = scratch.clear().limit(RECORD);
    while (r.hasRemaining()) {
      if (ch.read(r, offset + r.position()) < 0) {
        throw new IOException("index chunk at " + offset + " is missing (file too short)");
      }
    }
    r.flip();
    final CRC32C c = new CRC32C();
    c.update(r.duplicate().position(8));
    if (r.getInt(0) != MAGIC
        || r.getInt(4) != expectedCrc
        || (int) c.getValue() != expectedCrc
        || r.getLong(8) != key
        || r.getLong(16) != chunkNumber) {
      throw new IOException(
          "index chunk "
              + chunkNumber
              + " of index "
              + key
              + " at "
              + offset
              + " is damaged or not the one the checkpoint refers to");
    }
    r.position(HEADER);
    r.asLongBuffer().get(into, 0, PartitionIndex.COLUMNS * PartitionIndex.CHUNK);
  }
}
