package io.stele.net;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection after its last response without resetting it: when a client is still sending
 * (an oversized body, a request after a framing error), closing at once would make the kernel
 * answer its data with RST, and the client could lose the response it has not read yet. Instead the
 * write side is shut down (the client reads the response, then end-of-stream), what still arrives
 * is discarded, and the channel is closed when the client closes or after {@link #LINGER_MS}.
 */
final class GracefulClose {
  static final long LINGER_MS = 2_000;

  private GracefulClose() {}

  /** After {@code lastWrite} completes, half-close, discard input, close within the linger. */
  static void after(final ChannelFuture lastWrite) {
    lastWrite.addListener(
        f -> {
          final Channel ch = lastWrite.channel();
          if (!ch.isActive()) {
            return;
          }
          if (!(ch instanceof DuplexChannel)) {
            ch.close();
            return;
          }
          ch.pipeline().addFirst("discard", new Discard());
          ch.config().setAutoRead(true);
          ((DuplexChannel) ch).shutdownOutput();
          ch.eventLoop().schedule(() -> ch.close(), LINGER_MS, TimeUnit.MILLISECONDS);
        });
  }

  /** Drops everything that arrives and closes on end-of-stream. */
  private static final class Discard extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg) {
      ReferenceCountUtil.release(msg);
    }

    @Override
    public void userEventTriggered(final ChannelHandlerContext ctx, final Object evt) {
      if (evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent) {
        ctx.close();
      }
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause) {
      ctx.close();
    }
  }
}
