package io.stele.net;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection whose request does not arrive whole within {@code requestTimeoutMs} of its
 * first byte (slowloris). Armed by the first raw bytes after a complete request, disarmed by the
 * {@link HttpHandler} when the aggregated request arrives. Event-loop confined.
 */
final class SlowRequestGuard extends ChannelDuplexHandler {
  private final long requestTimeoutMs;
  private ScheduledFuture<?> timer;
  private boolean awaitingRequest;

  SlowRequestGuard(final long requestTimeoutMs) {
    this.requestTimeoutMs = requestTimeoutMs;
  }

  @Override
  public void channelRead(final ChannelHandlerContext ctx, final Object msg) throws Exception {
    if (!awaitingRequest) {
      awaitingRequest = true;
      timer =
          ctx.executor().schedule(() -> onTimeout(ctx), requestTimeoutMs, TimeUnit.MILLISECONDS);
    }
    super.channelRead(ctx, msg);
  }

  /** A whole request has arrived: the next bytes start a new deadline. */
  void requestComplete() {
    awaitingRequest = false;
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }

  private void onTimeout(final ChannelHandlerContext ctx) {
    if (awaitingRequest) {
      final HttpHandler handler = ctx.pipeline().get(HttpHandler.class);
      if (handler != null) {
        handler.requestTimedOut();
      } else {
        ctx.close();
      }
    }
  }

  @Override
  public void channelInactive(final ChannelHandlerContext ctx) throws Exception {
    requestComplete();
    super.channelInactive(ctx);
  }
}
