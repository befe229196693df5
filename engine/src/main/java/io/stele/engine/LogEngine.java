package io.stele.engine;

/**
 * What {@link Engines#open} returns: one shard as the {@link Engine} the API layer uses and as the
 * {@link ReplicatedLog} replication uses, and a few facts for operators.
 */
public interface LogEngine extends NodeEngine, ReplicatedLog {
  /** Log position up to which everything is flushed. */
  long durablePosition();

  /** Log position after the last written batch. */
  long appendPosition();
}
