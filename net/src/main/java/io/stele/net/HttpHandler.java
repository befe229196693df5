package io.stele.net;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateEvent;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;

/**
 * Routes each aggregated request on its event loop. Responses are written as they are produced and
 * flushed once at the end of a read burst ({@link #channelReadComplete}), so pipelined requests
 * cost one flush, and responses leave in request order.
 */
final class HttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

  /** State shared by every connection's handler. */
  static final class Shared {
    final BooleanSupplier ready;
    final Transport transport;

    /** Set once by the owning thread at shutdown; read by event loops. */
    volatile boolean draining;

    Shared(final BooleanSupplier ready, final Transport transport) {
      this.ready = ready;
      this.transport = transport;
    }
  }

  private final Shared shared;

  /** Requests read but not yet answered on this connection. Event-loop confined. */
  private int inFlight;

  private boolean pendingFlush;

  HttpHandler(final Shared shared) {
    this.shared = shared;
  }

  /** Closes the connection now if no request is in flight; otherwise it closes after the last. */
  static void closeIfIdle(final Channel ch) {
    final HttpHandler handler = ch.pipeline().get(HttpHandler.class);
    if (handler == null || handler.inFlight == 0) {
      ch.close();
    }
  }

  @Override
  protected void channelRead0(final ChannelHandlerContext ctx, final FullHttpRequest request) {
    inFlight++;
    final DecoderResult result = request.decoderResult();
    if (!result.isSuccess()) {
      badRequest(ctx, request, result.cause());
      return;
    }
    final boolean keepAlive = HttpUtil.isKeepAlive(request) && !shared.draining;
    final FullHttpResponse response = route(ctx, request);
    respond(ctx, request.protocolVersion(), response, keepAlive);
  }

  private FullHttpResponse route(final ChannelHandlerContext ctx, final FullHttpRequest request) {
    final String uri = request.uri();
    final int q = uri.indexOf('?');
    final String path = q < 0 ? uri : uri.substring(0, q);
    final HttpVersion version = request.protocolVersion();
    switch (path) {
      case "/healthz":
        if (!isGetOrHead(request.method())) {
          return methodNotAllowed(ctx, version, "GET, HEAD");
        }
        return json(ctx, version, HttpResponseStatus.OK, "{\"status\":\"ok\"}\n");
      case "/readyz":
        if (!isGetOrHead(request.method())) {
          return methodNotAllowed(ctx, version, "GET, HEAD");
        }
        if (shared.ready.getAsBoolean() && !shared.draining) {
          return json(ctx, version, HttpResponseStatus.OK, "{\"status\":\"ready\"}\n");
        }
        final FullHttpResponse notReady =
            Problem.response(
                ctx.alloc(),
                version,
                HttpResponseStatus.SERVICE_UNAVAILABLE,
                "not-ready",
                shared.draining ? "node is shutting down" : "node is not ready");
        notReady.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
        return notReady;
      default:
        return Problem.response(
            ctx.alloc(), version, HttpResponseStatus.NOT_FOUND, "not-found", "no route " + path);
    }
  }

  private static boolean isGetOrHead(final HttpMethod method) {
    return HttpMethod.GET.equals(method) || HttpMethod.HEAD.equals(method);
  }

  private static FullHttpResponse methodNotAllowed(
      final ChannelHandlerContext ctx, final HttpVersion version, final String allow) {
    final FullHttpResponse response =
        Problem.response(
            ctx.alloc(),
            version,
            HttpResponseStatus.METHOD_NOT_ALLOWED,
            "method-not-allowed",
            "allowed: " + allow);
    response.headers().set(HttpHeaderNames.ALLOW, allow);
    return response;
  }

  private static FullHttpResponse json(
      final ChannelHandlerContext ctx,
      final HttpVersion version,
      final HttpResponseStatus status,
      final String body) {
    final ByteBuf buf = ctx.alloc().buffer(body.length());
    buf.writeCharSequence(body, StandardCharsets.UTF_8);
    final FullHttpResponse response = new DefaultFullHttpResponse(version, status, buf);
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
    response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, buf.readableBytes());
    return response;
  }

  private void badRequest(
      final ChannelHandlerContext ctx, final FullHttpRequest request, final Throwable cause) {
    final FullHttpResponse response;
    if (cause instanceof TooLongHttpLineException) {
      response =
          Problem.response(
              ctx.alloc(),
              HttpVersion.HTTP_1_1,
              HttpResponseStatus.REQUEST_URI_TOO_LONG,
              "uri-too-long",
              "request line exceeds max-initial-line-bytes");
    } else if (cause instanceof TooLongHttpHeaderException) {
      response =
          Problem.response(
              ctx.alloc(),
              HttpVersion.HTTP_1_1,
              HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
              "headers-too-large",
              "header block exceeds max-header-bytes");
    } else {
      final String detail =
          cause instanceof TooLongFrameException || cause == null || cause.getMessage() == null
              ? "malformed HTTP request"
              : "malformed HTTP request: " + cause.getMessage();
      response =
          Problem.response(
              ctx.alloc(),
              HttpVersion.HTTP_1_1,
              HttpResponseStatus.BAD_REQUEST,
              "malformed-request",
              detail);
    }
    // After a framing error the rest of the stream cannot be trusted: answer and close.
    respond(ctx, HttpVersion.HTTP_1_1, response, false);
  }

  private void respond(
      final ChannelHandlerContext ctx,
      final HttpVersion version,
      final FullHttpResponse response,
      final boolean keepAlive) {
    inFlight--;
    if (keepAlive) {
      if (version.equals(HttpVersion.HTTP_1_0)) {
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
      }
      ctx.write(response, ctx.voidPromise());
      pendingFlush = true;
    } else {
      response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
      pendingFlush = false;
    }
  }

  @Override
  public void channelReadComplete(final ChannelHandlerContext ctx) {
    if (pendingFlush) {
      pendingFlush = false;
      ctx.flush();
    }
    if (shared.draining && inFlight == 0) {
      ctx.close();
    }
  }

  @Override
  public void userEventTriggered(final ChannelHandlerContext ctx, final Object evt)
      throws Exception {
    if (evt instanceof IdleStateEvent) {
      ctx.close();
      return;
    }
    super.userEventTriggered(ctx, evt);
  }

  @Override
  public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause) {
    ctx.close();
  }
}
