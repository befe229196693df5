package io.stele.replication.transport;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What the transport counts. Each counter is written by the event loop or by the sending thread as
 * noted and may be read from any thread.
 */
public final class TransportCounters {
  final AtomicLong framesCorrupt = new AtomicLong();
  final AtomicLong framesMalformed = new AtomicLong();
  final AtomicLong framesStalled = new AtomicLong();
  final AtomicLong handshakesRefused = new AtomicLong();
  final AtomicLong handshakesAccepted = new AtomicLong();
  final AtomicLong outboundDropped = new AtomicLong();
  final AtomicLong oversizeDropped = new AtomicLong();
  final AtomicLong inboundDropped = new AtomicLong();
  final AtomicLong connectAttempts = new AtomicLong();
  final AtomicLong connectionsEstablished = new AtomicLong();
  final AtomicLong messagesSent = new AtomicLong();
  final AtomicLong messagesReceived = new AtomicLong();

  /**
   * Frames whose CRC32C did not match (event loop); each closed its connection.
   *
   * @return count
   */
  public long framesCorrupt() {
    return framesCorrupt.get();
  }

  /**
   * Frames with a valid CRC but a bad length, version, type or field (event loop); each closed its
   * connection.
   *
   * @return count
   */
  public long framesMalformed() {
    return framesMalformed.get();
  }

  /**
   * Incomplete frames given up on (event loop): not whole within 2 s plus 1 µs per byte of the
   * length they announce (a corrupted length field); each closed its connection.
   *
   * @return count
   */
  public long framesStalled() {
    return framesStalled.get();
  }

  /**
   * Inbound connections refused at the handshake (event loop).
   *
   * @return count
   */
  public long handshakesRefused() {
    return handshakesRefused.get();
  }

  /**
   * Inbound connections accepted at the handshake (event loop).
   *
   * @return count
   */
  public long handshakesAccepted() {
    return handshakesAccepted.get();
  }

  /**
   * Messages dropped because a peer's outbound queue was full (sending thread).
   *
   * @return count
   */
  public long outboundDropped() {
    return outboundDropped.get();
  }

  /**
   * Messages dropped because their frame would exceed the maximum frame length (event loop).
   *
   * @return count
   */
  public long oversizeDropped() {
    return oversizeDropped.get();
  }

  /**
   * Messages received but dropped because the inbound queue was full (event loop).
   *
   * @return count
   */
  public long inboundDropped() {
    return inboundDropped.get();
  }

  /**
   * Outbound connection attempts, first ones included (event loop).
   *
   * @return count
   */
  public long connectAttempts() {
    return connectAttempts.get();
  }

  /**
   * Outbound connections established (event loop).
   *
   * @return count
   */
  public long connectionsEstablished() {
    return connectionsEstablished.get();
  }

  /**
   * Messages written to a socket (event loop).
   *
   * @return count
   */
  public long messagesSent() {
    return messagesSent.get();
  }

  /**
   * Messages received and queued for the consumer (event loop).
   *
   * @return count
   */
  public long messagesReceived() {
    return messagesReceived.get();
  }

  @Override
  public String toString() {
    return "sent="
        + messagesSent()
        + " received="
        + messagesReceived()
        + " corrupt="
        + framesCorrupt()
        + " malformed="
        + framesMalformed()
        + " stalled="
        + framesStalled()
        + " refused="
        + handshakesRefused()
        + " outDropped="
        + outboundDropped()
        + " inDropped="
        + inboundDropped()
        + " oversize="
        + oversizeDropped()
        + " connects="
        + connectAttempts();
  }
}
