package io.stele.replication.raft;

/**
 * The only source of randomness the core sees (randomized election timeouts, Raft §5.2). Injected
 * so that a simulation driven by one seed is reproducible; the node seeds it once at start-up.
 */
public interface RandomSource {
  /**
   * Returns a value uniformly drawn from {@code [0, bound)}.
   *
   * @param bound exclusive upper bound, positive
   * @return the next value
   */
  int nextInt(int bound);
}
