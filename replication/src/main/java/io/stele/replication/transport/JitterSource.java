package io.stele.replication.transport;

/**
 * Randomness for reconnect jitter, injected so that tests can make it deterministic. Called on the
 * transport's event loop only.
 */
@FunctionalInterface
public interface JitterSource {
  /**
   * Returns a value in {@code [0, bound)}.
   *
   * @param bound exclusive upper bound, at least 1
   * @return the value
   */
  long nextLong(long bound);
}
