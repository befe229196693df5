package io.stele.replication.node;

/**
 * Payload of a leader's own Raft entry: where its batch is in the shard log. The core keeps this
 * reference instead of the bytes; AppendEntries reads the bytes back from the segment.
 *
 * @param position log position of the batch
 * @param length batch length in bytes, unaligned
 */
public record BatchRef(long position, int length) {}
