package io.stele.replication.node;

import io.stele.replication.raft.Membership;
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
 *  |                     Version (2)                               |  4
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
 *  |                     Applied Index (64)                        | 48
 *  +---------------------------------------------------------------+
 *  |                     Applied Term (64)                         | 56
 *  +---------------------------------------------------------------+
 *  |                     Membership Length (32)                    | 64
 *  +---------------------------------------------------------------+
 *  |                     Membership (MembershipCodec)            ... 68
 *  +---------------------------------------------------------------+
 *  |                     CRC32C of everything before               |
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <p>The applied point is a committed log index this replica holds durably, its term, and the
 * configuration in force there (index 0 and no membership until one is known). It is saved now and
 * then, so it trails the real commit index; restart builds the core's log from there instead of
 * from the start of the shard log. Version 1 files (48 bytes and the CRC, no applied point) still
 * load.
 *
 * <p>Little-endian. Not thread-safe: one writer, the node's Raft thread.
 */
public final class HardStateFile {
  /** File magic. */
  public static final int MAGIC = 0x53524853;

  /** Layout version written. */
  public static final int VERSION = 2;

  /** Length of the fixed part of version 1, before its CRC. */
  public static final int V1_BODY_LENGTH = 48;

  /** Length of the fixed part of version 2, before the membership. */
  public static final int V2_FIXED_LENGTH = 68;

  /** Longest membership encoding accepted. */
  private static final int MAX_MEMBERSHIP_BYTES = 64 * 1024;

  private final Path dir;
  private final Path file;
  private final Path temp;
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
   * @param appliedIndex a committed index held durably (0: none known)
   * @param appliedTerm its term
   * @param membership the configuration in force at {@code appliedIndex}, null if none is known
   */
  public record State(
      long clusterId,
      long replicaId,
      long groupId,
      long term,
      long vote,
      long appliedIndex,
      long appliedTerm,
      Membership membership) {
    /**
     * A state without an applied point.
     *
     * @param clusterId cluster identity
     * @param replicaId this replica
     * @param groupId the Raft group
     * @param term current term
     * @param vote vote in {@code term}
     */
    public State(
        final long clusterId,
        final long replicaId,
        final long groupId,
        final long term,
        final long vote) {
      this(clusterId, replicaId, groupId, term, vote, 0, 0, null);
    }
  }

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
    if (bytes.length < V1_BODY_LENGTH + 4) {
      throw new IOException(file + ": length " + bytes.length + ", too short");
    }
    final ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    final int body = bytes.length - 4;
    crc.reset();
    crc.update(bytes, 0, body);
    if ((int) crc.getValue() != b.getInt(body)) {
      throw new IOException(file + ": checksum mismatch");
    }
    if (b.getInt(0) != MAGIC) {
      throw new IOException(file + ": bad magic");
    }
    final int version = b.getInt(4);
    if (version == 1 && body == V1_BODY_LENGTH) {
      return new State(b.getLong(8), b.getLong(16), b.getLong(24), b.getLong(32), b.getLong(40));
    }
    if (version != 2 || body < V2_FIXED_LENGTH) {
      throw new IOException(file + ": bad version " + version + " or length " + bytes.length);
    }
    final int m = b.getInt(64);
    if (m < 0 || m > MAX_MEMBERSHIP_BYTES || V2_FIXED_LENGTH + m != body) {
      throw new IOException(file + ": membership length " + m + " does not fit " + bytes.length);
    }
    Membership membership = null;
    if (m > 0) {
      try {
        membership =
            MembershipCodec.decode(java.util.Arrays.copyOfRange(bytes, V2_FIXED_LENGTH, body));
      } catch (final RuntimeException e) {
        throw new IOException(file + ": membership: " + e.getMessage(), e);
      }
    }
    return new State(
        b.getLong(8),
        b.getLong(16),
        b.getLong(24),
        b.getLong(32),
        b.getLong(40),
        b.getLong(48),
        b.getLong(56),
        membership);
  }

  /**
   * Replaces the file durably; returns once the new state and its directory entry are on disk.
   *
   * @param s the state
   * @throws IOException on any failure, after which the node must stop (DESIGN §3)
   */
  public void save(final State s) throws IOException {
    Files.createDirectories(dir);
    final byte[] m = s.membership() == null ? new byte[0] : MembershipCodec.encode(s.membership());
    final ByteBuffer buffer =
        ByteBuffer.allocate(V2_FIXED_LENGTH + m.length + 4).order(ByteOrder.LITTLE_ENDIAN);
    buffer
        .putInt(MAGIC)
        .putInt(VERSION)
        .putLong(s.clusterId())
        .putLong(s.replicaId())
        .putLong(s.groupId())
        .putLong(s.term())
        .putLong(s.vote())
        .putLong(s.appliedIndex())
        .putLong(s.appliedTerm())
        .putInt(m.length)
        .put(m);
    crc.reset();
    crc.update(buffer.array(), 0, buffer.position());
    buffer.putInt((int) crc.getValue());
    buffer.flip();
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
