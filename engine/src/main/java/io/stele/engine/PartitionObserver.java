package io.stele.engine;

/**
 * Told when a partition's end offset (what readers may see) advances, on an engine thread, once per
 * flush cycle per partition at most. Used to wake long-polls and SSE tails; must not block.
 */
@FunctionalInterface
public interface PartitionObserver {
  void onEndOffset(String topic, int partition, long endOffset);
}
