package io.stele.perf;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Recorder;

/**
 * Counters and latency recorders of one kind of traffic (produce, consume or SSE delivery), written
 * by any event loop, read by the run's reporting thread at each interval. Values are nanoseconds; a
 * value above {@link #HIGHEST_NS} is clamped to it.
 */
final class LoadStats {
  static final long HIGHEST_NS = TimeUnit.SECONDS.toNanos(300);

  /** Index 0 of the status table: connection errors, protocol errors and timeouts. */
  static final int NO_STATUS = 0;

  final String name;

  /** Latency from the intended send time (coordinated-omission corrected). */
  final Recorder corrected = new Recorder(HIGHEST_NS, 3);

  /** Latency from the actual send time (what a closed-loop tool reports). */
  final Recorder uncorrected = new Recorder(HIGHEST_NS, 3);

  /** Like {@link #corrected}, but only requests intended inside the measured window. */
  final Recorder window = new Recorder(HIGHEST_NS, 3);

  /** Like {@link #uncorrected}, but only requests intended inside the measured window. */
  final Recorder windowUncorrected = new Recorder(HIGHEST_NS, 3);

  /** Successes of requests intended inside the window: the throughput the target sustained. */
  final LongAdder okInWindow = new LongAdder();

  final LongAdder recordsInWindow = new LongAdder();
  private volatile long windowStartNs = Long.MAX_VALUE;
  private volatile long windowEndNs = Long.MAX_VALUE;

  final LongAdder sent = new LongAdder();
  final LongAdder responses = new LongAdder();
  final LongAdder okResponses = new LongAdder();
  final LongAdder records = new LongAdder();
  final LongAdder inflight = new LongAdder();
  final AtomicLongArray statusCounts = new AtomicLongArray(600);

  LoadStats(final String name) {
    this.name = name;
  }

  /**
   * The measured window: requests intended in {@code [startNs, endNs)} are the measurement,
   * whenever they complete (late answers of a stalled target count against it; warm-up answers do
   * not).
   */
  void window(final long startNs, final long endNs) {
    windowStartNs = startNs;
    windowEndNs = endNs;
  }

  private boolean inWindow(final long intendedNs) {
    return intendedNs - windowStartNs >= 0 && intendedNs - windowEndNs < 0;
  }

  /** One answer arrived: latencies only for successes; every status is counted. */
  void onResponse(
      final long intendedNs,
      final long sentNs,
      final long nowNs,
      final int status,
      final long recordCount) {
    responses.increment();
    inflight.decrement();
    statusCounts.incrementAndGet(status >= 0 && status < 600 ? status : NO_STATUS);
    if (status >= 200 && status < 300) {
      okResponses.increment();
      records.add(recordCount);
      final long c = clamp(OpenLoopSchedule.correctedNs(intendedNs, sentNs, nowNs));
      final long u = clamp(OpenLoopSchedule.serviceNs(sentNs, nowNs));
      corrected.recordValue(c);
      uncorrected.recordValue(u);
      if (inWindow(intendedNs)) {
        okInWindow.increment();
        recordsInWindow.add(recordCount);
        window.recordValue(c);
        windowUncorrected.recordValue(u);
      }
    }
  }

  /** A request that will never be answered (connection lost, timed out). */
  void onFailure() {
    inflight.decrement();
    statusCounts.incrementAndGet(NO_STATUS);
  }

  /** An end-to-end delivery (SSE) of a record sent at {@code intendedNs}. */
  void onDelivery(final long intendedNs, final long nowNs) {
    okResponses.increment();
    records.increment();
    final long c = clamp(nowNs - intendedNs);
    corrected.recordValue(c);
    if (inWindow(intendedNs)) {
      okInWindow.increment();
      recordsInWindow.increment();
      window.recordValue(c);
    }
  }

  static long clamp(final long ns) {
    return ns < 0 ? 0 : Math.min(ns, HIGHEST_NS);
  }

  /** A snapshot of the counters, to take differences over the measured window. */
  Counters counters() {
    final long[] statuses = new long[statusCounts.length()];
    for (int i = 0; i < statuses.length; i++) {
      statuses[i] = statusCounts.get(i);
    }
    return new Counters(
        sent.sum(), responses.sum(), okResponses.sum(), records.sum(), inflight.sum(), statuses);
  }

  /** Counter values at one instant. */
  record Counters(
      long sent, long responses, long ok, long records, long inflight, long[] statuses) {
    Counters minus(final Counters earlier) {
      final long[] s = new long[statuses.length];
      for (int i = 0; i < s.length; i++) {
        s[i] = statuses[i] - earlier.statuses[i];
      }
      return new Counters(
          sent - earlier.sent,
          responses - earlier.responses,
          ok - earlier.ok,
          records - earlier.records,
          inflight,
          s);
    }

    long errors() {
      long e = 0;
      for (int i = 0; i < statuses.length; i++) {
        if (i < 200 || i >= 400) {
          e += statuses[i];
        }
      }
      return e;
    }
  }
}
