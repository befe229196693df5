package io.stele.perf.fault;

/** Which way bytes travel through a {@link FaultProxy} connection. */
public enum Direction {
  /** From the accepted client towards the target. */
  UPSTREAM,
  /** From the target back to the accepted client. */
  DOWNSTREAM
}
