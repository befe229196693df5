package io.stele.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** The build's version, from a resource the build writes. */
public final class Version {
  private Version() {}

  /** The Stele version, e.g. {@code 0.1.0-SNAPSHOT}. */
  public static String version() {
    try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
      if (in == null) {
        return "unknown";
      }
      final Properties p = new Properties();
      p.load(in);
      return p.getProperty("version", "unknown");
    } catch (final IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
