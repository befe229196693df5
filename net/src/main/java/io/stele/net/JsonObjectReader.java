package io.stele.net;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A strict reader for the small flat JSON objects the API accepts as request bodies (topic
 * configuration, offset commits): string, integer, boolean and null members, no nesting. Anything
 * else is an {@link IllegalArgumentException} whose message says what and where, for a 400.
 */
public final class JsonObjectReader {
  private final String s;
  private int i;

  private JsonObjectReader(final String s) {
    this.s = s;
  }

  /** Parses {@code text} as one flat object; values are String, Long, Boolean or null. */
  public static Map<String, Object> parse(final String text) {
    final JsonObjectReader r = new JsonObjectReader(text);
    final Map<String, Object> out = r.object();
    r.ws();
    if (r.i != text.length()) {
      throw r.error("unexpected content after the object");
    }
    return out;
  }

  private Map<String, Object> object() {
    ws();
    expect('{');
    final Map<String, Object> out = new LinkedHashMap<>();
    ws();
    if (peek() == '}') {
      i++;
      return out;
    }
    while (true) {
      ws();
      final String key = string();
      ws();
      expect(':');
      ws();
      if (out.containsKey(key)) {
        throw error("duplicate member \"" + key + "\"");
      }
      out.put(key, value());
      ws();
      final char c = next();
      if (c == '}') {
        return out;
      }
      if (c != ',') {
        throw error("expected ',' or '}'");
      }
    }
  }

  private Object value() {
    final char c = peek();
    if (c == '"') {
      return string();
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
      return number();
    }
    if (s.startsWith("true", i)) {
      i += 4;
      return Boolean.TRUE;
    }
    if (s.startsWith("false", i)) {
      i += 5;
      return Boolean.FALSE;
    }
    if (s.startsWith("null", i)) {
      i += 4;
      return null;
    }
    if (c == '{' || c == '[') {
      throw error("nested objects and arrays are not accepted here");
    }
    throw error("expected a value");
  }

  private Long number() {
    final int start = i;
    if (peek() == '-') {
      i++;
    }
    while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
      i++;
    }
    if (i < s.length() && (s.charAt(i) == '.' || s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
      throw error("expected an integer");
    }
    final String digits = s.substring(start, i);
    try {
      return Long.parseLong(digits);
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
        throw error("control character in string");
      }
      if (c != '\\') {
        sb.append(c);
        continue;
      }
      final char e = next();
      switch (e) {
        case '"':
        case '\\':
        case '/':
          sb.append(e);
          break;
        case 'b':
          sb.append('\b');
          break;
        case 'f':
          sb.append('\f');
          break;
        case 'n':
          sb.append('\n');
          break;
        case 'r':
          sb.append('\r');
          break;
        case 't':
          sb.append('\t');
          break;
        case 'u':
          if (i + 4 > s.length()) {
            throw error("truncated \\u escape");
          }
          try {
            sb.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
          } catch (final NumberFormatException ex) {
            throw error("bad \\u escape");
          }
          i += 4;
          break;
        default:
          throw error("bad escape");
      }
    }
  }

  private void ws() {
    while (i < s.length()) {
      final char c = s.charAt(i);
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
        return;
      }
      i++;
    }
  }

  private char peek() {
    if (i >= s.length()) {
      throw error("unexpected end of input");
    }
    return s.charAt(i);
  }

  private char next() {
    final char c = peek();
    i++;
    return c;
  }

  private void expect(final char c) {
    if (next() != c) {
      i--;
      throw error("expected '" + c + "'");
    }
  }

  private IllegalArgumentException error(final String what) {
    return new IllegalArgumentException("invalid JSON at character " + i + ": " + what);
  }
}
