package io.stele.engine.format;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;
import org.agrona.BitUtil;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Layout of a record batch: the unit written to a shard log, sent to followers and served to
 * readers. All fields are little-endian. Batches start at {@link #ALIGNMENT}-byte aligned log
 * positions; the bytes between the end of a batch and the next aligned position are zero.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                     Batch Length (int32)                      |  0
 *  +---------------------------------------------------------------+
 *  |            CRC32C of bytes [8, Batch Length) (int32)          |  4
 *  +---------------+---------------+-------------------------------+
 *  |    Version    |     Type      |            Flags              |  8
 *  +---------------+---------------+-------------------------------+
 *  |                     Record Count (int32)                      | 12
 *  +---------------------------------------------------------------+
 *  |                     Log Index (int64)                        ...| 16
 *  +---------------------------------------------------------------+
 *  |                     Term (int64)                             ...| 24
 *  +---------------------------------------------------------------+
 *  |                     Topic Id (int32)                          | 32
 *  +---------------------------------------------------------------+
 *  |                     Partition (int32)                         | 36
 *  +---------------------------------------------------------------+
 *  |                     Partition Base Offset (int64)            ...| 40
 *  +---------------------------------------------------------------+
 *  |                     First Timestamp ms (int64)               ...| 48
 *  +---------------------------------------------------------------+
 *  |                     Max Timestamp ms (int64)                 ...| 56
 *  +---------------------------------------------------------------+
 *  |                     Producer Epoch (int64, -1 = none)        ...| 64
 *  +---------------------------------------------------------------+
 *  |                     Producer Seq (int64, -1 = none)          ...| 72
 *  +-------------------------------+-------------------------------+
 *  |  Producer Id Length (uint16)  |  Stream Seq Length (uint16)   | 80
 *  +-------------------------------+-------------------------------+
 *  |                     Records Length (int32)                    | 84
 *  +---------------------------------------------------------------+
 *  |  Producer Id (UTF-8) | Stream Seq (UTF-8) | Records ...        | 88
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <p>Batch Length = 88 + Producer Id Length + Stream Seq Length + Records Length. A data batch's
 * records section is a sequence of records (see {@link RecordCodec}); a control batch's records
 * section is one control body (see {@link ControlCodec}). A length of zero at a batch position
 * means "no batch here" (the end of the written log, or the zero padding at the end of a segment).
 */
public final class BatchDescriptor {
  public static final int LENGTH_OFFSET = 0;
  public static final int CRC_OFFSET = 4;
  public static final int VERSION_OFFSET = 8;
  public static final int TYPE_OFFSET = 9;
  public static final int FLAGS_OFFSET = 10;
  public static final int RECORD_COUNT_OFFSET = 12;
  public static final int LOG_INDEX_OFFSET = 16;
  public static final int TERM_OFFSET = 24;
  public static final int TOPIC_ID_OFFSET = 32;
  public static final int PARTITION_OFFSET = 36;
  public static final int BASE_OFFSET_OFFSET = 40;
  public static final int FIRST_TIMESTAMP_OFFSET = 48;
  public static final int MAX_TIMESTAMP_OFFSET = 56;
  public static final int PRODUCER_EPOCH_OFFSET = 64;
  public static final int PRODUCER_SEQ_OFFSET = 72;
  public static final int PRODUCER_ID_LENGTH_OFFSET = 80;
  public static final int STREAM_SEQ_LENGTH_OFFSET = 82;
  public static final int RECORDS_LENGTH_OFFSET = 84;
  public static final int HEADER_LENGTH = 88;

  /** The CRC covers everything after the length and the CRC itself. */
  public static final int CRC_COVERED_FROM = VERSION_OFFSET;

  public static final int ALIGNMENT = 8;
  public static final byte VERSION = 1;
  public static final byte TYPE_DATA = 1;
  public static final byte TYPE_CONTROL = 2;
  public static final int MAX_STRING_BYTES = 0xFFFF;

  /** Result of {@link #validate}: no batch starts here (zero length). */
  public static final int END = 0;

  /** Result of {@link #validate}: the bytes here are not a complete, intact batch. */
  public static final int INVALID = -1;

  public static final ByteOrder BYTE_ORDER = ByteOrder.LITTLE_ENDIAN;

  private BatchDescriptor() {}

  /** Where the next batch starts after one of {@code length} bytes. */
  public static int alignedLength(final int length) {
    return BitUtil.align(length, ALIGNMENT);
  }

  public static int producerIdOffset(final DirectBuffer b, final int o) {
    return o + HEADER_LENGTH;
  }

  public static int producerIdLength(final DirectBuffer b, final int o) {
    return b.getShort(o + PRODUCER_ID_LENGTH_OFFSET, BYTE_ORDER) & 0xFFFF;
  }

  public static int streamSeqLength(final DirectBuffer b, final int o) {
    return b.getShort(o + STREAM_SEQ_LENGTH_OFFSET, BYTE_ORDER) & 0xFFFF;
  }

  public static int streamSeqOffset(final DirectBuffer b, final int o) {
    return o + HEADER_LENGTH + producerIdLength(b, o);
  }

  public static int recordsOffset(final DirectBuffer b, final int o) {
    return o + HEADER_LENGTH + producerIdLength(b, o) + streamSeqLength(b, o);
  }

  public static int recordsLength(final DirectBuffer b, final int o) {
    return b.getInt(o + RECORDS_LENGTH_OFFSET, BYTE_ORDER);
  }

  public static int length(final DirectBuffer b, final int o) {
    return b.getInt(o + LENGTH_OFFSET, BYTE_ORDER);
  }

  public static int crc(final DirectBuffer b, final int o) {
    return b.getInt(o + CRC_OFFSET, BYTE_ORDER);
  }

  public static byte type(final DirectBuffer b, final int o) {
    return b.getByte(o + TYPE_OFFSET);
  }

  public static int recordCount(final DirectBuffer b, final int o) {
    return b.getInt(o + RECORD_COUNT_OFFSET, BYTE_ORDER);
  }

  public static long logIndex(final DirectBuffer b, final int o) {
    return b.getLong(o + LOG_INDEX_OFFSET, BYTE_ORDER);
  }

  public static long term(final DirectBuffer b, final int o) {
    return b.getLong(o + TERM_OFFSET, BYTE_ORDER);
  }

  public static int topicId(final DirectBuffer b, final int o) {
    return b.getInt(o + TOPIC_ID_OFFSET, BYTE_ORDER);
  }

  public static int partition(final DirectBuffer b, final int o) {
    return b.getInt(o + PARTITION_OFFSET, BYTE_ORDER);
  }

  public static long baseOffset(final DirectBuffer b, final int o) {
    return b.getLong(o + BASE_OFFSET_OFFSET, BYTE_ORDER);
  }

  public static long firstTimestamp(final DirectBuffer b, final int o) {
    return b.getLong(o + FIRST_TIMESTAMP_OFFSET, BYTE_ORDER);
  }

  public static long maxTimestamp(final DirectBuffer b, final int o) {
    return b.getLong(o + MAX_TIMESTAMP_OFFSET, BYTE_ORDER);
  }

  public static long producerEpoch(final DirectBuffer b, final int o) {
    return b.getLong(o + PRODUCER_EPOCH_OFFSET, BYTE_ORDER);
  }

  public static long producerSeq(final DirectBuffer b, final int o) {
    return b.getLong(o + PRODUCER_SEQ_OFFSET, BYTE_ORDER);
  }

  /** Writes every fixed header field except length and CRC (see {@link #seal}). */
  public static void putHeader(
      final MutableDirectBuffer b,
      final int o,
      final byte type,
      final int recordCount,
      final long logIndex,
      final long term,
      final int topicId,
      final int partition,
      final long baseOffset,
      final long firstTimestamp,
      final long maxTimestamp,
      final long producerEpoch,
      final long producerSeq,
      final int producerIdLength,
      final int streamSeqLength,
      final int recordsLength) {
    b.putByte(o + VERSION_OFFSET, VERSION);
    b.putByte(o + TYPE_OFFSET, type);
    b.putShort(o + FLAGS_OFFSET, (short) 0, BYTE_ORDER);
    b.putInt(o + RECORD_COUNT_OFFSET, recordCount, BYTE_ORDER);
    b.putLong(o + LOG_INDEX_OFFSET, logIndex, BYTE_ORDER);
    b.putLong(o + TERM_OFFSET, term, BYTE_ORDER);
    b.putInt(o + TOPIC_ID_OFFSET, topicId, BYTE_ORDER);
    b.putInt(o + PARTITION_OFFSET, partition, BYTE_ORDER);
    b.putLong(o + BASE_OFFSET_OFFSET, baseOffset, BYTE_ORDER);
    b.putLong(o + FIRST_TIMESTAMP_OFFSET, firstTimestamp, BYTE_ORDER);
    b.putLong(o + MAX_TIMESTAMP_OFFSET, maxTimestamp, BYTE_ORDER);
    b.putLong(o + PRODUCER_EPOCH_OFFSET, producerEpoch, BYTE_ORDER);
    b.putLong(o + PRODUCER_SEQ_OFFSET, producerSeq, BYTE_ORDER);
    b.putShort(o + PRODUCER_ID_LENGTH_OFFSET, (short) producerIdLength, BYTE_ORDER);
    b.putShort(o + STREAM_SEQ_LENGTH_OFFSET, (short) streamSeqLength, BYTE_ORDER);
    b.putInt(o + RECORDS_LENGTH_OFFSET, recordsLength, BYTE_ORDER);
  }

  /**
   * Completes a batch whose header and body are in place: zero-fills the alignment padding,
   * computes the CRC and writes the length. {@code view} must be a ByteBuffer over the same memory
   * as {@code b} starting at index 0 of {@code b} (reused, so sealing allocates nothing).
   *
   * @return the aligned length
   */
  public static int seal(
      final MutableDirectBuffer b,
      final ByteBuffer view,
      final int o,
      final int length,
      final CRC32C crc) {
    final int aligned = alignedLength(length);
    b.setMemory(o + length, aligned - length, (byte) 0);
    crc.reset();
    view.limit(o + length).position(o + CRC_COVERED_FROM);
    crc.update(view);
    view.clear();
    b.putInt(o + CRC_OFFSET, (int) crc.getValue(), BYTE_ORDER);
    b.putInt(o + LENGTH_OFFSET, length, BYTE_ORDER);
    return aligned;
  }

  /** CRC32C over {@code [o + 8, o + length)} of a buffer with a ByteBuffer view at index 0. */
  public static int computeCrc(
      final ByteBuffer view, final int o, final int length, final CRC32C crc) {
    crc.reset();
    final int oldLimit = view.limit();
    final int oldPosition = view.position();
    view.limit(o + length).position(o + CRC_COVERED_FROM);
    crc.update(view);
    view.limit(oldLimit).position(oldPosition);
    return (int) crc.getValue();
  }

  /**
   * Checks the batch at {@code o}: structure, lengths and CRC.
   *
   * @param view a ByteBuffer over the same memory as {@code b}, index 0 aligned with {@code b}'s
   * @param available bytes readable from {@code o}
   * @return the batch length if intact, {@link #END} if no batch starts here (zero length), or
   *     {@link #INVALID}
   */
  public static int validate(
      final DirectBuffer b,
      final ByteBuffer view,
      final int o,
      final int available,
      final CRC32C crc) {
    if (available < 4) {
      return available <= 0 || b.getByte(o) == 0 ? END : INVALID;
    }
    final int length = length(b, o);
    if (length == 0) {
      return END;
    }
    if (length < HEADER_LENGTH || length > available) {
      return INVALID;
    }
    if (b.getByte(o + VERSION_OFFSET) != VERSION) {
      return INVALID;
    }
    final byte type = type(b, o);
    if (type != TYPE_DATA && type != TYPE_CONTROL) {
      return INVALID;
    }
    final long expected =
        (long) HEADER_LENGTH
            + producerIdLength(b, o)
            + streamSeqLength(b, o)
            + (long) recordsLength(b, o);
    if (recordsLength(b, o) < 0 || expected != length || recordCount(b, o) < 0) {
      return INVALID;
    }
    if (computeCrc(view, o, length, crc) != crc(b, o)) {
      return INVALID;
    }
    return length;
  }

  /** True if the 4 bytes at {@code o} are an all-zero length. */
  public static boolean isEnd(final DirectBuffer b, final int o) {
    return b.getInt(o, BYTE_ORDER) == 0;
  }
}
