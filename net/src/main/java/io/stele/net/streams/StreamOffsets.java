package io.stele.net.streams;

/**
 * Offset tokens: {@code RRRRRRRRRRRRRRRR_0000000000000000}, the stream's record position (the
 * number of messages before it) as 16 zero-padded decimal digits, an underscore, and 16 reserved
 * digits that are always zero. Fixed width makes lexicographic order equal to stream order; the
 * reserved field leaves room for positions inside a message without changing the width. {@code -1}
 * (stream start) and {@code now} (tail) are protocol sentinels and never generated.
 */
final class StreamOffsets {
  static final int LENGTH = 33;
  static final long MAX = 9_999_999_999_999_999L;

  /** Returned by {@link #parse} for {@code -1}. */
  static final long START = -1;

  /** Returned by {@link #parse} for {@code now}. */
  static final long NOW = -2;

  /** Returned by {@link #parse} for anything else. */
  static final long INVALID = -3;

  private StreamOffsets() {}

  /** Formats a record position as a token. */
  static String format(final long position) {
    final char[] out = new char[LENGTH];
    long v = position;
    for (int i = 15; i >= 0; i--) {
      out[i] = (char) ('0' + (v % 10));
      v /= 10;
    }
    out[16] = '_';
    for (int i = 17; i < LENGTH; i++) {
      out[i] = '0';
    }
    return new String(out);
  }

  /**
   * Parses a token or a sentinel: the position, {@link #START}, {@link #NOW} or {@link #INVALID}.
   */
  static long parse(final String token) {
    if ("-1".equals(token)) {
      return START;
    }
    if ("now".equals(token)) {
      return NOW;
    }
    if (token.length() != LENGTH || token.charAt(16) != '_') {
      return INVALID;
    }
    long v = 0;
    for (int i = 0; i < 16; i++) {
      final char c = token.charAt(i);
      if (c < '0' || c > '9') {
        return INVALID;
      }
      v = v * 10 + (c - '0');
    }
    for (int i = 17; i < LENGTH; i++) {
      if (token.charAt(i) != '0') {
        return INVALID;
      }
    }
    return v;
  }
}
