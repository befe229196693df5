package io.stele.replication.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.stele.replication.raft.Entry;
import io.stele.replication.raft.EntryType;
import io.stele.replication.raft.Message;
import io.stele.replication.raft.MessageType;
import io.stele.replication.raft.ReplicaId;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PeerFrameDecoderTest {
  private static final int MAX = 4096;
  private final TransportCounters counters = new TransportCounters();
  private final EmbeddedChannel channel = new EmbeddedChannel(new PeerFrameDecoder(MAX, counters));
  private final PeerMessageEncoder encoder = new PeerMessageEncoder();

  @BeforeAll
  static void watchLeaks() {
    LeakWatch.install();
  }

  @AfterEach
  void noLeaks() {
    channel.finishAndReleaseAll();
    LeakWatch.assertNoLeaks();
  }

  private static Message append(final byte[] payload) {
    return new Message(
        MessageType.APPEND,
        7,
        ReplicaId.of(1, 0),
        ReplicaId.of(2, 0),
        3,
        10,
        2,
        List.of(new Entry(11, 3, EntryType.NORMAL, payload, payload.length)),
        9,
        false,
        0,
        0,
        null);
  }

  private byte[] frame(final Message m) {
    final ByteBuf b = encoder.encode(ByteBufAllocator.DEFAULT, m);
    try {
      return ByteBufUtil.getBytes(b);
    } finally {
      b.release();
    }
  }

  /** Rewrites the CRC so that only the structural check can reject the frame. */
  private static byte[] reseal(final byte[] f) {
    final ByteBuf b = Unpooled.wrappedBuffer(f);
    b.setInt(FrameDescriptor.CRC_OFFSET, new Crc32c().frameChecksum(b, 0, f.length));
    return f;
  }

  @Test
  void shouldDecodeAFrameDeliveredOneByteAtATime() {
    final byte[] f = frame(append(new byte[] {1, 2, 3, 4, 5}));
    for (final byte x : f) {
      assertNull(channel.readInbound());
      channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {x}));
    }
    final Message m = channel.readInbound();
    final ByteBuf payload = (ByteBuf) m.entries().get(0).payload();
    assertEquals("0102030405", ByteBufUtil.hexDump(payload));
    assertEquals(5, m.entries().get(0).sizeBytes());
    PeerMessages.release(m);
    assertEquals(0, payload.refCnt());
    assertTrue(channel.isActive());
    assertFalse(channel.finish());
  }

  @Test
  void shouldCloseWhenAFrameStaysIncompleteLongerThanItsLengthAllows() {
    final long[] now = {0};
    final EmbeddedChannel ch =
        new EmbeddedChannel(new PeerFrameDecoder(MAX, counters, () -> now[0]));
    final byte[] f = frame(append(new byte[] {1, 2, 3}));
    // one bit flipped in the length: the frame now announces 2,048 more bytes than it has
    Unpooled.wrappedBuffer(f).setInt(FrameDescriptor.LENGTH_OFFSET, f.length + 2048);
    ch.writeInbound(Unpooled.wrappedBuffer(f));
    final long allowed =
        PeerFrameDecoder.STALL_BASE_NS + PeerFrameDecoder.STALL_NS_PER_BYTE * (f.length + 2048);
    now[0] = allowed; // heartbeats trickle in within the allowance: still waiting
    ch.writeInbound(Unpooled.wrappedBuffer(new byte[16]));
    assertTrue(ch.isActive());
    assertEquals(0, counters.framesStalled());
    now[0] = allowed + 1; // overdue: given up, the connection closes
    ch.writeInbound(Unpooled.wrappedBuffer(new byte[16]));
    assertNull(ch.readInbound());
    assertFalse(ch.isActive());
    assertEquals(1, counters.framesStalled());
    ch.finishAndReleaseAll();
  }

  @Test
  void shouldKeepWaitingForASlowButIntactFrame() {
    final long[] now = {0};
    final EmbeddedChannel ch =
        new EmbeddedChannel(new PeerFrameDecoder(MAX, counters, () -> now[0]));
    final byte[] f = frame(append(new byte[] {1, 2, 3}));
    for (int i = 0; i < f.length; i++) {
      now[0] += 1_000_000L; // 1 ms per byte: slow, but each byte within the allowance
      ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {f[i]}));
    }
    final Message m = ch.readInbound();
    assertEquals(MessageType.APPEND, m.type());
    PeerMessages.release(m);
    assertTrue(ch.isActive());
    assertEquals(0, counters.framesStalled());
    ch.finishAndReleaseAll();
  }

  @Test
  void shouldCloseOnFrameLongerThanTheMaximum() {
    final byte[] f = frame(append(new byte[MAX]));
    channel.writeInbound(Unpooled.wrappedBuffer(f));
    assertNull(channel.readInbound());
    assertEquals(1, counters.framesMalformed());
    assertFalse(channel.isActive());
  }

  @Test
  void shouldCloseOnLengthShorterThanAHeader() {
    channel.writeInbound(Unpooled.buffer().writeInt(8).writeInt(0));
    assertNull(channel.readInbound());
    assertEquals(1, counters.framesMalformed());
    assertFalse(channel.isActive());
  }

  @Test
  void shouldCloseOnUnknownVersionEvenWithAValidChecksum() {
    final byte[] f = frame(append(new byte[] {9}));
    f[FrameDescriptor.VERSION_OFFSET] = 2;
    channel.writeInbound(Unpooled.wrappedBuffer(reseal(f)));
    assertNull(channel.readInbound());
    assertEquals(1, counters.framesMalformed());
    assertEquals(0, counters.framesCorrupt());
    assertFalse(channel.isActive());
  }

  @Test
  void shouldCloseOnEntryTableThatDisagreesWithTheFrameWithoutLeakingSlices() {
    final byte[] f = frame(append(new byte[] {1, 2, 3}));
    final int row = FrameDescriptor.MESSAGE_FIXED_LENGTH;
    // payload length 2 instead of 3: one trailing byte after the payloads
    Unpooled.wrappedBuffer(f).setInt(row + FrameDescriptor.ENTRY_PAYLOAD_LENGTH_OFFSET, 2);
    final ByteBuf in = Unpooled.wrappedBuffer(reseal(f)).retain();
    channel.writeInbound(in);
    assertNull(channel.readInbound());
    assertEquals(1, counters.framesMalformed());
    assertFalse(channel.isActive());
    // the payload slice taken before the check failed was released: only our retain remains
    assertEquals(1, in.refCnt());
    in.release();
  }

  @Test
  void shouldDeliverFramesBeforeACorruptOneAndNothingAfter() {
    final byte[] good = frame(append(new byte[] {1}));
    final byte[] bad = frame(append(new byte[] {2}));
    bad[bad.length - 1] ^= 1;
    final byte[] after = frame(append(new byte[] {3}));
    channel.writeInbound(Unpooled.wrappedBuffer(good, bad, after));
    final Message m = channel.readInbound();
    assertEquals(
        "01", ByteBufUtil.hexDump((ByteBuf) m.entries().get(0).payload()), "the frame before");
    PeerMessages.release(m);
    assertNull(channel.readInbound());
    assertEquals(1, counters.framesCorrupt());
    assertFalse(channel.isActive());
  }
}
