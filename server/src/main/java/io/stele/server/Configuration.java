package io.stele.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Configuration as data: every {@link Setting} resolved once at start-up from, in precedence, flags
 * &gt; environment ({@code STELE_*}) &gt; configuration file &gt; defaults, and validated then. A
 * bad value fails with one line naming the setting, the value, where it came from and the accepted
 * range.
 */
public final class Configuration {
  private final Map<Setting<?>, Object> values;
  private final Map<Setting<?>, String> sources;

  private Configuration(
      final Map<Setting<?>, Object> values, final Map<Setting<?>, String> sources) {
    this.values = values;
    this.sources = sources;
  }

  /** The resolved value of {@code setting}. */
  @SuppressWarnings("unchecked")
  public <T> T get(final Setting<T> setting) {
    if (!values.containsKey(setting)) {
      throw new IllegalArgumentException("not a registered setting: " + setting.name());
    }
    return (T) values.get(setting);
  }

  /** Where the value of {@code setting} came from: a flag, a variable, a file line or default. */
  public String sourceOf(final Setting<?> setting) {
    return sources.get(setting);
  }

  /**
   * Resolves every setting in {@link Settings#ALL}.
   *
   * @param args command-line flags ({@code --name value} or {@code --name=value})
   * @param env the process environment
   * @throws ConfigException on an unknown flag, a missing value, an unreadable file or a bad value
   */
  public static Configuration load(final List<String> args, final Map<String, String> env) {
    final Map<String, Setting<?>> byName = new HashMap<>();
    for (final Setting<?> s : Settings.ALL) {
      byName.put(s.name(), s);
    }

    final Map<Setting<?>, String[]> flags = new HashMap<>();
    for (int i = 0; i < args.size(); i++) {
      final String arg = args.get(i);
      if (!arg.startsWith("--") || arg.length() == 2) {
        throw new ConfigException("unexpected argument '" + arg + "' (see --help)");
      }
      final int eq = arg.indexOf('=');
      final String name = eq < 0 ? arg.substring(2) : arg.substring(2, eq);
      final Setting<?> setting = byName.get(name);
      if (setting == null) {
        throw new ConfigException("unknown option --" + name + " (see --help)");
      }
      final String value;
      if (eq >= 0) {
        value = arg.substring(eq + 1);
      } else if (i + 1 < args.size()) {
        value = args.get(++i);
      } else {
        throw new ConfigException("option --" + name + " needs a value: " + setting.range());
      }
      flags.put(setting, new String[] {value, "--" + name});
    }

    final Map<Setting<?>, String[]> file = new HashMap<>();
    String configPath = null;
    String configSource = null;
    if (flags.containsKey(Settings.CONFIG)) {
      configPath = flags.get(Settings.CONFIG)[0];
      configSource = "--config";
    } else if (env.containsKey(Settings.CONFIG.envName())) {
      configPath = env.get(Settings.CONFIG.envName());
      configSource = Settings.CONFIG.envName();
    }
    if (configPath != null) {
      readFile(configPath, configSource, byName, file);
    }

    final Map<Setting<?>, Object> values = new LinkedHashMap<>();
    final Map<Setting<?>, String> sources = new LinkedHashMap<>();
    for (final Setting<?> s : Settings.ALL) {
      final String[] chosen;
      if (flags.containsKey(s)) {
        chosen = flags.get(s);
      } else if (env.containsKey(s.envName())) {
        chosen = new String[] {env.get(s.envName()), s.envName()};
      } else if (file.containsKey(s)) {
        chosen = file.get(s);
      } else {
        chosen = new String[] {s.defaultValue(), "default"};
      }
      sources.put(s, chosen[1]);
      if (s == Settings.CONFIG && chosen[0].isEmpty() && "default".equals(chosen[1])) {
        values.put(s, "");
      } else {
        values.put(s, s.parse(chosen[0], chosen[1]));
      }
    }
    return new Configuration(values, sources);
  }

  private static void readFile(
      final String path,
      final String source,
      final Map<String, Setting<?>> byName,
      final Map<Setting<?>, String[]> into) {
    final List<String> lines;
    try {
      lines = Files.readAllLines(Path.of(path), StandardCharsets.UTF_8);
    } catch (final IOException | RuntimeException e) {
      throw new ConfigException(
          "cannot read config file '" + path + "' (from " + source + "): " + e.getMessage());
    }
    for (int i = 0; i < lines.size(); i++) {
      final String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      final String where = path + ":" + (i + 1);
      final int eq = line.indexOf('=');
      if (eq <= 0) {
        throw new ConfigException("expected 'name = value' at " + where);
      }
      final String name = line.substring(0, eq).strip();
      final Setting<?> setting = byName.get(name);
      if (setting == null || setting == Settings.CONFIG) {
        throw new ConfigException("unknown setting '" + name + "' at " + where);
      }
      into.put(setting, new String[] {line.substring(eq + 1).strip(), where});
    }
  }

  /** The help text listing every setting with its default, range and doc. */
  public static String help() {
    final StringBuilder sb = new StringBuilder(2048);
    sb.append("Settings (precedence: flags > environment > config file > defaults):\n\n");
    for (final Setting<?> s : Settings.ALL) {
      sb.append("  ")
          .append(s.flag())
          .append(" <value>   env ")
          .append(s.envName())
          .append('\n')
          .append("      ")
          .append(s.doc())
          .append('\n')
          .append("      default: ")
          .append(s.defaultValue().isEmpty() ? "(none)" : s.defaultValue())
          .append("; accepts ")
          .append(s.range())
          .append("\n\n");
    }
    return sb.toString();
  }
}
