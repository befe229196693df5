package io.stele.engine.format;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Encoding of the records inside a data batch. Each record:
 *
 * <pre>
 *  varint  bodyLength          bytes after this field
 *  varint  offsetDelta         offset - batch base offset
 *  varlong timestampDelta      zig-zag, timestamp - batch first timestamp
 *  varint  keyLength + 1       0 means no key
 *  bytes   key
 *  varint  valueLength
 *  bytes   value
 *  varint  headerCount         then per header: varint keyLength, key, varint valueLength, value
 * </pre>
 *
 * Varints are unsigned LEB128 (7 bits per byte, low group first), as in Protocol Buffers.
 */
public final class RecordCodec {
  private RecordCodec() {}

  public static int varintLength(final int value) {
    if ((value & (0xFFFFFFFF << 7)) == 0) {
      return 1;
    } else if ((value & (0xFFFFFFFF << 14)) == 0) {
      return 2;
    } else if ((value & (0xFFFFFFFF << 21)) == 0) {
      return 3;
    } else if ((value & (0xFFFFFFFF << 28)) == 0) {
      return 4;
    }
    return 5;
  }

  public static int varlongLength(final long value) {
    long v = value;
    int n = 1;
    while ((v & ~0x7FL) != 0) {
      v >>>= 7;
      n++;
    }
    return n;
  }

  public static long zigzag(final long v) {
    return (v << 1) ^ (v >> 63);
  }

  public static long unzigzag(final long v) {
    return (v >>> 1) ^ -(v & 1);
  }

  /** Writes an unsigned varint; returns bytes written. */
  public static int putVarint(final MutableDirectBuffer b, final int o, final int value) {
    int v = value;
    int i = o;
    while ((v & ~0x7F) != 0) {
      b.putByte(i++, (byte) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    b.putByte(i++, (byte) v);
    return i - o;
  }

  public static int putVarlong(final MutableDirectBuffer b, final int o, final long value) {
    long v = value;
    int i = o;
    while ((v & ~0x7FL) != 0) {
      b.putByte(i++, (byte) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    b.putByte(i++, (byte) v);
    return i - o;
  }

  /** Length of a record's body (what its bodyLength field holds), without headers. */
  public static int bodyLength(
      final int offsetDelta,
      final long timestampDelta,
      final int keyLength,
      final int valueLength) {
    final int keyField = keyLength < 0 ? 0 : keyLength + 1;
    return varintLength(offsetDelta)
        + varlongLength(zigzag(timestampDelta))
        + varintLength(keyField)
        + Math.max(keyLength, 0)
        + varintLength(valueLength)
        + valueLength
        + 1;
  }

  /** Full encoded length of a record: its body and the length prefix. */
  public static int encodedLength(
      final int offsetDelta,
      final long timestampDelta,
      final int keyLength,
      final int valueLength) {
    final int body = bodyLength(offsetDelta, timestampDelta, keyLength, valueLength);
    return varintLength(body) + body;
  }

  /**
   * Encodes one record (no headers) at {@code o}; returns the bytes written. A negative {@code
   * keyLength} means no key.
   */
  public static int encode(
      final MutableDirectBuffer b,
      final int o,
      final int offsetDelta,
      final long timestampDelta,
      final DirectBuffer src,
      final int keyOffset,
      final int keyLength,
      final int valueOffset,
      final int valueLength) {
    int i = o;
    i += putVarint(b, i, bodyLength(offsetDelta, timestampDelta, keyLength, valueLength));
    i += putVarint(b, i, offsetDelta);
    i += putVarlong(b, i, zigzag(timestampDelta));
    if (keyLength < 0) {
      i += putVarint(b, i, 0);
    } else {
      i += putVarint(b, i, keyLength + 1);
      b.putBytes(i, src, keyOffset, keyLength);
      i += keyLength;
    }
    i += putVarint(b, i, valueLength);
    b.putBytes(i, src, valueOffset, valueLength);
    i += valueLength;
    b.putByte(i++, (byte) 0);
    return i - o;
  }

  /**
   * Copies the well-formed record at {@code src[from]} to {@code dst[to]} with its offset delta
   * increased by {@code offsetShift} and its timestamp delta by {@code timestampShift}: how a
   * request's records, encoded relative to the request, join a batch that already holds others.
   *
   * @return the bytes read from {@code src} in the low 32 bits, the bytes written to {@code dst} in
   *     the high 32 bits
   */
  public static long rebase(
      final DirectBuffer src,
      final int from,
      final MutableDirectBuffer dst,
      final int to,
      final int offsetShift,
      final long timestampShift) {
    int i = from;
    int body = 0;
    for (int shift = 0; ; shift += 7) {
      final byte b = src.getByte(i++);
      body |= (b & 0x7F) << shift;
      if (b >= 0) {
        break;
      }
    }
    final int bodyStart = i;
    int offsetDelta = 0;
    for (int shift = 0; ; shift += 7) {
      final byte b = src.getByte(i++);
      offsetDelta |= (b & 0x7F) << shift;
      if (b >= 0) {
        break;
      }
    }
    long tsField = 0;
    for (int shift = 0; ; shift += 7) {
      final byte b = src.getByte(i++);
      tsField |= (long) (b & 0x7F) << shift;
      if (b >= 0) {
        break;
      }
    }
    final int rest = body - (i - bodyStart);
    final int newOffsetDelta = offsetDelta + offsetShift;
    final long newTs = zigzag(unzigzag(tsField) + timestampShift);
    final int newBody = varintLength(newOffsetDelta) + varlongLength(newTs) + rest;
    int o = to;
    o += putVarint(dst, o, newBody);
    o += putVarint(dst, o, newOffsetDelta);
    o += putVarlong(dst, o, newTs);
    dst.putBytes(o, src, i, rest);
    o += rest;
    final int read = i + rest - from;
    return ((long) (o - to) << 32) | read;
  }

  /** The most {@link #rebase} can add to one record: longer delta and length varints. */
  public static final int REBASE_GROWTH = 4 + 9 + 4;

  /**
   * A reusable cursor over the records of one data batch. {@link #next()} decodes the following
   * record into the cursor's fields; every length is bounds-checked against the records section so
   * a malformed section yields {@code false}, never an exception.
   */
  public static final class Cursor {
    private DirectBuffer buffer;
    private int position;
    private int limit;
    private long baseOffset;
    private long firstTimestamp;
    private boolean malformed;

    public long offset;
    public long timestamp;
    public int keyOffset;
    public int keyLength;
    public int valueOffset;
    public int valueLength;

    /** Wraps the records section of the batch at {@code batchOffset}. */
    public Cursor wrapBatch(final DirectBuffer b, final int batchOffset) {
      final int from = BatchDescriptor.recordsOffset(b, batchOffset);
      return wrap(
          b,
          from,
          from + BatchDescriptor.recordsLength(b, batchOffset),
          BatchDescriptor.baseOffset(b, batchOffset),
          BatchDescriptor.firstTimestamp(b, batchOffset));
    }

    public Cursor wrap(
        final DirectBuffer b,
        final int from,
        final int to,
        final long baseOffset,
        final long firstTimestamp) {
      this.buffer = b;
      this.position = from;
      this.limit = to;
      this.baseOffset = baseOffset;
      this.firstTimestamp = firstTimestamp;
      this.malformed = false;
      return this;
    }

    /** True if a record was decoded; false at the end of the section or when malformed. */
    public boolean next() {
      if (position >= limit || malformed) {
        return false;
      }
      final long body = readVarlong();
      if (body < 0 || body > limit - position) {
        return fail();
      }
      final int end = position + (int) body;
      final long delta = readVarlong();
      final long ts = readVarlong();
      final long keyField = readVarlong();
      if (delta < 0 || ts < 0 || keyField < 0 || keyField - 1 > end - position) {
        return fail();
      }
      offset = baseOffset + delta;
      timestamp = firstTimestamp + unzigzag(ts);
      if (keyField == 0) {
        keyOffset = position;
        keyLength = -1;
      } else {
        keyOffset = position;
        keyLength = (int) keyField - 1;
        position += keyLength;
      }
      final long vl = readVarlong();
      if (vl < 0 || vl > end - position) {
        return fail();
      }
      valueOffset = position;
      valueLength = (int) vl;
      position = end;
      return true;
    }

    private boolean fail() {
      malformed = true;
      return false;
    }

    public boolean isMalformed() {
      return malformed;
    }

    private long readVarlong() {
      long result = 0;
      int shift = 0;
      while (position < limit && shift < 64) {
        final byte b = buffer.getByte(position++);
        result |= (long) (b & 0x7F) << shift;
        if ((b & 0x80) == 0) {
          return result;
        }
        shift += 7;
      }
      malformed = true;
      return -1;
    }
  }
}
