package io.stele.engine;

/**
 * Monotonic counters and gauges read by {@code /metrics}. Each counter has one writing thread (the
 * shard's append or sync thread); readers see a recent value.
 */
public interface EngineMetrics {
  long appendedRecords();

  long appendedBytes();

  long flushes();

  /** Records covered by all flushes so far; divided by {@link #flushes()} gives records/flush. */
  long flushedRecords();

  /** Appends waiting in the ingress rings. */
  long ingressDepth();

  /**
   * Segments the append thread had to create or finish itself because pre-creation had not kept up;
   * appends to that shard wait meanwhile.
   */
  long segmentsCreatedByWriter();
}
