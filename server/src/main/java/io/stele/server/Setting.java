package io.stele.server;

import java.util.Locale;
import java.util.function.Function;

/**
 * One configuration setting: a name (with its unit in it: {@code -ms}, {@code -bytes}), a default,
 * a line of documentation, and a parser that validates a value and names the accepted range.
 *
 * @param name the flag is {@code --name}, the environment variable {@code STELE_NAME}
 * @param defaultValue the value when no source sets it
 * @param range the accepted values, as shown in help and in errors
 * @param doc one line of documentation
 * @param parser turns a text value into a typed one; throws {@link IllegalArgumentException} when
 *     the value is outside {@code range}
 */
public record Setting<T>(
    String name, String defaultValue, String range, String doc, Function<String, T> parser) {

  /**
   * Identity, as for the constants in {@link Settings} that every setting is (the parser is a
   * lambda, so component equality would be identity anyway). Declared rather than generated, as is
   * {@link #toString}: a record's generated methods are linked through {@code ObjectMethods} at
   * first use, tens of milliseconds of method-handle spinning on a node's start-up path.
   */
  @Override
  public boolean equals(final Object o) {
    return this == o;
  }

  @Override
  public int hashCode() {
    return System.identityHashCode(this);
  }

  /** The flag, as help and errors name a setting. */
  @Override
  public String toString() {
    return flag();
  }

  /** The environment variable that sets this setting. */
  public String envName() {
    return "STELE_" + name.toUpperCase(Locale.ROOT).replace('-', '_');
  }

  /** The command-line flag that sets this setting. */
  public String flag() {
    return "--" + name;
  }

  /** Parses {@code value}, or fails with a one-line message naming this setting and its source. */
  public T parse(final String value, final String source) {
    try {
      return parser.apply(value.trim());
    } catch (final IllegalArgumentException e) {
      throw new ConfigException(
          "invalid " + name + " '" + value + "' (from " + source + "): expected " + range);
    }
  }

  static Setting<Integer> intSetting(
      final String name, final int defaultValue, final int min, final int max, final String doc) {
    return new Setting<>(
        name,
        Integer.toString(defaultValue),
        "an integer in [" + min + ", " + max + "]",
        doc,
        s -> {
          final long v = Long.parseLong(s);
          if (v < min || v > max) {
            throw new IllegalArgumentException();
          }
          return (int) v;
        });
  }

  static Setting<Long> longSetting(
      final String name,
      final long defaultValue,
      final long min,
      final long max,
      final String doc) {
    return new Setting<>(
        name,
        Long.toString(defaultValue),
        "an integer in [" + min + ", " + max + "]",
        doc,
        s -> {
          final long v = Long.parseLong(s);
          if (v < min || v > max) {
            throw new IllegalArgumentException();
          }
          return v;
        });
  }

  static Setting<String> choiceSetting(
      final String name, final String defaultValue, final String doc, final String... choices) {
    return new Setting<>(
        name,
        defaultValue,
        "one of " + String.join(", ", choices),
        doc,
        s -> {
          for (final String c : choices) {
            if (c.equals(s)) {
              return c;
            }
          }
          throw new IllegalArgumentException();
        });
  }

  /** Text that may be empty (empty = not set). */
  static Setting<String> optionalTextSetting(
      final String name, final String range, final String doc) {
    return new Setting<>(
        name,
        "",
        range,
        doc,
        s -> {
          if (s.indexOf('\0') >= 0) {
            throw new IllegalArgumentException();
          }
          return s;
        });
  }

  static Setting<String> textSetting(
      final String name, final String defaultValue, final String range, final String doc) {
    return new Setting<>(
        name,
        defaultValue,
        range,
        doc,
        s -> {
          if (s.isEmpty() || s.indexOf('\0') >= 0) {
            throw new IllegalArgumentException();
          }
          return s;
        });
  }
}
