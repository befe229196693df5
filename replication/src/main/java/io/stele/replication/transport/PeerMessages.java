package io.stele.replication.transport;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCountUtil;
import io.stele.replication.raft.Entry;
import io.stele.replication.raft.Message;
import java.util.List;

/** Reference counting of the buffers a Raft message carries as entry payloads. */
public final class PeerMessages {
  private PeerMessages() {}

  /**
   * Releases every {@link ByteBuf} payload of a message once.
   *
   * @param m the message
   */
  public static void release(final Message m) {
    final List<Entry> entries = m.entries();
    for (int i = 0; i < entries.size(); i++) {
      if (entries.get(i).payload() instanceof ByteBuf b) {
        ReferenceCountUtil.safeRelease(b);
      }
    }
  }

  /**
   * Retains every {@link ByteBuf} payload of a message once.
   *
   * @param m the message
   */
  public static void retain(final Message m) {
    final List<Entry> entries = m.entries();
    for (int i = 0; i < entries.size(); i++) {
      if (entries.get(i).payload() instanceof ByteBuf b) {
        b.retain();
      }
    }
  }
}
