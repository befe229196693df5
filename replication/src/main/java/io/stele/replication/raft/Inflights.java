package io.stele.replication.raft;

/**
 * The window of AppendEntries sent to one follower and not yet acknowledged, bounded by message
 * count and by entry bytes (after etcd-io/raft {@code tracker/inflights.go}). A ring of (last
 * index, bytes) pairs in send order, so acknowledgements free a prefix.
 */
final class Inflights {
  private final long[] lastIndex;
  private final long[] bytes;
  private final long bytesMax;
  private int start;
  private int count;
  private long totalBytes;

  Inflights(final int capacity, final long bytesMax) {
    this.lastIndex = new long[capacity];
    this.bytes = new long[capacity];
    this.bytesMax = bytesMax;
  }

  boolean full() {
    return count == lastIndex.length || totalBytes >= bytesMax;
  }

  int count() {
    return count;
  }

  long totalBytes() {
    return totalBytes;
  }

  void add(final long index, final long size) {
    assert !full() : "adding to a full window";
    assert count == 0 || index > lastIndex[(start + count - 1) % lastIndex.length];
    final int slot = (start + count) % lastIndex.length;
    lastIndex[slot] = index;
    bytes[slot] = size;
    count++;
    totalBytes += size;
  }

  /** Frees every message whose last index is at or below {@code index}. */
  void freeLe(final long index) {
    while (count > 0 && lastIndex[start] <= index) {
      totalBytes -= bytes[start];
      start = (start + 1) % lastIndex.length;
      count--;
    }
  }

  /**
   * Frees the oldest message: a follower answered a heartbeat, so the window must not stay shut.
   */
  void freeFirstOne() {
    if (count > 0) {
      totalBytes -= bytes[start];
      start = (start + 1) % lastIndex.length;
      count--;
    }
  }

  void reset() {
    start = 0;
    count = 0;
    totalBytes = 0;
  }
}
