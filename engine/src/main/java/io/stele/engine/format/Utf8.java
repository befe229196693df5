package io.stele.engine.format;

import java.nio.charset.StandardCharsets;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/** Allocation-free UTF-8 length and encoding of strings into buffers. */
public final class Utf8 {
  private Utf8() {}

  /** The UTF-8 length of {@code s} (0 for null). Unpaired surrogates count as '?'. */
  public static int length(final String s) {
    if (s == null) {
      return 0;
    }
    int n = 0;
    final int len = s.length();
    for (int i = 0; i < len; i++) {
      final char c = s.charAt(i);
      if (c < 0x80) {
        n++;
      } else if (c < 0x800) {
        n += 2;
      } else if (Character.isHighSurrogate(c)
          && i + 1 < len
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        n += 4;
        i++;
      } else if (Character.isSurrogate(c)) {
        n++;
      } else {
        n += 3;
      }
    }
    return n;
  }

  /** Encodes {@code s} at {@code o}; returns bytes written (0 for null). */
  public static int put(final MutableDirectBuffer b, final int o, final String s) {
    if (s == null) {
      return 0;
    }
    int p = o;
    final int len = s.length();
    for (int i = 0; i < len; i++) {
      final char c = s.charAt(i);
      if (c < 0x80) {
        b.putByte(p++, (byte) c);
      } else if (c < 0x800) {
        b.putByte(p++, (byte) (0xC0 | (c >> 6)));
        b.putByte(p++, (byte) (0x80 | (c & 0x3F)));
      } else if (Character.isHighSurrogate(c)
          && i + 1 < len
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        final int cp = Character.toCodePoint(c, s.charAt(++i));
        b.putByte(p++, (byte) (0xF0 | (cp >> 18)));
        b.putByte(p++, (byte) (0x80 | ((cp >> 12) & 0x3F)));
        b.putByte(p++, (byte) (0x80 | ((cp >> 6) & 0x3F)));
        b.putByte(p++, (byte) (0x80 | (cp & 0x3F)));
      } else if (Character.isSurrogate(c)) {
        b.putByte(p++, (byte) '?');
      } else {
        b.putByte(p++, (byte) (0xE0 | (c >> 12)));
        b.putByte(p++, (byte) (0x80 | ((c >> 6) & 0x3F)));
        b.putByte(p++, (byte) (0x80 | (c & 0x3F)));
      }
    }
    return p - o;
  }

  /** Decodes {@code length} bytes at {@code o} (allocates; not for the per-record path). */
  public static String get(final DirectBuffer b, final int o, final int length) {
    final byte[] bytes = new byte[length];
    b.getBytes(o, bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  /** True if the bytes at {@code o} equal the UTF-8 encoding of {@code s}. Allocation-free. */
  public static boolean equalsBytes(
      final String s, final DirectBuffer b, final int o, final int length) {
    if (s == null) {
      return false;
    }
    final int len = s.length();
    if (len > length) {
      return false;
    }
    int p = o;
    for (int i = 0; i < len; i++) {
      final char c = s.charAt(i);
      if (c >= 0x80) {
        return s.equals(get(b, o, length));
      }
      if (p >= o + length || b.getByte(p++) != (byte) c) {
        return false;
      }
    }
    return p == o + length;
  }
}
