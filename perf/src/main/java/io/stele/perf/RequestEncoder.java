package io.stele.perf;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * Writes one request into a buffer. Encoders are per connection and used only on its event loop;
 * they keep their bytes pre-encoded, so encoding is copies plus, where the request varies, a few
 * digits written in place.
 */
interface RequestEncoder {

  /** Writes the next request; {@code intendedNs} is its intended send time. */
  void encode(ByteBuf out, long intendedNs);

  /** Bytes of the next request (an upper bound), to size the buffer. */
  int sizeHint();

  /** Digits of a timestamp slot in a payload: {@code t=} then 19 digits (ns since the origin). */
  int TIMESTAMP_DIGITS = 19;

  /** The marker before a timestamp slot. */
  byte[] TIMESTAMP_MARKER = {'t', '='};

  /** A request that is the same bytes every time, or with a timestamp slot patched in. */
  final class Fixed implements RequestEncoder {
    private final byte[] bytes;
    private final int[] timestampSlots;
    private final long originNs;

    /**
     * @param bytes the whole request
     * @param timestampSlots offsets of 19-digit slots to fill with {@code intendedNs - originNs}
     * @param originNs subtracted from the intended time so the slot holds a non-negative number
     */
    Fixed(final byte[] bytes, final int[] timestampSlots, final long originNs) {
      this.bytes = bytes;
      this.timestampSlots = timestampSlots;
      this.originNs = originNs;
    }

    @Override
    public void encode(final ByteBuf out, final long intendedNs) {
      final int base = out.writerIndex();
      out.writeBytes(bytes);
      if (timestampSlots.length > 0) {
        long v = Math.max(0, intendedNs - originNs);
        // write the digits once, then copy them to every other slot
        final int first = base + timestampSlots[0];
        for (int i = TIMESTAMP_DIGITS - 1; i >= 0; i--) {
          out.setByte(first + i, (int) ('0' + v % 10));
          v /= 10;
        }
        for (int s = 1; s < timestampSlots.length; s++) {
          out.setBytes(base + timestampSlots[s], out, first, TIMESTAMP_DIGITS);
        }
      }
    }

    @Override
    public int sizeHint() {
      return bytes.length;
    }
  }

  /**
   * A paged read: {@code prefix + offset + suffix}, the offset advancing by {@code limit} per
   * request and wrapping so every page is full: offsets cycle over {@code [0, end - limit]}.
   */
  final class Paged implements RequestEncoder {
    private final byte[] prefix;
    private final byte[] suffix;
    private final long step;
    private final long wrapAt;
    private long offset;

    Paged(
        final String prefix,
        final String suffix,
        final long firstOffset,
        final long step,
        final long endOffset) {
      this.prefix = prefix.getBytes(StandardCharsets.US_ASCII);
      this.suffix = suffix.getBytes(StandardCharsets.US_ASCII);
      this.step = Math.max(1, step);
      this.wrapAt = Math.max(1, endOffset - step + 1);
      this.offset = firstOffset % wrapAt;
    }

    @Override
    public void encode(final ByteBuf out, final long intendedNs) {
      out.writeBytes(prefix);
      writeDecimal(out, offset);
      out.writeBytes(suffix);
      offset += step;
      if (offset >= wrapAt) {
        offset = 0;
      }
    }

    @Override
    public int sizeHint() {
      return prefix.length + 20 + suffix.length;
    }
  }

  /** Writes a non-negative decimal without allocating. */
  static void writeDecimal(final ByteBuf out, final long value) {
    if (value == 0) {
      out.writeByte('0');
      return;
    }
    long divisor = 1;
    while (value / divisor >= 10) {
      divisor *= 10;
    }
    for (long v = value; divisor > 0; divisor /= 10) {
      out.writeByte((int) ('0' + (v / divisor) % 10));
    }
  }
}
