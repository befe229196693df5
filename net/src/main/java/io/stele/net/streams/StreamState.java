package io.stele.net.streams;

import java.util.ArrayDeque;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the API layer keeps in memory about one stream (one incarnation of a topic): its
 * configuration decoded from the topic attributes, its closed state, the last access (for TTL) and
 * the last accepted sequence of each idempotent producer (for the headers of duplicate answers).
 *
 * <p>The durable truth is in the engine: configuration in the topic attributes, closure as a close
 * marker record (the last record of a closed stream), producer state in the engine's producer
 * table. This object is rebuilt from them after a restart.
 *
 * <p>Threads: fields are written by event loops and engine threads; the append gate ({@link
 * #closing}, {@link #held}) is guarded by {@code this}; the rest are volatile or concurrent.
 */
final class StreamState {
  /** Topic attribute keys. */
  static final String ATTR_CONTENT_TYPE = "ds.content-type";

  static final String ATTR_TTL = "ds.ttl-seconds";
  static final String ATTR_EXPIRES_AT = "ds.expires-at-ms";
  static final String ATTR_ID = "ds.id";

  /** Fork: the topic of the source stream. */
  static final String ATTR_FORK_SOURCE = "ds.fork-source";

  /** Fork: the id of the source's incarnation. */
  static final String ATTR_FORK_SOURCE_ID = "ds.fork-source-id";

  /** Fork: the offset asked for (logical, in the source). */
  static final String ATTR_FORK_OFFSET = "ds.fork-offset";

  /** Fork: the sub-offset asked for (bytes or JSON messages past the offset). */
  static final String ATTR_FORK_SUB = "ds.fork-sub";

  /** Fork: how many logical offsets are inherited from the source ({@link #base}). */
  static final String ATTR_FORK_BASE = "ds.fork-base";

  /** Soft-deleted: deleted while forks still read from it (410 until they are gone). */
  static final String ATTR_DELETED = "ds.deleted";

  final String topic;
  final String contentType;
  final boolean json;
  final boolean base64Sse;
  final long ttlSeconds;
  final long expiresAtMs;
  final String id;

  /**
   * Logical offsets below this are inherited from {@link #sourceTopic} (a fork); this topic's
   * engine offset 0 is logical offset {@code base}. 0 for a stream that is not a fork.
   */
  final long base;

  /** The source stream's topic for a fork, else null. */
  final String sourceTopic;

  /** The configuration, as stored (soft deletion rewrites it with one more attribute). */
  final Map<String, String> attributes;

  /** Deleted while forks depend on it: answers 410, keeps its data for the forks. */
  volatile boolean softDeleted;

  /** Last read or write (ms since the epoch), for the TTL sliding window. */
  volatile long lastAccessMs;

  /** End offset once the close marker is durable (one past it), or -1 while open. */
  volatile long closedEnd = -1;

  /** Set once when the stream is found expired, so one delete is issued. */
  volatile boolean expiring;

  /** A close is in flight: appends wait in {@link #held} until it completes. Guarded by this. */
  boolean closing;

  /** Appends waiting for an in-flight close, re-run when it completes. Guarded by this. */
  final ArrayDeque<Runnable> held = new ArrayDeque<>();

  /** Producer id to {epoch, last accepted seq}, learnt from completions. */
  final Map<String, long[]> producers = new ConcurrentHashMap<>();

  StreamState(final String topic, final Map<String, String> attributes, final long nowMs) {
    this.topic = topic;
    this.contentType = attributes.getOrDefault(ATTR_CONTENT_TYPE, "application/octet-stream");
    final String essence = essence(contentType);
    this.json = "application/json".equals(essence);
    this.base64Sse = !isTextual(essence);
    this.ttlSeconds = parseLong(attributes.get(ATTR_TTL));
    this.expiresAtMs = parseLong(attributes.get(ATTR_EXPIRES_AT));
    this.id = attributes.getOrDefault(ATTR_ID, "0");
    this.sourceTopic = attributes.get(ATTR_FORK_SOURCE);
    this.base = sourceTopic == null ? 0 : Math.max(0, parseLong(attributes.get(ATTR_FORK_BASE)));
    this.attributes = Map.copyOf(attributes);
    this.softDeleted = "true".equals(attributes.get(ATTR_DELETED));
    this.lastAccessMs = nowMs;
  }

  private static long parseLong(final String s) {
    if (s == null) {
      return -1;
    }
    try {
      return Long.parseLong(s);
    } catch (final NumberFormatException e) {
      return -1;
    }
  }

  /**
   * Slack added to a TTL: the window is counted in whole seconds from when the server handled the
   * last access, and a renewing request that a loaded client or network delays by a fraction of a
   * second must still find the stream. Errs on keeping data, never on losing it early.
   */
  static final long TTL_GRACE_MS = 1_000;

  /** Whether the stream has passed its TTL (since the last access) or its absolute expiry. */
  boolean isExpired(final long nowMs) {
    if (expiresAtMs >= 0 && nowMs >= expiresAtMs) {
      return true;
    }
    return ttlSeconds >= 0 && nowMs - lastAccessMs >= ttlSeconds * 1000 + TTL_GRACE_MS;
  }

  boolean isClosed() {
    return closedEnd >= 0;
  }

  /** Records an accepted (epoch, seq) of a producer. */
  void producerAccepted(final String producerId, final long epoch, final long seq) {
    producers.compute(
        producerId,
        (k, v) -> {
          if (v == null || epoch > v[0] || (epoch == v[0] && seq > v[1])) {
            return new long[] {epoch, seq};
          }
          return v;
        });
  }

  /** The lower-cased {@code type/subtype} of a content type, without parameters. */
  static String essence(final String contentType) {
    final int semi = contentType.indexOf(';');
    return (semi < 0 ? contentType : contentType.substring(0, semi))
        .trim()
        .toLowerCase(Locale.ROOT);
  }

  /** Normalizes a content type for storage and comparison: lower case, no spaces around params. */
  static String normalize(final String contentType) {
    final StringBuilder out = new StringBuilder(contentType.length());
    for (final String part : contentType.split(";")) {
      final String p = part.trim().toLowerCase(Locale.ROOT);
      if (p.isEmpty()) {
        continue;
      }
      if (out.length() > 0) {
        out.append("; ");
      }
      out.append(p);
    }
    return out.toString();
  }

  /** Whether SSE can carry the content as text (otherwise data events are base64). */
  static boolean isTextual(final String essence) {
    return essence.startsWith("text/")
        || essence.equals("application/json")
        || essence.endsWith("+json")
        || essence.equals("application/ndjson")
        || essence.equals("application/x-ndjson")
        || essence.equals("application/xml")
        || essence.endsWith("+xml")
        || essence.equals("application/javascript");
  }
}
