package io.stele.engine.internal;

/** Follower-side log operations (truncation, appending already-encoded batches). */
final class ReplicaSupport {
  private final StorageEngine engine;

  ReplicaSupport(final StorageEngine engine) {
    this.engine = engine;
  }

  /** Writer thread. */
  void onWriterCommand(final ControlCommand c, final ShardWriter writer) {
    c.future.completeExceptionally(
        new UnsupportedOperationException(c.op + " not implemented yet " + (engine != null)));
  }
}
