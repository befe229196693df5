package io.stele.net;

/**
 * Topic name rules: {@code [A-Za-z0-9._-]{1,249}}, not {@code .} or {@code ..}. Names starting with
 * {@code __} are reserved for Stele's own topics (Durable Streams) and refused by the native API. A
 * name is checked before anything else is done with it.
 */
public final class TopicNames {
  /** Longest topic name. */
  public static final int MAX_LENGTH = 249;

  /** Prefix of internal topic names. */
  public static final String RESERVED_PREFIX = "__";

  private TopicNames() {}

  /** Why {@code name} is not a valid topic name, or {@code null} if it is. */
  public static String invalidReason(final String name) {
    if (name == null || name.isEmpty()) {
      return "topic name is empty";
    }
    if (name.length() > MAX_LENGTH) {
      return "topic name is longer than " + MAX_LENGTH + " characters";
    }
    if (name.equals(".") || name.equals("..")) {
      return "topic name may not be '.' or '..'";
    }
    for (int i = 0; i < name.length(); i++) {
      final char c = name.charAt(i);
      final boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '.'
              || c == '_'
              || c == '-';
      if (!ok) {
        return "topic name may contain only A-Z a-z 0-9 . _ - (found "
            + (c < 0x20 || c > 0x7e ? String.format("U+%04X", (int) c) : "'" + c + "'")
            + ")";
      }
    }
    return null;
  }
}
