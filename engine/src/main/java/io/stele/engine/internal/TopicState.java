package io.stele.engine.internal;

import io.stele.engine.TopicConfig;
import io.stele.engine.TopicDescription;
import java.util.ArrayList;
import java.util.List;

/**
 * A topic as the engine keeps it. The id, assigned by the writer at creation and carried in every
 * batch of the topic, distinguishes a re-created topic from a deleted one of the same name. Mutable
 * fields are written only by the shard's writer thread and read by any thread.
 */
final class TopicState {
  final int id;
  final String name;
  final PartitionState[] partitions;
  volatile TopicConfig config;
  volatile boolean closed;
  volatile boolean deleted;

  TopicState(final int id, final String name, final TopicConfig config) {
    this.id = id;
    this.name = name;
    this.partitions = new PartitionState[config.partitions()];
    for (int i = 0; i < partitions.length; i++) {
      partitions[i] = new PartitionState(this, i);
    }
    setConfig(config);
  }

  void setConfig(final TopicConfig c) {
    config = c;
    closed = "true".equals(c.attributes().get(TopicConfig.ATTRIBUTE_CLOSED));
  }

  TopicDescription describe() {
    final List<TopicDescription.PartitionState> ps = new ArrayList<>(partitions.length);
    for (final PartitionState p : partitions) {
      ps.add(
          new TopicDescription.PartitionState(
              p.partition, p.startOffset, Math.max(p.startOffset, p.highWatermark)));
    }
    return new TopicDescription(name, config, List.copyOf(ps));
  }
}
