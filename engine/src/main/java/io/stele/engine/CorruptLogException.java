package io.stele.engine;

import java.io.IOException;

/**
 * The log is corrupt before its durable point (a checksum or structure failure where data was known
 * to be flushed), so the engine refuses to open it: a torn tail is truncated silently, but
 * corruption never is. The message names the file and position.
 */
public final class CorruptLogException extends IOException {
  private static final long serialVersionUID = 1L;

  public CorruptLogException(final String message) {
    super(message);
  }
}
