package io.stele.replication.transport;

import static io.stele.replication.transport.FrameDescriptor.*;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.stele.replication.raft.Entry;
import io.stele.replication.raft.EntryType;
import io.stele.replication.raft.Membership;
import io.stele.replication.raft.Message;
import io.stele.replication.raft.SnapshotMeta;
import java.util.List;

/**
 * Encodes handshakes and Raft messages into frames ({@link FrameDescriptor}). NORMAL entry payloads
 * must be {@link ByteBuf}s (or {@code byte[]}, wrapped) and are sent as they are: the frame is a
 * composite of the header buffer and the payload buffers, so the bytes the engine wrote are the
 * bytes on the wire. Not thread-safe: one instance per event loop (or per connection).
 */
public final class PeerMessageEncoder {
  private final Crc32c crc = new Crc32c();

  /**
   * Encodes a handshake frame.
   *
   * @param alloc allocator
   * @param handshake the handshake
   * @return a new buffer the caller owns
   */
  public ByteBuf encodeHandshake(final ByteBufAllocator alloc, final Handshake handshake) {
    final ByteBuf buf = alloc.ioBuffer(HANDSHAKE_LENGTH);
    buf.writeInt(HANDSHAKE_LENGTH)
        .writeInt(0)
        .writeByte(VERSION)
        .writeByte(TYPE_HANDSHAKE)
        .writeShort(0)
        .writeInt(0)
        .writeLong(0)
        .writeLong(handshake.clusterId())
        .writeLong(handshake.senderId())
        .writeInt(handshake.receiverNode())
        .writeInt(0);
    buf.setInt(CRC_OFFSET, crc.frameChecksum(buf, 0, HANDSHAKE_LENGTH));
    return buf;
  }

  /**
   * Returns the length of the frame that would carry a message.
   *
   * @param m the message
   * @return bytes, possibly more than {@link Integer#MAX_VALUE} as a long
   */
  public static long frameLength(final Message m) {
    long length = MESSAGE_FIXED_LENGTH;
    if (m.snapshot() != null) {
      length += 16 + encodedLength(m.snapshot().membership());
    }
    final List<Entry> entries = m.entries();
    for (int i = 0; i < entries.size(); i++) {
      length += ENTRY_ROW_LENGTH + payloadLength(entries.get(i));
    }
    return length;
  }

  /**
   * Encodes a Raft message. The payload buffers are retained for the returned frame; the caller
   * keeps its own references.
   *
   * @param alloc allocator
   * @param m the message
   * @return a new buffer the caller owns
   * @throws IllegalArgumentException if a NORMAL payload is neither a ByteBuf nor a byte array
   */
  public ByteBuf encode(final ByteBufAllocator alloc, final Message m) {
    final List<Entry> entries = m.entries();
    final int n = entries.size();
    int metaLength = MESSAGE_FIXED_LENGTH + n * ENTRY_ROW_LENGTH;
    if (m.snapshot() != null) {
      metaLength += 16 + encodedLength(m.snapshot().membership());
    }
    final long total = frameLength(m);
    if (total > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("frame too long: " + total);
    }
    final ByteBuf meta = alloc.ioBuffer(metaLength);
    int flags = 0;
    if (m.reject()) {
      flags |= FLAG_REJECT;
    }
    if (m.snapshot() != null) {
      flags |= FLAG_SNAPSHOT;
    }
    meta.writeInt((int) total)
        .writeInt(0)
        .writeByte(VERSION)
        .writeByte(messageFrameType(m.type().ordinal()))
        .writeShort(flags)
        .writeInt(0)
        .writeLong(m.groupId())
        .writeLong(m.from())
        .writeLong(m.to())
        .writeLong(m.term())
        .writeLong(m.index())
        .writeLong(m.logTerm())
        .writeLong(m.commit())
        .writeLong(m.rejectHint())
        .writeLong(m.context())
        .writeInt(n);
    final SnapshotMeta snapshot = m.snapshot();
    if (snapshot != null) {
      meta.writeLong(snapshot.index()).writeLong(snapshot.term());
      writeMembership(meta, snapshot.membership());
    }
    for (int i = 0; i < n; i++) {
      final Entry e = entries.get(i);
      meta.writeLong(e.index())
          .writeLong(e.term())
          .writeByte(e.type().ordinal())
          .writeByte(0)
          .writeShort(0)
          .writeInt(payloadLength(e));
    }
    crc.reset();
    crc.update(meta, 0, 4);
    crc.update(meta, VERSION_OFFSET, metaLength - VERSION_OFFSET);
    if (n == 0 || !hasPayload(entries)) {
      meta.setInt(CRC_OFFSET, crc.value());
      return meta;
    }
    final CompositeByteBuf frame = alloc.compositeBuffer(n + 1);
    frame.addComponent(true, meta);
    try {
      for (int i = 0; i < n; i++) {
        final ByteBuf payload = payloadBuffer(alloc, entries.get(i));
        if (payload != null) {
          crc.update(payload, payload.readerIndex(), payload.readableBytes());
          frame.addComponent(true, payload);
        }
      }
    } catch (final RuntimeException ex) {
      frame.release();
      throw ex;
    }
    meta.setInt(CRC_OFFSET, crc.value());
    return frame;
  }

  private static boolean hasPayload(final List<Entry> entries) {
    for (int i = 0; i < entries.size(); i++) {
      if (payloadLength(entries.get(i)) > 0) {
        return true;
      }
    }
    return false;
  }

  private static ByteBuf payloadBuffer(final ByteBufAllocator alloc, final Entry e) {
    switch (e.type()) {
      case NORMAL -> {
        final Object p = e.payload();
        if (p instanceof ByteBuf b) {
          return b.readableBytes() == 0 ? null : b.retainedDuplicate();
        }
        if (p instanceof byte[] a) {
          return a.length == 0 ? null : Unpooled.wrappedBuffer(a);
        }
        return null;
      }
      case CONFIG -> {
        final Membership membership = (Membership) e.payload();
        final ByteBuf b = alloc.ioBuffer(encodedLength(membership));
        writeMembership(b, membership);
        return b;
      }
      default -> {
        return null;
      }
    }
  }

  static int payloadLength(final Entry e) {
    if (e.type() == EntryType.CONFIG) {
      return encodedLength((Membership) e.payload());
    }
    if (e.type() != EntryType.NORMAL) {
      return 0;
    }
    final Object p = e.payload();
    if (p instanceof ByteBuf b) {
      return b.readableBytes();
    }
    if (p instanceof byte[] a) {
      return a.length;
    }
    if (p == null) {
      return 0;
    }
    throw new IllegalArgumentException(
        "NORMAL payload must be a ByteBuf or byte[]: " + p.getClass().getName());
  }

  private static int encodedLength(final Membership m) {
    return FrameDescriptor.membershipLength(m.voterCount(), m.learnerCount());
  }

  private static void writeMembership(final ByteBuf b, final Membership m) {
    b.writeInt(m.voterCount());
    for (int i = 0; i < m.voterCount(); i++) {
      b.writeLong(m.voterAt(i));
    }
    b.writeInt(m.learnerCount());
    for (int i = 0; i < m.learnerCount(); i++) {
      b.writeLong(m.learnerAt(i));
    }
  }
}
