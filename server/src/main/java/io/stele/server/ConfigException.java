package io.stele.server;

/** A setting is unknown, malformed or out of range. The message is one line naming the setting. */
public final class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ConfigException(final String message) {
    super(message);
  }
}
