package io.stele.replication.transport;

import static io.stele.replication.transport.FrameDescriptor.*;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.stele.replication.raft.Entry;
import io.stele.replication.raft.EntryType;
import io.stele.replication.raft.Membership;
import io.stele.replication.raft.Message;
import io.stele.replication.raft.MessageType;
import io.stele.replication.raft.SnapshotMeta;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits the byte stream into frames, verifies each frame's CRC32C and decodes it into a {@link
 * Handshake} or a Raft {@link Message}. A frame that fails the checksum, is longer than the maximum
 * or shorter than a header, or does not parse, is never delivered: it is counted and the connection
 * is closed (TCP's own checksum is weak; a frame that fails ours means the stream cannot be trusted
 * from there on).
 *
 * <p>NORMAL entry payloads of a decoded message are retained slices of the received frame: the
 * consumer owns them and releases them ({@link PeerMessages#release(Message)}) once the engine has
 * appended them.
 */
public final class PeerFrameDecoder extends ByteToMessageDecoder {
  private static final MessageType[] TYPES = MessageType.values();
  private static final EntryType[] ENTRY_TYPES = EntryType.values();

  /** A frame must arrive within this, plus {@link #STALL_NS_PER_BYTE} per byte of its length. */
  static final long STALL_BASE_NS = 2_000_000_000L;

  /** 1 µs per byte: a frame slower than 1 MB/s on average is taken for a corrupted length. */
  static final long STALL_NS_PER_BYTE = 1_000L;

  private final int maxFrameLength;
  private final TransportCounters counters;
  private final java.util.function.LongSupplier clock;
  private final Crc32c crc = new Crc32c();
  private boolean failed;

  /** When the first bytes of the frame still incomplete arrived; -1 if none is pending. */
  private long partialSinceNs = -1;

  /**
   * Creates a decoder.
   *
   * @param maxFrameLength longest frame accepted, in bytes
   * @param counters where failures are counted
   */
  public PeerFrameDecoder(final int maxFrameLength, final TransportCounters counters) {
    this(maxFrameLength, counters, System::nanoTime);
  }

  /** As above, with the clock that times incomplete frames (tests). */
  PeerFrameDecoder(
      final int maxFrameLength,
      final TransportCounters counters,
      final java.util.function.LongSupplier clock) {
    if (maxFrameLength < MIN_MAX_FRAME_LENGTH) {
      throw new IllegalArgumentException("maxFrameLength=" + maxFrameLength);
    }
    this.maxFrameLength = maxFrameLength;
    this.counters = counters;
    this.clock = clock;
  }

  @Override
  protected void decode(final ChannelHandlerContext ctx, final ByteBuf in, final List<Object> out) {
    while (!failed && in.readableBytes() >= 4) {
      final int start = in.readerIndex();
      final int length = in.getInt(start + LENGTH_OFFSET);
      if (length < HEADER_LENGTH || length > maxFrameLength) {
        fail(ctx, in, counters.framesMalformed);
        return;
      }
      if (in.readableBytes() < length) {
        // A bit flipped in the length field of a small frame can announce megabytes: the reader
        // would wait for them while the sender, waiting for answers, sends only heartbeats. Such a
        // frame is given up on (and the connection redialled) once it is overdue.
        final long now = clock.getAsLong();
        if (partialSinceNs < 0) {
          partialSinceNs = now;
        } else if (now - partialSinceNs > STALL_BASE_NS + STALL_NS_PER_BYTE * length) {
          fail(ctx, in, counters.framesStalled);
        }
        return;
      }
      partialSinceNs = -1;
      if (crc.frameChecksum(in, start, length) != in.getInt(start + CRC_OFFSET)) {
        fail(ctx, in, counters.framesCorrupt);
        return;
      }
      final ByteBuf frame = in.readRetainedSlice(length);
      try {
        out.add(parse(frame));
      } catch (final RuntimeException ex) {
        fail(ctx, in, counters.framesMalformed);
        return;
      } finally {
        frame.release();
      }
    }
    if (failed) {
      in.skipBytes(in.readableBytes());
    }
  }

  private void fail(
      final ChannelHandlerContext ctx,
      final ByteBuf in,
      final java.util.concurrent.atomic.AtomicLong counter) {
    failed = true;
    counter.incrementAndGet();
    in.skipBytes(in.readableBytes());
    ctx.close();
  }

  private static Object parse(final ByteBuf f) {
    if (f.getByte(VERSION_OFFSET) != VERSION || f.getInt(RESERVED_OFFSET) != 0) {
      throw new IllegalArgumentException("version or reserved");
    }
    final int type = f.getByte(TYPE_OFFSET) & 0xFF;
    if (type == TYPE_HANDSHAKE) {
      if (f.readableBytes() != HANDSHAKE_LENGTH) {
        throw new IllegalArgumentException("handshake length");
      }
      return new Handshake(
          f.getLong(HANDSHAKE_CLUSTER_ID_OFFSET),
          f.getLong(HANDSHAKE_SENDER_OFFSET),
          f.getInt(HANDSHAKE_RECEIVER_NODE_OFFSET));
    }
    if (type > TYPES.length || f.readableBytes() < MESSAGE_FIXED_LENGTH) {
      throw new IllegalArgumentException("type or length");
    }
    final int flags = f.getShort(FLAGS_OFFSET) & 0xFFFF;
    final int n = f.getInt(ENTRY_COUNT_OFFSET);
    if (n < 0 || (long) n * ENTRY_ROW_LENGTH > f.readableBytes()) {
      throw new IllegalArgumentException("entry count");
    }
    f.readerIndex(MESSAGE_FIXED_LENGTH);
    SnapshotMeta snapshot = null;
    if ((flags & FLAG_SNAPSHOT) != 0) {
      final long index = f.readLong();
      final long term = f.readLong();
      snapshot = new SnapshotMeta(index, term, readMembership(f));
    }
    final int table = f.readerIndex();
    int payloadAt = table + n * ENTRY_ROW_LENGTH;
    final List<Entry> entries = n == 0 ? List.of() : new ArrayList<>(n);
    try {
      for (int i = 0; i < n; i++) {
        final int row = table + i * ENTRY_ROW_LENGTH;
        final long index = f.getLong(row);
        final long term = f.getLong(row + 8);
        final int et = f.getByte(row + ENTRY_TYPE_OFFSET) & 0xFF;
        final int len = f.getInt(row + ENTRY_PAYLOAD_LENGTH_OFFSET);
        if (et >= ENTRY_TYPES.length || len < 0 || len > f.writerIndex() - payloadAt) {
          throw new IllegalArgumentException("entry row " + i);
        }
        final EntryType entryType = ENTRY_TYPES[et];
        final Object payload;
        switch (entryType) {
          case NORMAL -> payload = f.retainedSlice(payloadAt, len);
          case CONFIG -> {
            final ByteBuf m = f.slice(payloadAt, len);
            payload = readMembership(m);
            if (m.isReadable()) {
              throw new IllegalArgumentException("config length");
            }
          }
          default -> {
            if (len != 0) {
              throw new IllegalArgumentException("noop payload");
            }
            payload = null;
          }
        }
        try {
          entries.add(new Entry(index, term, entryType, payload, len));
        } catch (final RuntimeException ex) {
          if (payload instanceof ByteBuf b) {
            b.release();
          }
          throw ex;
        }
        payloadAt += len;
      }
      if (payloadAt != f.writerIndex()) {
        throw new IllegalArgumentException("trailing bytes");
      }
      return new Message(
          TYPES[type - 1],
          f.getLong(GROUP_ID_OFFSET),
          f.getLong(MESSAGE_FIELDS_OFFSET),
          f.getLong(MESSAGE_FIELDS_OFFSET + 8),
          f.getLong(MESSAGE_FIELDS_OFFSET + 16),
          f.getLong(MESSAGE_FIELDS_OFFSET + 24),
          f.getLong(MESSAGE_FIELDS_OFFSET + 32),
          entries,
          f.getLong(MESSAGE_FIELDS_OFFSET + 40),
          (flags & FLAG_REJECT) != 0,
          f.getLong(MESSAGE_FIELDS_OFFSET + 48),
          f.getLong(MESSAGE_FIELDS_OFFSET + 56),
          snapshot);
    } catch (final RuntimeException ex) {
      for (int i = 0; i < entries.size(); i++) {
        if (entries.get(i).payload() instanceof ByteBuf b) {
          b.release();
        }
      }
      throw ex;
    }
  }

  private static Membership readMembership(final ByteBuf b) {
    final int voters = b.readInt();
    if (voters < 0 || voters > b.readableBytes() / 8) {
      throw new IllegalArgumentException("voters");
    }
    final long[] v = new long[voters];
    for (int i = 0; i < voters; i++) {
      v[i] = b.readLong();
    }
    final int learners = b.readInt();
    if (learners < 0 || learners > b.readableBytes() / 8) {
      throw new IllegalArgumentException("learners");
    }
    final long[] l = new long[learners];
    for (int i = 0; i < learners; i++) {
      l[i] = b.readLong();
    }
    return Membership.of(v, l);
  }
}
