package io.stele.net;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

/**
 * Aggregates a request into one message, answering an oversized body with a 413 problem+json and
 * closing the connection (the rest of the body is not read, so the framing cannot be trusted).
 */
final class ProblemAggregator extends HttpObjectAggregator {
  private final int maxBodyBytes;

  ProblemAggregator(final int maxBodyBytes) {
    super(maxBodyBytes, true);
    this.maxBodyBytes = maxBodyBytes;
  }

  @Override
  protected void handleOversizedMessage(
      final ChannelHandlerContext ctx, final HttpMessage oversized) {
    final FullHttpResponse response =
        Problem.response(
            ctx.alloc(),
            HttpVersion.HTTP_1_1,
            HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
            "body-too-large",
            "request body exceeds max-body-bytes (" + maxBodyBytes + ")");
    response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    GracefulClose.after(ctx.writeAndFlush(response));
  }
}
