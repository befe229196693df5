package io.stele.net.streams;

import io.stele.engine.Durability;

/**
 * Limits and defaults of the Durable Streams surface.
 *
 * @param longPollTimeoutMs how long a long-poll waits for data before answering 204; the protocol
 *     leaves it to the server. Kept well under the 5 s a client library (and the conformance suite)
 *     allows a request by default
 * @param sseLifetimeMs an SSE response is ended after this long so clients reconnect and CDNs can
 *     collapse them (the protocol suggests about 60 s)
 * @param maxReadBytes about how many bytes one catch-up read, long-poll answer or SSE batch carries
 *     (at least one message)
 * @param maxMessagesPerAppend most JSON messages one POST (or PUT body) may carry; more is 413
 * @param durability durability every append and topic operation waits for
 * @param sweepIntervalMs how often expired streams (TTL, Expires-At) are deleted in the background
 * @param sseKeepAliveMs an idle SSE response gets a comment line this often, so proxies and clients
 *     do not take it for dead
 */
public record StreamsConfig(
    long longPollTimeoutMs,
    long sseLifetimeMs,
    int maxReadBytes,
    int maxMessagesPerAppend,
    Durability durability,
    long sweepIntervalMs,
    long sseKeepAliveMs) {

  public StreamsConfig {
    if (longPollTimeoutMs < 1 || sseLifetimeMs < 1 || sweepIntervalMs < 1 || sseKeepAliveMs < 1) {
      throw new IllegalArgumentException("timeouts must be positive");
    }
    if (maxReadBytes < 1 || maxMessagesPerAppend < 1) {
      throw new IllegalArgumentException("limits must be positive");
    }
    if (durability == null) {
      throw new IllegalArgumentException("durability is required");
    }
  }

  /**
   * The defaults: 3 s long-poll, 60 s SSE with a keep-alive every 15 s, 1 MiB reads, 10,000
   * messages per append, quorum durability, expiry sweep every 500 ms.
   */
  public static StreamsConfig defaults() {
    return new StreamsConfig(3_000, 60_000, 1 << 20, 10_000, Durability.QUORUM, 500, 15_000);
  }
}
