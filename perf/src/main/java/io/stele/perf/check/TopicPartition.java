package io.stele.perf.check;

import java.util.Objects;

/** A topic and partition pair; orders by topic, then partition. */
public record TopicPartition(String topic, int partition) implements Comparable<TopicPartition> {

  /** Validates the topic. */
  public TopicPartition {
    Objects.requireNonNull(topic, "topic");
  }

  @Override
  public int compareTo(final TopicPartition o) {
    final int c = topic.compareTo(o.topic);
    return c != 0 ? c : Integer.compare(partition, o.partition);
  }

  @Override
  public String toString() {
    return topic + "/" + partition;
  }
}
