package io.stele.engine;

import java.util.concurrent.CompletableFuture;
import org.agrona.DirectBuffer;

/**
 * The shard log as Raft sees it (DESIGN §4: a shard's log is its Raft log, and the bytes on the
 * wire are the bytes on disk). Implemented by the engine returned from {@link Engines#open}.
 */
public interface ReplicatedLog {
  /** Log index of the last batch written (0 if the log is empty). */
  long lastLogIndex();

  /** Term carried by the last batch written. */
  long lastTerm();

  /** Term stamped on batches this node appends from now on (leader). */
  void currentTerm(long term);

  /**
   * Follower path: appends batches already encoded by the leader (offsets and log indexes
   * assigned), written byte for byte. {@code buffer[offset, offset + length)} holds whole batches
   * back to back, each starting at an 8-byte aligned distance from {@code offset}. Every batch is
   * checked (CRC, structure, next log index, partition offsets) before it is written; the first bad
   * one fails the future and it and the rest are not written. The bytes are copied before return.
   *
   * @return completes with the last log index once those batches are durable (flushed)
   */
  CompletableFuture<Long> appendEncoded(DirectBuffer buffer, int offset, int length);

  /**
   * Removes every batch after {@code logIndex} (Raft conflict resolution), rolling partition end
   * offsets, indexes, producer and stream-sequence state and consumer offsets back with it. The
   * removed bytes are zeroed and forced before the future completes.
   */
  CompletableFuture<Void> truncateAfter(long logIndex);
}
