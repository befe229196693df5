package io.stele.net.api;

/**
 * Limits of the native API, validated by the server's configuration.
 *
 * @param maxRecordsPerRequest most records one produce request may carry (more: 413)
 * @param maxPartitions most partitions a topic may have
 * @param defaultReadRecords records per consume page when {@code limit} is absent
 * @param maxReadRecords largest accepted {@code limit}
 * @param defaultReadBytes bytes per consume page when {@code max_bytes} is absent
 * @param maxReadBytes largest accepted {@code max_bytes}
 * @param maxWaitMs largest accepted {@code wait_ms} (long-poll)
 * @param sseMaxLifetimeMs an SSE tail is ended after this long (the client resumes with
 *     Last-Event-ID)
 * @param sseKeepaliveMs an idle SSE tail sends a comment line this often
 */
public record ApiConfig(
    int maxRecordsPerRequest,
    int maxPartitions,
    int defaultReadRecords,
    int maxReadRecords,
    int defaultReadBytes,
    int maxReadBytes,
    long maxWaitMs,
    long sseMaxLifetimeMs,
    long sseKeepaliveMs) {

  /** Defaults, for tests and embedding. */
  public static ApiConfig defaults() {
    return new ApiConfig(10_000, 1024, 1000, 10_000, 1 << 20, 16 << 20, 30_000, 300_000, 15_000);
  }
}
