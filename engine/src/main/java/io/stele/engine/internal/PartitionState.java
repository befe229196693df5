package io.stele.engine.internal;

import java.util.HashMap;

/**
 * One partition of a topic. Which thread writes what:
 *
 * <ul>
 *   <li>{@link #nextOffset}, producer and stream-sequence state, {@link #index}, {@link
 *       #startOffset}: the shard's writer thread (recovery before start);
 *   <li>{@link #highWatermark} (what readers may see): the shard's sync thread, after the flush
 *       that made those records durable;
 *   <li>{@link #notifiedCycle}: the sync thread.
 * </ul>
 */
final class PartitionState {
  final TopicState topic;
  final int partition;
  final PartitionIndex index = new PartitionIndex();
  final HashMap<String, ProducerState> producers = new HashMap<>();

  /** Writer thread: the offset the next record gets. */
  long nextOffset;

  /** Writer thread: bytes of this partition's batches so far (for byte retention). */
  long totalBytes;

  /** Writer thread: partition bytes at the last index entry. */
  long bytesAtLastIndex = Long.MIN_VALUE / 2;

  /** Writer thread: running max record timestamp. */
  long maxTimestamp = Long.MIN_VALUE;

  /** Writer thread: last stream-sequence token, or null. */
  String lastStreamSeq;

  /** Writer thread writes; any thread reads: lowest retained offset. */
  volatile long startOffset;

  /** Sync thread writes; any thread reads: one past the last offset readers may see. */
  volatile long highWatermark;

  /** Sync thread only: the last flush cycle in which observers were told. */
  long notifiedCycle = -1;

  PartitionState(final TopicState topic, final int partition) {
    this.topic = topic;
    this.partition = partition;
  }
}
