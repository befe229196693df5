package io.stele.replication.node;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * The small file that holds a replica's identity and Raft hard state for one group, replaced
 * atomically: write a temporary file, fsync it, rename it over the old one, fsync the directory. A
 * crash leaves either the old or the new file, never a mix; a file that fails its checksum stops
 * the node (its promises — the vote, the term — cannot be reconstructed, DESIGN §3).
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                     Magic "SRHS" (0x53524853)                 |  0
 *  +---------------------------------------------------------------+
 *  |                     Version (1)                               |  4
 *  +---------------------------------------------------------------+
 *  |                     Cluster Id (64)                           |  8
 *  +---------------------------------------------------------------+
 *  |                     Replica Id (64)                           | 16
 *  +---------------------------------------------------------------+
 *  |                     Group Id (64)                             | 24
 *  +---------------------------------------------------------------+
 *  |                     Term (64)                                 | 32
 *  +---------------------------------------------------------------+
 *  |                     Vote (64)                                 | 40
 *  +---------------------------------------------------------------+
 *  |                     CRC32C of [0, 48)                         | 48
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * Little-endian. Not thread-safe: one writer, the node's Raft thread.
 */
public final class HardStateFile {
  /** File magic. */
  public static final int MAGIC = 0x53524853;

  /** Layout version. */
  public static final int VERSION = 1;

  /** Length of the checksummed part. */
  public static final int BODY_LENGTH = 48;

  /** Length of the file. */
  public static final int FILE_LENGTH = BODY_LENGTH + 4;

  private final Path dir;
  private final Path file;
  private final Path temp;
  private final ByteBuffer buffer =
      ByteBuffer.allocateDirect(FILE_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
  private final CRC32C crc = new CRC32C();

  /**
   * Creates a handle; nothing is read or written yet.
   *
   * @param dir directory (created if absent when saving)
   * @param groupId the Raft group
   */
  public HardStateFile(final Path dir, final long groupId) {
    this.dir = dir;
    this.file = dir.resolve("raft-" + groupId + ".state");
    this.temp = dir.resolve("raft-" + groupId + ".state.tmp");
  }

  /**
   * What the file holds.
   *
   * @param clusterId cluster identity
   * @param replicaId this replica (node and incarnation)
   * @param groupId the Raft group
   * @param term current term
   * @param vote replica voted for in {@code term}, or {@code ReplicaId.NONE}
   */
  public record State(long clusterId, long replicaId, long groupId, long term, long vote) {}

  /**
   * Returns the path of the file.
   *
   * @return the path
   */
  public Path path() {
    return file;
  }

  /**
   * Loads the state, removing a temporary file a crash left behind.
   *
   * @return the state, or null if the file does not exist
   * @throws IOException if it cannot be read, or fails its length, magic, version or checksum
   */
  public State load() throws IOException {
    Files.deleteIfExists(temp);
    final byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (final NoSuchFileException ex) {
      return null;
    }
    if (bytes.length != FILE_LENGTH) {
      throw new IOException(file + ": length " + bytes.length + ", expected " + FILE_LENGTH);
    }
    final ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    crc.reset();
    crc.update(bytes, 0, BODY_LENGTH);
    if ((int) crc.getValue() != b.getInt(BODY_LENGTH)) {
      throw new IOException(file + ": checksum mismatch");
    }
    if (b.getInt(0) != MAGIC || b.getInt(4) != VERSION) {
      throw new IOException(file + ": bad magic or version");
    }
    return new State(b.getLong(8), b.getLong(16), b.getLong(24), b.getLong(32), b.getLong(40));
  }

  /**
   * Replaces the file durably; returns once the new state and its directory entry are on disk.
   *
   * @param s the state
   * @throws IOException on any failure, after which the node must stop (DESIGN §3)
   */
  public void save(final State s) throws IOException {
    Files.createDirectories(dir);
    buffer.clear();
    buffer
        .putInt(MAGIC)
        .putInt(VERSION)
        .putLong(s.clusterId())
        .putLong(s.replicaId())
        .putLong(s.groupId())
        .putLong(s.term())
        .putLong(s.vote());
    buffer.flip();
    crc.reset();
    crc.update(buffer.duplicate());
    buffer.limit(FILE_LENGTH).putInt(BODY_LENGTH, (int) crc.getValue());
    buffer.position(0);
    try (FileChannel ch =
        FileChannel.open(
            temp,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      while (buffer.hasRemaining()) {
        ch.write(buffer);
      }
      ch.force(true);
    }
    Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    }
  }
}
