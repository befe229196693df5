package io.stele.engine.internal;

import io.stele.engine.ReplicatedLog;
import io.stele.engine.log.Segment;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * A follower's copy of the leader's shard files, staged in {@code install/} inside the shard
 * directory until it is complete, then swapped in whole.
 *
 * <p>The transfer is one byte stream: the leader's checkpoint ({@code checkpointLength} bytes, may
 * be empty when the log still starts at position 0), then the log bytes {@code [startPosition,
 * endPosition)} exactly as they are in the leader's segments, zero tails included, so every batch
 * keeps its log position. Segment files are written as they arrive (one positional write per piece)
 * and forced when the next one starts; the last is zero-filled to full size (real bytes, not
 * sparse).
 *
 * <p>{@link #complete} forces everything, then writes {@code install/READY} (the file list, the end
 * position and the last log index) by write-temp, force, rename, force directory. From that moment
 * the install happens even across a crash: {@link #rollForward} (run by the writer, and by recovery
 * if a crash interrupted it) moves the staged files over the shard's, deletes every shard file
 * READY does not list, and removes {@code install/}; each step is idempotent. Without READY,
 * recovery simply deletes {@code install/}: the old log is untouched until READY exists.
 */
final class SnapshotStage implements ReplicatedLog.SnapshotInstall {
  static final String DIR = "install";
  static final String READY = "READY";

  private final StorageEngine engine;
  private final Path dir;
  private final long logIndex;
  private final long startPosition;
  private final long endPosition;
  private final int segmentBytes;
  private final byte[] checkpoint;
  private long received;
  private FileChannel current;
  private long currentBase = -1;
  private final List<String> files = new ArrayList<>();
  private boolean finished;

  SnapshotStage(
      final StorageEngine engine,
      final Path shardDir,
      final long logIndex,
      final long startPosition,
      final long endPosition,
      final int segmentBytes,
      final int checkpointLength)
      throws IOException {
    if (segmentBytes <= 0
        || segmentBytes % 4096 != 0
        || startPosition < 0
        || startPosition % segmentBytes != 0
        || endPosition <= startPosition
        || checkpointLength < 0
        || logIndex < 1) {
      throw new IOException(
          "invalid snapshot: log index "
              + logIndex
              + ", positions ["
              + startPosition
              + ", "
              + endPosition
              + "), segment size "
              + segmentBytes
              + ", checkpoint "
              + checkpointLength
              + " bytes");
    }
    this.engine = engine;
    this.dir = shardDir.resolve(DIR);
    this.logIndex = logIndex;
    this.startPosition = startPosition;
    this.endPosition = endPosition;
    this.segmentBytes = segmentBytes;
    this.checkpoint = new byte[checkpointLength];
    deleteTree(dir);
    Files.createDirectories(dir);
    Segment.syncDirectory(shardDir);
  }

  @Override
  public long logIndex() {
    return logIndex;
  }

  @Override
  public long length() {
    return checkpoint.length + (endPosition - startPosition);
  }

  @Override
  public long received() {
    return received;
  }

  @Override
  public void write(final long streamOffset, final ByteBuffer src) throws IOException {
    if (finished || streamOffset != received || src.remaining() > length() - received) {
      throw new IOException(
          "snapshot piece at "
              + streamOffset
              + " ("
              + src.remaining()
              + " bytes) does not continue "
              + received
              + " of "
              + length());
    }
    while (src.hasRemaining()) {
      if (received < checkpoint.length) {
        final int n = (int) Math.min(src.remaining(), checkpoint.length - received);
        src.get(checkpoint, (int) received, n);
        received += n;
        continue;
      }
      final long position = startPosition + received - checkpoint.length;
      final long base = position - position % segmentBytes;
      if (base != currentBase) {
        nextSegment(base);
      }
      final int n = (int) Math.min(src.remaining(), base + segmentBytes - position);
      final ByteBuffer piece = src.slice().limit(n);
      long at = position - base;
      while (piece.hasRemaining()) {
        at += current.write(piece, at);
      }
      src.position(src.position() + n);
      received += n;
    }
  }

  private void nextSegment(final long base) throws IOException {
    closeCurrent();
    final String name =
        Segment.fileName(
            base,
            base + segmentBytes >= endPosition && endPosition % segmentBytes != 0
                ? Segment.OPEN_SUFFIX
                : Segment.SEALED_SUFFIX);
    current =
        FileChannel.open(
            dir.resolve(name),
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE);
    currentBase = base;
    files.add(name);
  }

  private void closeCurrent() throws IOException {
    if (current != null) {
      current.force(true);
      current.close();
      current = null;
    }
  }

  @Override
  public void prepare() throws IOException {
    if (finished) {
      return;
    }
    try {
      makeDurable();
    } catch (final IOException | RuntimeException e) {
      abort();
      throw e;
    }
  }

  @Override
  public CompletableFuture<Long> complete() {
    try {
      prepare();
    } catch (final IOException | RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return engine.install(this);
  }

  /** Forces the staged files and writes READY: from here on the install survives a crash. */
  void makeDurable() throws IOException {
    if (received != length()) {
      throw new IOException("snapshot incomplete: " + received + " of " + length() + " bytes");
    }
    // the last segment: zeros up to its full size, as real blocks
    final long tail = endPosition % segmentBytes;
    if (tail != 0) {
      final ByteBuffer zeros = ByteBuffer.allocateDirect(1 << 20);
      long at = tail;
      while (at < segmentBytes) {
        zeros.clear().limit((int) Math.min(zeros.capacity(), segmentBytes - at));
        while (zeros.hasRemaining()) {
          at += current.write(zeros, at);
        }
      }
    }
    closeCurrent();
    checkCheckpoint();
    if (checkpoint.length > 0) {
      Files.write(dir.resolve(Checkpoints.CURRENT), checkpoint);
      try (FileChannel ch = FileChannel.open(dir.resolve(Checkpoints.CURRENT))) {
        ch.force(true);
      }
      files.add(Checkpoints.CURRENT);
    }
    final StringBuilder ready = new StringBuilder();
    ready.append("end ").append(endPosition).append('\n');
    ready.append("index ").append(logIndex).append('\n');
    for (final String f : files) {
      ready.append("file ").append(f).append('\n');
    }
    final Path tmp = dir.resolve(READY + Segment.TMP_SUFFIX);
    Files.write(tmp, ready.toString().getBytes(StandardCharsets.UTF_8));
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
    Files.move(tmp, dir.resolve(READY), StandardCopyOption.ATOMIC_MOVE);
    Segment.syncDirectory(dir);
    finished = true;
  }

  /** The copied checkpoint must parse and lie in the copied log, or the log must start at 0. */
  private void checkCheckpoint() throws IOException {
    if (checkpoint.length == 0) {
      if (startPosition != 0) {
        throw new IOException("a copy that does not start at position 0 needs a checkpoint");
      }
      return;
    }
    final ShardState.Restored r = ShardState.restore(checkpoint, 4096);
    if (r.segmentBytes() != segmentBytes
        || r.position() < startPosition
        || r.position() > endPosition) {
      throw new IOException(
          "the copied checkpoint is at position "
              + r.position()
              + " of "
              + r.segmentBytes()
              + "-byte segments, outside the copied log ["
              + startPosition
              + ", "
              + endPosition
              + ")");
    }
  }

  @Override
  public void abort() {
    try {
      if (current != null) {
        current.close();
        current = null;
      }
      if (!finished) {
        deleteTree(dir);
      }
    } catch (final IOException ignored) {
      // a later stage or recovery deletes what is left
    }
  }

  long endPosition() {
    return endPosition;
  }

  /** What READY says: the end position, the last log index and the files. */
  record Ready(long endPosition, long logIndex, Set<String> files) {}

  static Ready readReady(final Path shardDir) throws IOException {
    final Path f = shardDir.resolve(DIR).resolve(READY);
    if (!Files.exists(f)) {
      return null;
    }
    long end = -1;
    long index = -1;
    final Set<String> names = new HashSet<>();
    for (final String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
      if (line.startsWith("end ")) {
        end = Long.parseLong(line.substring(4));
      } else if (line.startsWith("index ")) {
        index = Long.parseLong(line.substring(6));
      } else if (line.startsWith("file ")) {
        names.add(line.substring(5));
      }
    }
    if (end < 0 || index < 0 || names.isEmpty()) {
      throw new IOException(f + " is malformed");
    }
    return new Ready(end, index, names);
  }

  /**
   * Finishes a staged install: moves the staged files over the shard's, deletes every segment and
   * checkpoint READY does not list, then {@code install/}. Leaves {@code durable.mark} alone (its
   * owner rewrites it). Without READY, {@code install/} is deleted and nothing else changes.
   *
   * @return what READY said, or null if there was no complete install
   */
  static Ready rollForward(final Path shardDir) throws IOException {
    final Path stage = shardDir.resolve(DIR);
    if (!Files.isDirectory(stage)) {
      return null;
    }
    final Ready ready = readReady(shardDir);
    if (ready == null) {
      deleteTree(stage);
      return null;
    }
    for (final String name : ready.files()) {
      final Path from = stage.resolve(name);
      if (Files.exists(from)) {
        Files.move(
            from,
            shardDir.resolve(name),
            StandardCopyOption.ATOMIC_MOVE,
            StandardCopyOption.REPLACE_EXISTING);
      }
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(shardDir)) {
      for (final Path p : ds) {
        final String n = p.getFileName().toString();
        final boolean logFile =
            Recovery.baseOf(n) >= 0
                || n.endsWith(Segment.TMP_SUFFIX)
                || n.equals(Checkpoints.CURRENT)
                || n.equals(Checkpoints.PREVIOUS)
                || IndexChunks.isChunkFile(n);
        if (logFile && !ready.files().contains(n)) {
          Files.delete(p);
        }
      }
    }
    Segment.syncDirectory(shardDir);
    deleteTree(stage);
    Segment.syncDirectory(shardDir);
    return ready;
  }

  static void deleteTree(final Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (final Path p : ds) {
        Files.delete(p);
      }
    }
    Files.delete(dir);
  }
}
