package io.stele.perf;

/**
 * When each request is meant to be sent, under an open-loop constant-rate load (as wrk2 does).
 *
 * <p>The aggregate stream at {@code ratePerSecond} is numbered 0, 1, 2, ...; request {@code g} is
 * due at {@code startNs + g * 1e9 / rate}. Connection {@code c} of {@code n} owns the requests
 * {@code g = c + k * n}: its k-th request is due at {@link #intendedNs(long)}. Computing every time
 * from the global index (never by adding an interval to the previous time) keeps the rate exact
 * with no rounding drift, and interleaves the connections evenly.
 *
 * <p>Coordinated-omission correction: a request that leaves late because its connection was still
 * waiting for an earlier answer is charged from its intended time, not from when it left, so a
 * stalled server cannot hide its stall by slowing the generator down ({@link #correctedNs}).
 *
 * <p>A rate of zero means closed loop (as fast as the window allows): every request is due at once
 * and its intended time is the time it actually left.
 */
final class OpenLoopSchedule {
  private final long startNs;
  private final double nsPerRequest;
  private final int connection;
  private final int connections;

  /**
   * @param startNs the {@link System#nanoTime()} at which request 0 of the aggregate is due
   * @param ratePerSecond aggregate requests per second over all connections; 0 for closed loop
   * @param connection this connection's index in {@code [0, connections)}
   * @param connections how many connections share the rate
   */
  OpenLoopSchedule(
      final long startNs, final double ratePerSecond, final int connection, final int connections) {
    if (connection < 0 || connection >= connections) {
      throw new IllegalArgumentException("connection " + connection + " of " + connections);
    }
    if (!(ratePerSecond >= 0) || Double.isInfinite(ratePerSecond)) {
      throw new IllegalArgumentException("rate must be >= 0: " + ratePerSecond);
    }
    this.startNs = startNs;
    this.nsPerRequest = ratePerSecond == 0 ? 0 : 1e9 / ratePerSecond;
    this.connection = connection;
    this.connections = connections;
  }

  /** Whether this is a closed-loop schedule (rate 0): requests are due as soon as they can go. */
  boolean closedLoop() {
    return nsPerRequest == 0;
  }

  /** The intended send time of this connection's request number {@code k} (k from 0). */
  long intendedNs(final long k) {
    final long global = connection + k * connections;
    return startNs + (long) (global * nsPerRequest);
  }

  /**
   * How many of this connection's requests are due at or before {@code nowNs}: requests {@code 0 ..
   * result-1} are due. Closed loop: unbounded ({@link Long#MAX_VALUE}).
   */
  long dueCount(final long nowNs) {
    if (closedLoop()) {
      return Long.MAX_VALUE;
    }
    if (nowNs < startNs) {
      return 0;
    }
    // Largest g with g * nsPerRequest <= now - start, then the count of k with c + k*n <= g.
    long g = (long) ((nowNs - startNs) / nsPerRequest);
    // Floating point can be off by one at the boundary: settle it with intendedNs itself.
    while (g >= 0 && startNs + (long) (g * nsPerRequest) > nowNs) {
      g--;
    }
    while (startNs + (long) ((g + 1) * nsPerRequest) <= nowNs) {
      g++;
    }
    if (g < connection) {
      return 0;
    }
    return (g - connection) / connections + 1;
  }

  /**
   * Latency corrected for coordinated omission: from when the request was meant to leave to when
   * its answer arrived. Never less than the service time.
   */
  static long correctedNs(final long intendedNs, final long sentNs, final long completedNs) {
    return completedNs - Math.min(intendedNs, sentNs);
  }

  /** Service time: from when the request actually left to when its answer arrived. */
  static long serviceNs(final long sentNs, final long completedNs) {
    return completedNs - sentNs;
  }
}
