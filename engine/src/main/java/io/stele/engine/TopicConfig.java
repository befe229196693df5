package io.stele.engine;

import java.util.Map;

/**
 * A topic's configuration, stored in the log as a control batch.
 *
 * @param partitions number of partitions, at least 1
 * @param retentionMs records older than this may be removed; -1 keeps them forever
 * @param retentionBytes a partition larger than this may lose its oldest records; -1 for no limit
 * @param attributes opaque string attributes owned by the API layer (e.g. a Durable Streams
 *     stream's content type and expiry); part of the config identity for create's 200/409
 */
public record TopicConfig(
    int partitions, long retentionMs, long retentionBytes, Map<String, String> attributes) {
  /**
   * Attribute key that closes a topic to appends: while its value is {@code "true"}, {@link
   * Engine#append} returns {@link AppendStatus#CLOSED}.
   */
  public static final String ATTRIBUTE_CLOSED = "closed";

  public TopicConfig {
    attributes = Map.copyOf(attributes);
  }
}
