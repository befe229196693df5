package io.stele.replication.transport;

import io.stele.replication.raft.ReplicaId;
import java.net.InetSocketAddress;

/**
 * Configuration of a {@link PeerTransport}, validated once at construction.
 *
 * @param clusterId cluster identity; a peer with another is refused
 * @param selfId this replica (node and incarnation)
 * @param bindAddress where inbound peer connections are accepted (port 0: any)
 * @param maxFrameLengthBytes longest frame sent or accepted
 * @param outboundQueueMessagesMax per-peer queue bound in messages (a power of two is used)
 * @param outboundQueueBytesMax per-peer queue bound in frame bytes
 * @param inboundQueueMessagesMax bound of the queue the consumer drains
 * @param writeBufferLowBytes Netty low water mark per connection
 * @param writeBufferHighBytes Netty high water mark per connection; above it nothing more is
 *     written until the socket drains
 * @param reconnectMinNs first reconnect delay
 * @param reconnectMaxNs cap of the exponential reconnect delay
 */
public record TransportConfig(
    long clusterId,
    long selfId,
    InetSocketAddress bindAddress,
    int maxFrameLengthBytes,
    int outboundQueueMessagesMax,
    long outboundQueueBytesMax,
    int inboundQueueMessagesMax,
    int writeBufferLowBytes,
    int writeBufferHighBytes,
    long reconnectMinNs,
    long reconnectMaxNs) {

  /** Validates. */
  public TransportConfig {
    if (ReplicaId.node(selfId) < 1) {
      throw new IllegalArgumentException("selfId");
    }
    if (maxFrameLengthBytes < FrameDescriptor.MIN_MAX_FRAME_LENGTH
        || outboundQueueMessagesMax < 2
        || outboundQueueBytesMax < maxFrameLengthBytes
        || inboundQueueMessagesMax < 2
        || writeBufferLowBytes < 1
        || writeBufferHighBytes < writeBufferLowBytes
        || reconnectMinNs < 1
        || reconnectMaxNs < reconnectMinNs) {
      throw new IllegalArgumentException("bad transport config " + this);
    }
  }

  /**
   * Returns a configuration with the defaults: 8 MiB frames, 4096 messages and 64 MiB per peer
   * queue, 8192 inbound messages, 1–4 MiB water marks, reconnect 50 ms doubling to 2 s.
   *
   * @param clusterId cluster identity
   * @param selfId this replica
   * @param bindAddress where to listen
   * @return the configuration
   */
  public static TransportConfig defaults(
      final long clusterId, final long selfId, final InetSocketAddress bindAddress) {
    return new TransportConfig(
        clusterId,
        selfId,
        bindAddress,
        8 << 20,
        4096,
        64L << 20,
        8192,
        1 << 20,
        4 << 20,
        50_000_000L,
        2_000_000_000L);
  }

  /**
   * Returns a copy with other outbound queue bounds.
   *
   * @param messages bound in messages
   * @param bytes bound in bytes
   * @return the copy
   */
  public TransportConfig withOutboundQueue(final int messages, final long bytes) {
    return new TransportConfig(
        clusterId,
        selfId,
        bindAddress,
        maxFrameLengthBytes,
        messages,
        bytes,
        inboundQueueMessagesMax,
        writeBufferLowBytes,
        writeBufferHighBytes,
        reconnectMinNs,
        reconnectMaxNs);
  }

  /**
   * Returns a copy with other frame and water-mark bounds.
   *
   * @param maxFrame longest frame
   * @param low low water mark
   * @param high high water mark
   * @return the copy
   */
  public TransportConfig withBuffers(final int maxFrame, final int low, final int high) {
    return new TransportConfig(
        clusterId,
        selfId,
        bindAddress,
        maxFrame,
        outboundQueueMessagesMax,
        outboundQueueBytesMax,
        inboundQueueMessagesMax,
        low,
        high,
        reconnectMinNs,
        reconnectMaxNs);
  }

  /**
   * Returns a copy with other reconnect delays.
   *
   * @param minNs first delay
   * @param maxNs cap
   * @return the copy
   */
  public TransportConfig withReconnect(final long minNs, final long maxNs) {
    return new TransportConfig(
        clusterId,
        selfId,
        bindAddress,
        maxFrameLengthBytes,
        outboundQueueMessagesMax,
        outboundQueueBytesMax,
        inboundQueueMessagesMax,
        writeBufferLowBytes,
        writeBufferHighBytes,
        minNs,
        maxNs);
  }
}
