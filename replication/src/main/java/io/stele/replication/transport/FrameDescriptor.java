package io.stele.replication.transport;

/**
 * Layout of a peer frame. All integers are big-endian (network order). A frame is a 24-byte header
 * followed by a body whose shape depends on the type.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                   Frame Length (header + body)                |  0
 *  +---------------------------------------------------------------+
 *  |        CRC32C of bytes [0, 4) and [8, Frame Length)           |  4
 *  +---------------+---------------+-------------------------------+
 *  |    Version    |     Type      |             Flags             |  8
 *  +---------------+---------------+-------------------------------+
 *  |                         Reserved (0)                          | 12
 *  +---------------------------------------------------------------+
 *  |                           Group Id                            | 16
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                             Body                            ...  24
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <p>Type {@link #TYPE_HANDSHAKE} is the first frame on every connection (group id 0):
 *
 * <pre>
 *  +---------------------------------------------------------------+
 *  |                  Cluster Id (64 bits)                         | 24
 *  +---------------------------------------------------------------+
 *  |                  Sender Replica Id (node << 32 | incarnation) | 32
 *  +---------------------------------------------------------------+
 *  |                  Receiver Node                                | 40
 *  +---------------------------------------------------------------+
 *  |                  Reserved (0)                                 | 44
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <p>Any other type is a Raft message of kind {@code MessageType.values()[type - 1]}. Flags bit 0
 * is {@code reject}, bit 1 says a snapshot block is present. Body:
 *
 * <pre>
 *  +------------------------ 8 x 64 bits --------------------------+
 *  | from | to | term | index | logTerm | commit | rejectHint | context |  24 .. 88
 *  +---------------------------------------------------------------+
 *  |                  Entry Count                                  |  88
 *  +---------------------------------------------------------------+
 *  |  [snapshot: index (64) | term (64) | membership]              ...
 *  +---------------------------------------------------------------+
 *  |  entry table, Entry Count x 24 bytes:                         |
 *  |    index (64) | term (64) | entry type (8) | pad (24) | payload length (32)
 *  +---------------------------------------------------------------+
 *  |  payloads, in entry order, back to back: NORMAL = the engine's |
 *  |  batch bytes as they are; CONFIG = membership; NOOP = empty  ...
 *  +---------------------------------------------------------------+
 *
 *  membership: voter count (32) | voters (64 each) | learner count (32) | learners (64 each)
 * </pre>
 *
 * The entry table comes before the payloads so the encoder can send the payload buffers themselves
 * (a composite buffer, no copy) and the decoder can slice them out of the received frame. {@code
 * SNAPSHOT_CHUNK} frames use the same body for pieces of a copy of the leader's log (how each field
 * is used: {@code io.stele.replication.node.SnapshotTransfer}).
 */
public final class FrameDescriptor {
  /** Wire format version; a frame with another version closes the connection. */
  public static final byte VERSION = 1;

  /** Offset of the frame length. */
  public static final int LENGTH_OFFSET = 0;

  /** Offset of the CRC32C. */
  public static final int CRC_OFFSET = 4;

  /** Offset of the version byte. */
  public static final int VERSION_OFFSET = 8;

  /** Offset of the type byte. */
  public static final int TYPE_OFFSET = 9;

  /** Offset of the flags. */
  public static final int FLAGS_OFFSET = 10;

  /** Offset of the reserved word. */
  public static final int RESERVED_OFFSET = 12;

  /** Offset of the group id. */
  public static final int GROUP_ID_OFFSET = 16;

  /** Length of the header. */
  public static final int HEADER_LENGTH = 24;

  /** Type of the handshake frame. */
  public static final int TYPE_HANDSHAKE = 0;

  /** Offset of the cluster id in a handshake. */
  public static final int HANDSHAKE_CLUSTER_ID_OFFSET = 24;

  /** Offset of the sender replica id in a handshake. */
  public static final int HANDSHAKE_SENDER_OFFSET = 32;

  /** Offset of the receiver node in a handshake. */
  public static final int HANDSHAKE_RECEIVER_NODE_OFFSET = 40;

  /** Length of a handshake frame. */
  public static final int HANDSHAKE_LENGTH = 48;

  /** Flag: the response rejects. */
  public static final int FLAG_REJECT = 1;

  /** Flag: a snapshot block follows the entry count. */
  public static final int FLAG_SNAPSHOT = 2;

  /** Offset of the first of the eight fixed message fields. */
  public static final int MESSAGE_FIELDS_OFFSET = 24;

  /** Offset of the entry count. */
  public static final int ENTRY_COUNT_OFFSET = 88;

  /** Length of the fixed part of a message frame, header included. */
  public static final int MESSAGE_FIXED_LENGTH = 92;

  /** Length of one entry table row. */
  public static final int ENTRY_ROW_LENGTH = 24;

  /** Offset of the entry type byte in a row. */
  public static final int ENTRY_TYPE_OFFSET = 16;

  /** Offset of the payload length in a row. */
  public static final int ENTRY_PAYLOAD_LENGTH_OFFSET = 20;

  /** Smallest frame this build accepts as a maximum. */
  public static final int MIN_MAX_FRAME_LENGTH = 1024;

  private FrameDescriptor() {}

  /**
   * Returns the frame type of a Raft message kind.
   *
   * @param ordinal {@code MessageType.ordinal()}
   * @return the frame type
   */
  public static int messageFrameType(final int ordinal) {
    return ordinal + 1;
  }

  /**
   * Returns the encoded length of a membership.
   *
   * @param voters voter count
   * @param learners learner count
   * @return bytes
   */
  public static int membershipLength(final int voters, final int learners) {
    return 8 + 8 * (voters + learners);
  }
}
