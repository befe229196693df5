package io.stele.perf.check;

/** The kinds of anomaly the {@link Checker} reports. */
public enum AnomalyType {
  /** An acknowledged produce whose record is in no replica's log. */
  LOST_ACK,
  /** A record found at another offset (or partition) than the one acknowledged or produced to. */
  WRONG_OFFSET,
  /** One payload at more than one offset of the reference log. */
  DUPLICATE,
  /** Two different payloads acknowledged at the same offset. */
  CONFLICT,
  /** Real-time order broken: a produce acknowledged before another began sits at a later offset. */
  ORDER_VIOLATION,
  /** Two replicas hold different records at an offset both have. */
  DIVERGENT_PREFIX,
  /** A record no client attempted, or whose produce definitely failed. */
  PHANTOM,
  /** A read missing an earlier acknowledged record, or returning one the log does not hold. */
  STALE_READ,
  /** Input that breaks the model: repeated op or payload ids, offsets out of order. */
  MALFORMED
}
