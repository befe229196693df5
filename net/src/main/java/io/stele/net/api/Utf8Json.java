package io.stele.net.api;

import io.netty.buffer.ByteBuf;
import java.util.Base64;
import org.agrona.DirectBuffer;

/**
 * Writes record bytes into JSON output: as a JSON string when they are valid UTF-8 (escaped as RFC
 * 8259 requires), else as base64 in a separate member, so any bytes survive the round trip.
 */
final class Utf8Json {
  private static final byte[] HEX =
      "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  private Utf8Json() {}

  private static final long HIGH_BITS = 0x8080808080808080L;
  private static final long ONES = 0x0101010101010101L;

  /** Whether {@code [offset, offset+length)} is well-formed UTF-8 (no overlongs, no surrogates). */
  static boolean isValidUtf8(final DirectBuffer b, final int offset, final int length) {
    int i = offset;
    final int end = offset + length;
    while (i < end) {
      while (i + 8 <= end && (b.getLong(i) & HIGH_BITS) == 0) {
        i += 8; // eight ASCII bytes at once
      }
      if (i == end) {
        break;
      }
      final int c = b.getByte(i) & 0xFF;
      if (c < 0x80) {
        i++;
        continue;
      }
      final int n;
      final int min;
      if (c >= 0xC2 && c <= 0xDF) {
        n = 1;
        min = 0x80;
      } else if (c >= 0xE0 && c <= 0xEF) {
        n = 2;
        min = 0x800;
      } else if (c >= 0xF0 && c <= 0xF4) {
        n = 3;
        min = 0x10000;
      } else {
        return false;
      }
      if (i + n >= end) {
        return false; // truncated sequence
      }
      int cp = c & (0x3F >> n);
      for (int k = 1; k <= n; k++) {
        final int cc = b.getByte(i + k) & 0xFF;
        if ((cc & 0xC0) != 0x80) {
          return false;
        }
        cp = (cp << 6) | (cc & 0x3F);
      }
      if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return false;
      }
      i += n + 1;
    }
    return true;
  }

  /**
   * Appends {@code "name":<value>} (with a leading comma) for the byte range: a JSON string if it
   * is UTF-8, else {@code "name_b64":"..."}. A negative length writes {@code "name":null}.
   */
  static void member(
      final ByteBuf out,
      final String name,
      final DirectBuffer b,
      final int offset,
      final int length) {
    out.writeByte(',').writeByte('"');
    ascii(out, name);
    if (length < 0) {
      out.writeByte('"').writeByte(':');
      ascii(out, "null");
      return;
    }
    if (!isValidUtf8(b, offset, length)) {
      ascii(out, "_b64\":\"");
      final byte[] raw = new byte[length];
      b.getBytes(offset, raw);
      out.writeBytes(Base64.getEncoder().encode(raw));
      out.writeByte('"');
      return;
    }
    out.writeByte('"').writeByte(':').writeByte('"');
    final int end = offset + length;
    int i = offset;
    while (i < end) {
      // copy the longest run that needs no escaping in one go, found eight bytes at a time
      int run = i;
      while (run + 8 <= end && !needsEscape(b.getLong(run))) {
        run += 8;
      }
      while (run < end && !needsEscape(b.getByte(run) & 0xFF)) {
        run++;
      }
      if (run > i) {
        final int n = run - i;
        out.ensureWritable(n);
        b.getBytes(i, out.nioBuffer(out.writerIndex(), n), n);
        out.writerIndex(out.writerIndex() + n);
        i = run;
        continue;
      }
      final byte x = b.getByte(i++);
      final int c = x & 0xFF;
      if (c == '"' || c == '\\') {
        out.writeByte('\\').writeByte(c);
      } else if (c < 0x20) {
        switch (c) {
          case '\n':
            out.writeByte('\\').writeByte('n');
            break;
          case '\r':
            out.writeByte('\\').writeByte('r');
            break;
          case '\t':
            out.writeByte('\\').writeByte('t');
            break;
          default:
            out.writeByte('\\').writeByte('u').writeByte('0').writeByte('0');
            out.writeByte(HEX[c >> 4]).writeByte(HEX[c & 0xF]);
        }
      }
    }
    out.writeByte('"');
  }

  /** Whether any of eight bytes is a control character, {@code "} or a backslash. */
  private static boolean needsEscape(final long w) {
    final long control = (w - ONES * 0x20) & ~w & HIGH_BITS; // a byte below 0x20
    final long quote = w ^ (ONES * '"');
    final long backslash = w ^ (ONES * '\\');
    return (control
            | ((quote - ONES) & ~quote & HIGH_BITS)
            | ((backslash - ONES) & ~backslash & HIGH_BITS))
        != 0;
  }

  private static boolean needsEscape(final int c) {
    return c < 0x20 || c == '"' || c == '\\';
  }

  static void ascii(final ByteBuf out, final String s) {
    out.writeCharSequence(s, java.nio.charset.StandardCharsets.US_ASCII);
  }

  /** Appends the decimal digits of {@code v} without making a String. */
  static void number(final ByteBuf out, final long v) {
    if (v < 0) {
      ascii(out, Long.toString(v));
      return;
    }
    int digits = 1;
    for (long t = v; t >= 10; t /= 10) {
      digits++;
    }
    out.ensureWritable(digits);
    final int at = out.writerIndex();
    long t = v;
    for (int k = digits - 1; k >= 0; k--) {
      out.setByte(at + k, (int) ('0' + t % 10));
      t /= 10;
    }
    out.writerIndex(at + digits);
  }
}
