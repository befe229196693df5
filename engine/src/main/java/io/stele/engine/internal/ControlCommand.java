package io.stele.engine.internal;

import io.stele.engine.Durability;
import io.stele.engine.TopicConfig;
import io.stele.engine.TopicListener;
import io.stele.engine.TopicStatus;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A topic operation, offset commit or replication command handed to the writer thread. Rare, so
 * allocated per call; results travel back through the pending queue so they complete only once the
 * log position they depend on is durable.
 */
final class ControlCommand {
  enum Op {
    CREATE,
    UPDATE_ATTRIBUTES,
    DELETE,
    COMMIT_OFFSET,
    TRUNCATE,
    APPEND_ENCODED,
    SNAPSHOT,
    LEAD,
    INSTALL
  }

  final Op op;
  final String topic;
  final TopicConfig config;
  final Map<String, String> attributes;
  final String group;
  final int partition;
  final long value;
  final Durability durability;
  final TopicListener listener;
  final CompletableFuture<Object> future;
  byte[] payload;

  /** For INSTALL: the staged copy of the leader's log. */
  SnapshotStage stage;

  /** Writer thread sets; sync thread reads after the pending queue hand-off. */
  TopicStatus status;

  TopicState result;

  /** For APPEND_ENCODED: the last log index written. */
  long resultIndex;

  ControlCommand(
      final Op op,
      final String topic,
      final TopicConfig config,
      final Map<String, String> attributes,
      final String group,
      final int partition,
      final long value,
      final Durability durability,
      final TopicListener listener,
      final CompletableFuture<Object> future) {
    this.op = op;
    this.topic = topic;
    this.config = config;
    this.attributes = attributes;
    this.group = group;
    this.partition = partition;
    this.value = value;
    this.durability = durability;
    this.listener = listener;
    this.future = future;
  }
}
