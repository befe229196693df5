package io.stele.engine;

import io.stele.engine.internal.ShardedEngine;
import io.stele.engine.internal.StorageEngine;
import java.io.IOException;

/** Opens engines. */
public final class Engines {
  private Engines() {}

  /**
   * Opens (creating if needed) and recovers a one-shard data directory, then starts the engine's
   * threads. The result is also the {@link ReplicatedLog} a Raft group runs over.
   *
   * @throws IOException if the directory cannot be used or the log is corrupt before its durable
   *     point (the message names the file and position)
   * @throws IllegalArgumentException if the configuration is invalid or has more than one shard
   */
  public static LogEngine open(final EngineConfig config) throws IOException {
    if (config.validate().shards() != 1) {
      throw new IllegalArgumentException(
          "a replicated log is one shard (one Raft group per shard); configured "
              + config.shards());
    }
    return StorageEngine.open(config);
  }

  /**
   * Opens (creating if needed) and recovers a data directory of {@code config.shards()} shards,
   * then starts every shard's threads.
   *
   * @throws IOException as {@link #open}, or if the directory was created with another shard count
   */
  public static NodeEngine openNode(final EngineConfig config) throws IOException {
    return config.validate().shards() == 1
        ? StorageEngine.open(config)
        : ShardedEngine.open(config);
  }
}
