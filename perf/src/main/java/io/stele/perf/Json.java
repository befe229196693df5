package io.stele.perf;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Just enough JSON for result files: writes maps, lists, strings, numbers, booleans and null (NaN
 * and infinities as null); parses them back into {@link LinkedHashMap}, {@link ArrayList}, {@link
 * String}, {@link Double}, {@link Boolean} and null.
 */
final class Json {
  private Json() {}

  static String write(final Object value) {
    final StringBuilder sb = new StringBuilder();
    write(sb, value, 0);
    return sb.append('\n').toString();
  }

  private static void write(final StringBuilder sb, final Object v, final int indent) {
    if (v == null) {
      sb.append("null");
    } else if (v instanceof String) {
      quote(sb, (String) v);
    } else if (v instanceof Double || v instanceof Float) {
      final double d = ((Number) v).doubleValue();
      if (Double.isNaN(d) || Double.isInfinite(d)) {
        sb.append("null");
      } else if (d == Math.rint(d) && Math.abs(d) < 1e15) {
        sb.append((long) d);
      } else {
        sb.append(String.format(Locale.ROOT, "%.6g", d).replaceFirst("\\.?0+(e|$)", "$1"));
      }
    } else if (v instanceof Number || v instanceof Boolean) {
      sb.append(v);
    } else if (v instanceof Map) {
      final Map<?, ?> m = (Map<?, ?>) v;
      sb.append('{');
      boolean first = true;
      for (final Map.Entry<?, ?> e : m.entrySet()) {
        sb.append(first ? "" : ",").append('\n').append("  ".repeat(indent + 1));
        first = false;
        quote(sb, String.valueOf(e.getKey()));
        sb.append(": ");
        write(sb, e.getValue(), indent + 1);
      }
      if (!first) {
        sb.append('\n').append("  ".repeat(indent));
      }
      sb.append('}');
    } else if (v instanceof List) {
      final List<?> l = (List<?>) v;
      final boolean flat = l.stream().noneMatch(x -> x instanceof Map || x instanceof List);
      sb.append('[');
      for (int i = 0; i < l.size(); i++) {
        if (i > 0) {
          sb.append(flat ? ", " : ",");
        }
        if (!flat) {
          sb.append('\n').append("  ".repeat(indent + 1));
        }
        write(sb, l.get(i), indent + 1);
      }
      if (!flat && !l.isEmpty()) {
        sb.append('\n').append("  ".repeat(indent));
      }
      sb.append(']');
    } else {
      throw new IllegalArgumentException("not JSON: " + v.getClass());
    }
  }

  private static void quote(final StringBuilder sb, final String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      final char c = s.charAt(i);
      switch (c) {
        case '"':
          sb.append("\\\"");
          break;
        case '\\':
          sb.append("\\\\");
          break;
        case '\n':
          sb.append("\\n");
          break;
        case '\r':
          sb.append("\\r");
          break;
        case '\t':
          sb.append("\\t");
          break;
        default:
          if (c < 0x20) {
            sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
      }
    }
    sb.append('"');
  }

  /** Parses one JSON value; trailing non-whitespace is an error. */
  static Object parse(final String text) {
    final Parser p = new Parser(text);
    final Object v = p.value();
    p.skipWhitespace();
    if (p.pos != text.length()) {
      throw p.error("trailing characters");
    }
    return v;
  }

  private static final class Parser {
    private final String s;
    private int pos;
    private int depth;

    Parser(final String s) {
      this.s = s;
    }

    Object value() {
      skipWhitespace();
      if (pos >= s.length()) {
        throw error("unexpected end");
      }
      final char c = s.charAt(pos);
      switch (c) {
        case '{':
          return object();
        case '[':
          return array();
        case '"':
          return string();
        case 't':
          return literal("true", Boolean.TRUE);
        case 'f':
          return literal("false", Boolean.FALSE);
        case 'n':
          return literal("null", null);
        default:
          return number();
      }
    }

    private Map<String, Object> object() {
      enter();
      pos++;
      final Map<String, Object> m = new LinkedHashMap<>();
      skipWhitespace();
      if (peek() == '}') {
        pos++;
        depth--;
        return m;
      }
      while (true) {
        skipWhitespace();
        if (peek() != '"') {
          throw error("expected a key");
        }
        final String key = string();
        skipWhitespace();
        expect(':');
        m.put(key, value());
        skipWhitespace();
        if (peek() == ',') {
          pos++;
        } else {
          expect('}');
          depth--;
          return m;
        }
      }
    }

    private List<Object> array() {
      enter();
      pos++;
      final List<Object> l = new ArrayList<>();
      skipWhitespace();
      if (peek() == ']') {
        pos++;
        depth--;
        return l;
      }
      while (true) {
        l.add(value());
        skipWhitespace();
        if (peek() == ',') {
          pos++;
        } else {
          expect(']');
          depth--;
          return l;
        }
      }
    }

    private String string() {
      pos++;
      final StringBuilder sb = new StringBuilder();
      while (true) {
        if (pos >= s.length()) {
          throw error("unterminated string");
        }
        final char c = s.charAt(pos++);
        if (c == '"') {
          return sb.toString();
        }
        if (c != '\\') {
          sb.append(c);
          continue;
        }
        if (pos >= s.length()) {
          throw error("unterminated escape");
        }
        final char e = s.charAt(pos++);
        switch (e) {
          case 'n':
            sb.append('\n');
            break;
          case 'r':
            sb.append('\r');
            break;
          case 't':
            sb.append('\t');
            break;
          case 'b':
            sb.append('\b');
            break;
          case 'f':
            sb.append('\f');
            break;
          case 'u':
            if (pos + 4 > s.length()) {
              throw error("short \\u escape");
            }
            sb.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
            pos += 4;
            break;
          default:
            sb.append(e);
        }
      }
    }

    private Double number() {
      final int start = pos;
      while (pos < s.length() && "+-0123456789.eE".indexOf(s.charAt(pos)) >= 0) {
        pos++;
      }
      if (start == pos) {
        throw error("unexpected character");
      }
      try {
        return Double.valueOf(s.substring(start, pos));
      } catch (final NumberFormatException e) {
        throw error("bad number");
      }
    }

    private Object literal(final String word, final Object value) {
      if (!s.startsWith(word, pos)) {
        throw error("unexpected literal");
      }
      pos += word.length();
      return value;
    }

    private void enter() {
      if (++depth > 64) {
        throw error("nested too deep");
      }
    }

    private char peek() {
      if (pos >= s.length()) {
        throw error("unexpected end");
      }
      return s.charAt(pos);
    }

    private void expect(final char c) {
      if (peek() != c) {
        throw error("expected " + c);
      }
      pos++;
    }

    void skipWhitespace() {
      while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
        pos++;
      }
    }

    IllegalArgumentException error(final String what) {
      return new IllegalArgumentException("JSON: " + what + " at " + pos);
    }
  }
}
