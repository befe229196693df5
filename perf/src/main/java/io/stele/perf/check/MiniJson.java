package io.stele.perf.check;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small strict JSON reader and writer for one-line objects: values are strings, integers that fit
 * a long, booleans, null, and arrays of those (nested at most {@value #MAX_DEPTH} deep). Fractions,
 * exponents, duplicate keys and trailing text are rejected.
 */
final class MiniJson {
  static final int MAX_DEPTH = 4;

  private final String s;
  private int pos;

  private MiniJson(final String s) {
    this.s = s;
  }

  /** Parses one object; values are String, Long, Boolean, null, or List of values. */
  static Map<String, Object> parseObject(final String text) {
    final MiniJson p = new MiniJson(text);
    p.skipSpace();
    final Map<String, Object> out = p.object();
    p.skipSpace();
    if (p.pos != text.length()) {
      throw p.error("trailing text");
    }
    return out;
  }

  private Map<String, Object> object() {
    expect('{');
    final Map<String, Object> out = new LinkedHashMap<>();
    skipSpace();
    if (peek() == '}') {
      pos++;
      return out;
    }
    while (true) {
      skipSpace();
      final String key = string();
      skipSpace();
      expect(':');
      skipSpace();
      final Object value = value(1);
      if (out.containsKey(key)) {
        throw error("duplicate key \"" + key + "\"");
      }
      out.put(key, value);
      skipSpace();
      final char c = next();
      if (c == '}') {
        return out;
      }
      if (c != ',') {
        throw error("expected ',' or '}'");
      }
    }
  }

  private Object value(final int depth) {
    final char c = peek();
    if (c == '"') {
      return string();
    }
    if (c == '[') {
      if (depth > MAX_DEPTH) {
        throw error("nested too deep");
      }
      return array(depth + 1);
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
      return number();
    }
    if (s.startsWith("true", pos)) {
      pos += 4;
      return Boolean.TRUE;
    }
    if (s.startsWith("false", pos)) {
      pos += 5;
      return Boolean.FALSE;
    }
    if (s.startsWith("null", pos)) {
      pos += 4;
      return null;
    }
    throw error("unexpected value");
  }

  private List<Object> array(final int depth) {
    expect('[');
    final List<Object> out = new ArrayList<>();
    skipSpace();
    if (peek() == ']') {
      pos++;
      return out;
    }
    while (true) {
      skipSpace();
      out.add(value(depth));
      skipSpace();
      final char c = next();
      if (c == ']') {
        return out;
      }
      if (c != ',') {
        throw error("expected ',' or ']'");
      }
    }
  }

  private Long number() {
    final int start = pos;
    if (peek() == '-') {
      pos++;
    }
    final int digits = pos;
    while (pos < s.length() && s.charAt(pos) >= '0' && s.charAt(pos) <= '9') {
      pos++;
    }
    if (pos == digits) {
      throw error("expected digits");
    }
    if (s.charAt(digits) == '0' && pos - digits > 1) {
      throw error("leading zero");
    }
    if (pos < s.length()
        && (s.charAt(pos) == '.' || s.charAt(pos) == 'e' || s.charAt(pos) == 'E')) {
      throw error("only integers are allowed");
    }
    try {
      return Long.parseLong(s.substring(start, pos));
    } catch (final NumberFormatException e) {
      throw error("integer out of range");
    }
  }

  private String string() {
    expect('"');
    final StringBuilder sb = new StringBuilder();
    while (true) {
      final char c = next();
      if (c == '"') {
        return sb.toString();
      }
      if (c < 0x20) {
        throw error("unescaped control character");
      }
      if (c != '\\') {
        sb.append(c);
        continue;
      }
      final char e = next();
      switch (e) {
        case '"', '\\', '/' -> sb.append(e);
        case 'b' -> sb.append('\b');
        case 'f' -> sb.append('\f');
        case 'n' -> sb.append('\n');
        case 'r' -> sb.append('\r');
        case 't' -> sb.append('\t');
        case 'u' -> {
          if (pos + 4 > s.length()) {
            throw error("short \\u escape");
          }
          int cp = 0;
          for (int i = 0; i < 4; i++) {
            final int d = Character.digit(s.charAt(pos++), 16);
            if (d < 0) {
              throw error("bad \\u escape");
            }
            cp = cp * 16 + d;
          }
          sb.append((char) cp);
        }
        default -> throw error("bad escape");
      }
    }
  }

  private void skipSpace() {
    while (pos < s.length()) {
      final char c = s.charAt(pos);
      if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
        return;
      }
      pos++;
    }
  }

  private char peek() {
    if (pos >= s.length()) {
      throw error("unexpected end");
    }
    return s.charAt(pos);
  }

  private char next() {
    final char c = peek();
    pos++;
    return c;
  }

  private void expect(final char c) {
    if (next() != c) {
      pos--;
      throw error("expected '" + c + "'");
    }
  }

  private IllegalArgumentException error(final String what) {
    return new IllegalArgumentException(what + " at column " + (pos + 1));
  }

  /** Appends {@code value} as a JSON string. */
  static StringBuilder quote(final StringBuilder sb, final String value) {
    sb.append('"');
    for (int i = 0; i < value.length(); i++) {
      final char c = value.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20 || c == 0x2028 || c == 0x2029) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"');
  }
}
