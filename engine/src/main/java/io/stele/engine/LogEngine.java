package io.stele.engine;

/**
 * What {@link Engines#open} returns: the {@link Engine} the API layer uses, the {@link
 * ReplicatedLog} replication uses, and a few facts for operators.
 */
public interface LogEngine extends Engine, ReplicatedLog {
  /** The last disk problem that refused appends without failing the node (disk full), or null. */
  String diskProblem();

  /** What recovery did on open (tail replayed, from where, whether a torn tail was cut). */
  String recoverySummary();

  /** Log position up to which everything is flushed. */
  long durablePosition();

  /** Log position after the last written batch. */
  long appendPosition();
}
