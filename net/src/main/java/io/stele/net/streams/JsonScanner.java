package io.stele.net.streams;

import io.netty.buffer.ByteBuf;
import java.util.Arrays;

/**
 * Validates a JSON document (RFC 8259) in a byte range and finds its messages: the elements of a
 * top-level array (one level is flattened, as JSON mode requires), or the whole value otherwise.
 * One instance per event loop; it keeps the spans of the last scan and reuses its arrays.
 */
final class JsonScanner {
  /** Deepest nesting accepted; deeper documents are refused rather than risking the stack. */
  static final int MAX_DEPTH = 256;

  private int[] starts = new int[16];
  private int[] ends = new int[16];
  private int count;
  private boolean array;
  private String error;

  private ByteBuf buf;
  private int pos;
  private int limit;

  /** Number of messages found by the last successful scan. */
  int count() {
    return count;
  }

  /** Whether the document was a top-level array. */
  boolean wasArray() {
    return array;
  }

  int start(final int i) {
    return starts[i];
  }

  int end(final int i) {
    return ends[i];
  }

  /** Why the last scan failed. */
  String error() {
    return error;
  }

  /**
   * Scans {@code [from, to)} of {@code buf}.
   *
   * @return true if it is one valid JSON value; the messages are then available
   */
  boolean scan(final ByteBuf buf, final int from, final int to) {
    this.buf = buf;
    this.pos = from;
    this.limit = to;
    this.count = 0;
    this.array = false;
    this.error = null;
    try {
      skipWs();
      if (pos >= limit) {
        return fail("empty JSON body");
      }
      if (peek() == '[') {
        array = true;
        pos++;
        skipWs();
        if (pos < limit && peek() == ']') {
          pos++;
        } else {
          while (true) {
            skipWs();
            final int s = pos;
            value(1);
            add(s, pos);
            skipWs();
            if (pos >= limit) {
              return fail("unterminated array");
            }
            final int c = next();
            if (c == ']') {
              break;
            }
            if (c != ',') {
              return fail("expected ',' or ']' at byte " + (pos - 1 - from));
            }
          }
        }
      } else {
        final int s = pos;
        value(0);
        add(s, pos);
      }
      skipWs();
      if (pos != limit) {
        return fail("trailing data after JSON value at byte " + (pos - from));
      }
      return true;
    } catch (final SyntaxError e) {
      count = 0;
      return fail(e.getMessage());
    } finally {
      this.buf = null;
    }
  }

  private boolean fail(final String why) {
    count = 0;
    error = why;
    return false;
  }

  private void add(final int s, final int e) {
    if (count == starts.length) {
      starts = Arrays.copyOf(starts, count * 2);
      ends = Arrays.copyOf(ends, count * 2);
    }
    starts[count] = s;
    ends[count] = e;
    count++;
  }

  private static final class SyntaxError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    SyntaxError(final String message) {
      super(message, null, false, false);
    }
  }

  private SyntaxError error(final String what) {
    return new SyntaxError("invalid JSON: " + what);
  }

  private int peek() {
    return buf.getByte(pos) & 0xFF;
  }

  private int next() {
    if (pos >= limit) {
      throw error("unexpected end");
    }
    return buf.getByte(pos++) & 0xFF;
  }

  private void skipWs() {
    while (pos < limit) {
      final int c = peek();
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        pos++;
      } else {
        return;
      }
    }
  }

  private void value(final int depth) {
    if (depth > MAX_DEPTH) {
      throw error("nesting deeper than " + MAX_DEPTH);
    }
    skipWs();
    if (pos >= limit) {
      throw error("unexpected end");
    }
    final int c = peek();
    switch (c) {
      case '{':
        pos++;
        skipWs();
        if (pos < limit && peek() == '}') {
          pos++;
          return;
        }
        while (true) {
          skipWs();
          if (pos >= limit || peek() != '"') {
            throw error("expected a string key");
          }
          string();
          skipWs();
          if (next() != ':') {
            throw error("expected ':'");
          }
          value(depth + 1);
          skipWs();
          final int d = next();
          if (d == '}') {
            return;
          }
          if (d != ',') {
            throw error("expected ',' or '}'");
          }
        }
      case '[':
        pos++;
        skipWs();
        if (pos < limit && peek() == ']') {
          pos++;
          return;
        }
        while (true) {
          value(depth + 1);
          skipWs();
          final int d = next();
          if (d == ']') {
            return;
          }
          if (d != ',') {
            throw error("expected ',' or ']'");
          }
        }
      case '"':
        string();
        return;
      case 't':
        literal("true");
        return;
      case 'f':
        literal("false");
        return;
      case 'n':
        literal("null");
        return;
      default:
        if (c == '-' || (c >= '0' && c <= '9')) {
          number();
          return;
        }
        throw error("unexpected character '" + (char) c + "'");
    }
  }

  private void literal(final String word) {
    for (int i = 0; i < word.length(); i++) {
      if (next() != word.charAt(i)) {
        throw error("bad literal");
      }
    }
  }

  private void number() {
    if (peek() == '-') {
      pos++;
    }
    int c = next();
    if (c == '0') {
      // no leading zeros
    } else if (c >= '1' && c <= '9') {
      while (pos < limit && isDigit(peek())) {
        pos++;
      }
    } else {
      throw error("bad number");
    }
    if (pos < limit && peek() == '.') {
      pos++;
      c = next();
      if (!isDigit(c)) {
        throw error("bad number fraction");
      }
      while (pos < limit && isDigit(peek())) {
        pos++;
      }
    }
    if (pos < limit && (peek() == 'e' || peek() == 'E')) {
      pos++;
      if (pos < limit && (peek() == '+' || peek() == '-')) {
        pos++;
      }
      c = next();
      if (!isDigit(c)) {
        throw error("bad number exponent");
      }
      while (pos < limit && isDigit(peek())) {
        pos++;
      }
    }
  }

  private static boolean isDigit(final int c) {
    return c >= '0' && c <= '9';
  }

  private void string() {
    pos++; // opening quote
    while (true) {
      final int c = next();
      if (c == '"') {
        return;
      }
      if (c < 0x20) {
        throw error("control character in string");
      }
      if (c == '\\') {
        final int e = next();
        switch (e) {
          case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
            break;
          case 'u':
            for (int i = 0; i < 4; i++) {
              if (Character.digit(next(), 16) < 0) {
                throw error("bad \\u escape");
              }
            }
            break;
          default:
            throw error("bad escape");
        }
      } else if (c >= 0x80) {
        utf8Continuation(c);
      }
    }
  }

  /** Checks the continuation bytes of a multi-byte UTF-8 sequence starting with {@code lead}. */
  private void utf8Continuation(final int lead) {
    final int more;
    if (lead >= 0xC2 && lead <= 0xDF) {
      more = 1;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      more = 2;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      more = 3;
    } else {
      throw error("invalid UTF-8");
    }
    for (int i = 0; i < more; i++) {
      final int c = next();
      if ((c & 0xC0) != 0x80) {
        throw error("invalid UTF-8");
      }
    }
  }
}
