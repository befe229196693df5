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

  /** Whether {@code [offset, offset+length)} is well-formed UTF-8 (no overlongs, no surrogates). */
  static boolean isValidUtf8(final DirectBuffer b, final int offset, final int length) {
    int i = offset;
    final int end = offset + length;
    while (i < end) {
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
    for (int i = offset, end = offset + length; i < end; i++) {
      final byte x = b.getByte(i);
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
      } else {
        out.writeByte(x);
      }
    }
    out.writeByte('"');
  }

  static void ascii(final ByteBuf out, final String s) {
    for (int i = 0; i < s.length(); i++) {
      out.writeByte(s.charAt(i));
    }
  }

  static void number(final ByteBuf out, final long v) {
    ascii(out, Long.toString(v));
  }
}
