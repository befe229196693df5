package io.stele.engine;

import java.util.List;
import java.util.Map;

/**
 * The storage engine as the rest of Stele sees it: topics, appends, reads and consumer-group
 * offsets over the shard logs. Thread-safety: every method may be called from any thread;
 * completions arrive on engine threads.
 */
public interface Engine extends AutoCloseable {

  /**
   * Submits an append. Copies everything it needs from {@code request} before returning.
   *
   * @return {@link AppendStatus#ACCEPTED} (the completion follows on {@code listener}) or the
   *     reason it was refused at once (then no completion follows)
   */
  AppendStatus append(AppendRequest request, AppendListener listener);

  /**
   * Reads records of a partition from {@code offset}, up to the end offset (high watermark), at
   * most {@code maxRecords} records and about {@code maxBytes} bytes (at least one record if any).
   * Safe from any thread.
   */
  ReadStatus read(
      String topic,
      int partition,
      long offset,
      int maxRecords,
      int maxBytes,
      RecordVisitor visitor);

  /** The offset of the first record with a timestamp at or after {@code timestampMs}, or -1. */
  long offsetForTimestamp(String topic, int partition, long timestampMs);

  /** Creates a topic through the log: CREATED, EXISTS (same config) or CONFLICT. */
  void createTopic(String name, TopicConfig config, Durability durability, TopicListener listener);

  /** Replaces a topic's attributes (not its partitions): OK or NOT_FOUND. */
  void updateTopicAttributes(
      String name, Map<String, String> attributes, Durability durability, TopicListener listener);

  /** Deletes a topic through the log: OK or NOT_FOUND. */
  void deleteTopic(String name, Durability durability, TopicListener listener);

  /** The topic's description, or {@code null} if it does not exist. */
  TopicDescription describeTopic(String name);

  /** Every topic, by name. */
  List<TopicDescription> listTopics();

  /** Commits a consumer-group offset through the log: OK, NOT_FOUND (topic or partition). */
  void commitOffset(
      String group,
      String topic,
      int partition,
      long offset,
      Durability durability,
      TopicListener listener);

  /** The committed offsets of a group for a topic, by partition (absent: none committed). */
  Map<Integer, Long> committedOffsets(String group, String topic);

  /** Registers an observer of end-offset advances. */
  void addPartitionObserver(PartitionObserver observer);

  /** False once storage has failed (fsync error): the node must report unhealthy. */
  boolean isHealthy();

  /** Why storage failed, or {@code null} while healthy. */
  String failureReason();

  /** Counters for {@code /metrics}. */
  EngineMetrics metrics();

  /** Stops accepting, completes or fails everything pending, flushes, and closes files. */
  @Override
  void close();
}
