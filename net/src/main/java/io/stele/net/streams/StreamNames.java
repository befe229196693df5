package io.stele.net.streams;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Maps a stream path onto the name of the topic that stores it: {@code __stream.} followed by the
 * path's UTF-8 bytes, where {@code A-Z a-z 0-9 . -} stay as they are and every other byte
 * (including {@code _}) becomes {@code _} and two upper-case hex digits. The encoding is injective
 * (an {@code _} always starts an escape), stays within the topic alphabet, and never reaches the
 * filesystem as a path. Topic names starting with {@code __} are reserved, so the native API can
 * neither see nor forge a stream's topic.
 */
final class StreamNames {
  /** Prefix of every stream topic. */
  static final String TOPIC_PREFIX = "__stream.";

  /** Longest topic name the engine accepts. */
  static final int MAX_TOPIC_LENGTH = 249;

  /** Route prefix the streams live under. */
  static final String ROUTE_PREFIX = "/v1/stream";

  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private StreamNames() {}

  /** Thrown for a path that cannot name a stream; the message says why. */
  static final class BadPathException extends Exception {
    private static final long serialVersionUID = 1L;

    final boolean tooLong;

    BadPathException(final String message, final boolean tooLong) {
      super(message, null, false, false);
      this.tooLong = tooLong;
    }
  }

  /**
   * The stream path (percent-decoded, without the route prefix and leading {@code /}) of a request
   * path such as {@code /v1/stream/a/b}.
   */
  static String streamPath(final String requestPath) throws BadPathException {
    if (!requestPath.startsWith(ROUTE_PREFIX + "/")
        || requestPath.length() == ROUTE_PREFIX.length() + 1) {
      throw new BadPathException("no stream path after " + ROUTE_PREFIX + "/", false);
    }
    return percentDecode(requestPath.substring(ROUTE_PREFIX.length() + 1));
  }

  /** The stream path named by a {@code Stream-Forked-From} value: a full URL, a path, or a name. */
  static String streamPathOfReference(final String reference) throws BadPathException {
    String ref = reference.trim();
    final int scheme = ref.indexOf("://");
    if (scheme > 0) {
      final int slash = ref.indexOf('/', scheme + 3);
      ref = slash < 0 ? "/" : ref.substring(slash);
    }
    final int q = ref.indexOf('?');
    if (q >= 0) {
      ref = ref.substring(0, q);
    }
    if (ref.startsWith(ROUTE_PREFIX + "/")) {
      return streamPath(ref);
    }
    if (ref.startsWith("/")) {
      ref = ref.substring(1);
    }
    if (ref.isEmpty()) {
      throw new BadPathException("empty stream reference", false);
    }
    return percentDecode(ref);
  }

  /** The topic storing the stream at {@code streamPath}. */
  static String topicOf(final String streamPath) throws BadPathException {
    final byte[] bytes = streamPath.getBytes(StandardCharsets.UTF_8);
    final StringBuilder name = new StringBuilder(TOPIC_PREFIX.length() + bytes.length + 8);
    name.append(TOPIC_PREFIX);
    for (final byte b : bytes) {
      final int c = b & 0xFF;
      if ((c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || c == '.'
          || c == '-') {
        name.append((char) c);
      } else {
        name.append('_').append(HEX[c >> 4]).append(HEX[c & 0xF]);
      }
      if (name.length() > MAX_TOPIC_LENGTH) {
        throw new BadPathException(
            "stream path too long: its encoded name exceeds "
                + MAX_TOPIC_LENGTH
                + " characters (at most "
                + (MAX_TOPIC_LENGTH - TOPIC_PREFIX.length())
                + " plain characters)",
            true);
      }
    }
    return name.toString();
  }

  private static String percentDecode(final String s) throws BadPathException {
    if (s.indexOf('%') < 0) {
      return s;
    }
    final ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
    for (int i = 0; i < s.length(); i++) {
      final char c = s.charAt(i);
      if (c == '%') {
        if (i + 2 >= s.length()) {
          throw new BadPathException("bad percent-encoding in stream path", false);
        }
        final int hi = Character.digit(s.charAt(i + 1), 16);
        final int lo = Character.digit(s.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          throw new BadPathException("bad percent-encoding in stream path", false);
        }
        out.write((hi << 4) | lo);
        i += 2;
      } else {
        final byte[] utf8 = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        out.write(utf8, 0, utf8.length);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
