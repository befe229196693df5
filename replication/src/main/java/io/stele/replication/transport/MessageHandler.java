package io.stele.replication.transport;

import io.stele.replication.raft.Message;

/** Consumer of inbound Raft messages, called on the thread that polls the transport. */
@FunctionalInterface
public interface MessageHandler {
  /**
   * Handles one message. The handler owns the message's ByteBuf payloads and must release them
   * ({@link PeerMessages#release(Message)}) when done.
   *
   * @param message the message
   */
  void onMessage(Message message);
}
