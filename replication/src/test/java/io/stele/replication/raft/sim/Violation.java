package io.stele.replication.raft.sim;

/** A broken invariant found by the simulator's checker. */
final class Violation extends RuntimeException {
  private static final long serialVersionUID = 1L;

  Violation(final String message) {
    super(message);
  }
}
