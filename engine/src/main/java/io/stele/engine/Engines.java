package io.stele.engine;

import io.stele.engine.internal.StorageEngine;
import java.io.IOException;

/** Opens engines. */
public final class Engines {
  private Engines() {}

  /**
   * Opens (creating if needed) and recovers the data directory, then starts the engine's threads.
   *
   * @throws IOException if the directory cannot be used or the log is corrupt before its durable
   *     point (the message names the file and position)
   */
  public static LogEngine open(final EngineConfig config) throws IOException {
    return StorageEngine.open(config.validate());
  }
}
