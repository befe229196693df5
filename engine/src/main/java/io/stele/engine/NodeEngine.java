package io.stele.engine;

/**
 * What {@link Engines#openNode} returns: the {@link Engine} the API layer uses over all of a node's
 * shards, and a few facts for operators.
 */
public interface NodeEngine extends Engine {
  /** The last disk problem that refused appends without failing the node (disk full), or null. */
  String diskProblem();

  /** What recovery did on open (tail replayed, from where, whether a torn tail was cut). */
  String recoverySummary();
}
