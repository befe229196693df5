package io.stele.replication.raft.sim;

/** A failed simulation run: names the seed to replay and the last events before the failure. */
public final class SimulationFailure extends AssertionError {
  private static final long serialVersionUID = 1L;

  /** Seed of the failed run. */
  public final long seed;

  /** The violated invariant, without the trace. */
  public final String violation;

  SimulationFailure(
      final long seed, final String violation, final String trace, final Throwable t) {
    super(
        "simulation failed, replay with seed "
            + seed
            + ": "
            + violation
            + "\nlast events:\n"
            + trace,
        t);
    this.seed = seed;
    this.violation = violation;
  }
}
