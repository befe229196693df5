package io.stele.engine.internal;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Written-but-not-completed operations, in log order, from the shard's writer thread to its sync
 * thread: a single-producer single-consumer ring of preallocated parallel arrays (no allocation per
 * entry). The writer fills slots from {@link #published} up to its private {@code staged}, writes
 * the batches, then publishes with a release store; the sync thread completes entries whose end
 * position is durable and, in a cluster, whose log index is committed, and releases them by
 * advancing {@link #consumed}.
 */
final class PendingQueue {
  static final byte KIND_APPEND = 0;
  static final byte KIND_CONTROL = 1;

  /** Already completed; only waits for its turn to be released (a removed, acked append). */
  static final byte KIND_DONE = 2;

  final int capacity;
  final int mask;
  final long[] correlationIds;
  final Object[] listeners;
  final PartitionState[] partitions;
  final long[] baseOffsets;
  final int[] counts;
  final long[] endPositions;
  final long[] endOffsets;
  final byte[] requested;
  final byte[] statuses;
  final byte[] kinds;

  /** Log index of the entry's batch, or of the last batch written before it (refusals). */
  final long[] logIndexes;

  /** Term of that batch. */
  final long[] terms;

  /** Written by the writer thread (release); read by the sync thread. */
  final AtomicLong published = new AtomicLong();

  /** Written by the sync thread (release); read by the writer thread. */
  final AtomicLong consumed = new AtomicLong();

  /** Writer thread only: next slot to fill. */
  long staged;

  PendingQueue(final int capacity) {
    this.capacity = capacity;
    this.mask = capacity - 1;
    correlationIds = new long[capacity];
    listeners = new Object[capacity];
    partitions = new PartitionState[capacity];
    baseOffsets = new long[capacity];
    counts = new int[capacity];
    endPositions = new long[capacity];
    endOffsets = new long[capacity];
    requested = new byte[capacity];
    statuses = new byte[capacity];
    kinds = new byte[capacity];
    logIndexes = new long[capacity];
    terms = new long[capacity];
  }

  /** Writer thread: free slots. */
  int free() {
    return capacity - (int) (staged - consumed.get());
  }

  /** Writer thread: fills the next slot. Caller checked {@link #free()}. */
  void stage(
      final byte kind,
      final long correlationId,
      final Object listener,
      final PartitionState partition,
      final long baseOffset,
      final int count,
      final long endPosition,
      final long endOffset,
      final byte requestedDurability,
      final byte status,
      final long logIndex,
      final long term) {
    final int i = (int) (staged & mask);
    kinds[i] = kind;
    correlationIds[i] = correlationId;
    listeners[i] = listener;
    partitions[i] = partition;
    baseOffsets[i] = baseOffset;
    counts[i] = count;
    endPositions[i] = endPosition;
    endOffsets[i] = endOffset;
    requested[i] = requestedDurability;
    statuses[i] = status;
    logIndexes[i] = logIndex;
    terms[i] = term;
    staged++;
  }

  void clear(final int i) {
    listeners[i] = null;
    partitions[i] = null;
  }
}
