package io.stele.replication.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.stele.replication.raft.Message;
import io.stele.replication.raft.ReplicaId;
import java.util.Queue;

/**
 * Admits an inbound peer connection at its handshake and hands its messages to the consumer's
 * bounded queue without blocking the event loop. One instance per inbound connection.
 */
final class InboundHandler extends ChannelInboundHandlerAdapter {
  private final TransportConfig config;
  private final TransportCounters counters;
  private final Queue<Message> inbound;
  private final Runnable wakeup;
  private Handshake handshake;
  private boolean refused;

  InboundHandler(
      final TransportConfig config,
      final TransportCounters counters,
      final Queue<Message> inbound,
      final Runnable wakeup) {
    this.config = config;
    this.counters = counters;
    this.inbound = inbound;
    this.wakeup = wakeup;
  }

  @Override
  public void channelRead(final ChannelHandlerContext ctx, final Object msg) {
    if (refused) {
      if (msg instanceof Message m) {
        PeerMessages.release(m);
      }
      return;
    }
    if (msg instanceof Handshake h) {
      if (handshake != null
          || h.clusterId() != config.clusterId()
          || h.receiverNode() != ReplicaId.node(config.selfId())) {
        refuse(ctx);
        return;
      }
      handshake = h;
      counters.handshakesAccepted.incrementAndGet();
      return;
    }
    if (!(msg instanceof Message m)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (handshake == null || ReplicaId.node(m.from()) != ReplicaId.node(handshake.senderId())) {
      PeerMessages.release(m);
      refuse(ctx);
      return;
    }
    if (!inbound.offer(m)) {
      PeerMessages.release(m);
      counters.inboundDropped.incrementAndGet();
      return;
    }
    counters.messagesReceived.incrementAndGet();
  }

  @Override
  public void channelReadComplete(final ChannelHandlerContext ctx) {
    wakeup.run(); // once per read burst: the Raft thread may be parked
    ctx.fireChannelReadComplete();
  }

  private void refuse(final ChannelHandlerContext ctx) {
    refused = true;
    counters.handshakesRefused.incrementAndGet();
    ctx.close();
  }

  @Override
  public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause) {
    ctx.close();
  }
}
