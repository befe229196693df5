package io.stele.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
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

  /**
   * Leader: stamps {@code term} on batches and opens the write gate once every command submitted
   * before this one (the leader's own no-op) is written. Until then, and after {@link #fence()},
   * appends and topic changes are refused with {@code NOT_LEADER}. Cluster mode only ({@link
   * EngineConfig#quorumIsLocal()} false).
   */
  void lead(long term);

  /** Closes the write gate at once (this node stepped down or is about to). */
  void fence();

  /**
   * Raft commit index (monotonic; lower values are ignored). In cluster mode, {@code quorum}
   * appends, topic changes and the readers' high watermarks advance only up to it.
   */
  void commit(long logIndex);

  /** Calls {@code sink} with the last durable log index and its term, read consistently. */
  void durableIndex(IndexSink sink);

  /** Position of the oldest batch still present. */
  long startPosition();

  /** Position after the last written batch (not necessarily durable). */
  long appendedPosition();

  /**
   * Visits the headers of batches written in {@code [fromPosition, appendedPosition())}, at most
   * {@code limit}, in log order.
   *
   * @return the position after the last batch visited
   * @throws IOException if {@code fromPosition} is no longer present (retention)
   */
  long scan(long fromPosition, int limit, BatchSink sink) throws IOException;

  /**
   * Finds the batch with a log index (Raft thread; not during a truncation it asked for).
   *
   * @param logIndex the index
   * @return its log position, or -1 if it is not in the log (beyond the end or removed)
   * @throws IOException if the log cannot be read
   */
  long positionOf(long logIndex) throws IOException;

  /** Copies {@code dst.remaining()} bytes of the log at {@code position} into {@code dst}. */
  void copy(long position, ByteBuffer dst) throws IOException;

  /**
   * Registers what to call when batches were written or the durable index advanced (the engine's
   * threads call it; it must be cheap and never block): wakes the Raft thread.
   */
  void onLogProgress(Runnable wakeup);

  /**
   * Returns false once the log failed (an fsync error): it acknowledges nothing more.
   *
   * @return whether the log is healthy
   */
  boolean isHealthy();

  /**
   * Leader: describes how a follower can rebuild this log up to {@code logIndex} (committed) by
   * copying files instead of entries: the newest checkpoint at or before the end of that batch,
   * then the log bytes {@code [startPosition, endPosition)} read with {@link #copy} (one segment at
   * a time). Raft thread.
   *
   * @param logIndex the last index the follower gets
   * @return the description
   * @throws IOException if the batch is not in the log, or no checkpoint is usable yet (the log no
   *     longer starts at position 0 and both checkpoints lie beyond the batch; try again later)
   */
  SnapshotSource snapshotSource(long logIndex) throws IOException;

  /**
   * Follower: starts staging a copy of the leader's log described by a {@link SnapshotSource} (the
   * checkpoint's bytes arrive through the returned object). Nothing changes in the live log until
   * {@link SnapshotInstall#complete()}. Raft thread; one at a time.
   *
   * @param logIndex last log index of the copy
   * @param startPosition log position of its first byte (a segment boundary)
   * @param endPosition log position after the batch with {@code logIndex}
   * @param segmentBytes the leader's segment size
   * @param checkpointLength length of the checkpoint that comes first in the stream
   * @return the staging
   * @throws IOException if the description is invalid or the staging directory cannot be made
   */
  SnapshotInstall beginInstall(
      long logIndex, long startPosition, long endPosition, int segmentBytes, int checkpointLength)
      throws IOException;

  /**
   * What a follower needs to rebuild the log up to {@code logIndex}: the transfer is one byte
   * stream, {@code checkpoint} first, then the log bytes {@code [startPosition, endPosition)}.
   *
   * @param logIndex last log index included
   * @param term its term
   * @param startPosition first log position (a segment boundary: the oldest segment still present)
   * @param endPosition position after the batch with {@code logIndex}
   * @param segmentBytes segment size
   * @param checkpoint the checkpoint file's bytes (empty if the log starts at position 0 and none
   *     is usable: the follower then rebuilds from the whole log)
   */
  record SnapshotSource(
      long logIndex,
      long term,
      long startPosition,
      long endPosition,
      int segmentBytes,
      byte[] checkpoint) {
    /**
     * Returns the stream's length.
     *
     * @return checkpoint plus log bytes
     */
    public long length() {
      return checkpoint.length + (endPosition - startPosition);
    }
  }

  /** A follower's staged copy of the leader's log (see {@link #beginInstall}). */
  interface SnapshotInstall {
    /**
     * Returns the last log index the copy holds.
     *
     * @return the index
     */
    long logIndex();

    /**
     * Returns the stream's length.
     *
     * @return bytes
     */
    long length();

    /**
     * Returns how many bytes of the stream were written.
     *
     * @return bytes
     */
    long received();

    /**
     * Writes the next piece of the stream.
     *
     * @param streamOffset must equal {@link #received()}
     * @param src the bytes, consumed
     * @throws IOException if the piece does not continue the stream or cannot be written
     */
    void write(long streamOffset, ByteBuffer src) throws IOException;

    /**
     * Makes the staged copy durable and marks it complete ({@code install/READY}): from here on a
     * restart finishes the install even if {@link #complete()} never runs. Idempotent.
     *
     * @throws IOException if the copy is incomplete, invalid or cannot be forced (the staging is
     *     then deleted)
     */
    void prepare() throws IOException;

    /**
     * Makes the staged copy durable (if {@link #prepare()} did not) and replaces the live log with
     * it (the writer thread swaps the files and rebuilds the state from the checkpoint and the
     * bytes after it); a crash after the copy is durable finishes the swap at the next start.
     *
     * @return completes with the last log index once the new log is in place, or exceptionally (the
     *     engine then refuses to go on: its files are half replaced)
     */
    CompletableFuture<Long> complete();

    /** Deletes the staged files; the live log is untouched. */
    void abort();
  }

  /** Receives one batch header from {@link #scan}. */
  @FunctionalInterface
  interface BatchSink {
    /**
     * One batch.
     *
     * @param logIndex its log index
     * @param term its term
     * @param type {@code BatchDescriptor.TYPE_DATA} or {@code TYPE_CONTROL}
     * @param position its log position
     * @param length its length in bytes, unaligned
     */
    void onBatch(long logIndex, long term, byte type, long position, int length);
  }

  /** Receives a (log index, term) pair. */
  @FunctionalInterface
  interface IndexSink {
    /**
     * The pair.
     *
     * @param index log index
     * @param term its term
     */
    void accept(long index, long term);
  }
}
