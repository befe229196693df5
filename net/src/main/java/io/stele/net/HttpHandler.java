package io.stele.net;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection's request handling, confined to its event loop. Each request becomes an {@link
 * Exchange} queued in arrival order; responses leave in that order whatever order handlers complete
 * them in (HTTP/1.1 pipelining). Responses written during a read burst are flushed once at its end
 * ({@link #channelReadComplete}); later completions flush as they drain.
 */
final class HttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  private static final Logger LOG = LoggerFactory.getLogger(HttpHandler.class);

  /** Pipelined requests a connection may have in flight before its reads pause. */
  static final int MAX_PIPELINED = 64;

  /** State shared by every connection's handler. */
  static final class Shared {
    final BooleanSupplier ready;
    final Transport transport;
    final List<Route> routes;
    final HttpMetrics metrics;
    final Supplier<CharSequence> extraMetrics;

    /** Set once by the owning thread at shutdown; read by event loops. */
    volatile boolean draining;

    Shared(
        final BooleanSupplier ready,
        final Transport transport,
        final List<Route> routes,
        final HttpMetrics metrics,
        final Supplier<CharSequence> extraMetrics) {
      this.ready = ready;
      this.transport = transport;
      this.routes = routes;
      this.metrics = metrics;
      this.extraMetrics = extraMetrics;
    }
  }

  private final Shared shared;
  private final ArrayDeque<Exchange> inFlight = new ArrayDeque<>();
  private ChannelHandlerContext ctx;
  private boolean inReadBurst;
  private boolean pendingFlush;
  private boolean closing;

  HttpHandler(final Shared shared) {
    super(false);
    this.shared = shared;
  }

  /** Closes the connection now if no request is in flight; otherwise it closes after the last. */
  static void closeIfIdle(final Channel ch) {
    final HttpHandler handler = ch.pipeline().get(HttpHandler.class);
    if (handler == null || handler.inFlight.isEmpty()) {
      ch.close();
    }
  }

  @Override
  public void handlerAdded(final ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void channelActive(final ChannelHandlerContext ctx) throws Exception {
    shared.metrics.connectionOpened();
    super.channelActive(ctx);
  }

  @Override
  public void channelRead(final ChannelHandlerContext ctx, final Object msg) throws Exception {
    inReadBurst = true;
    super.channelRead(ctx, msg);
  }

  @Override
  protected void channelRead0(final ChannelHandlerContext ctx, final FullHttpRequest request) {
    final SlowRequestGuard guard = ctx.pipeline().get(SlowRequestGuard.class);
    if (guard != null) {
      guard.requestComplete();
    }
    if (closing) {
      request.release();
      return;
    }
    final DecoderResult result = request.decoderResult();
    final String uri = request.uri();
    final int q = uri.indexOf('?');
    final String path = q < 0 ? uri : uri.substring(0, q);
    final boolean keepAlive =
        result.isSuccess() && HttpUtil.isKeepAlive(request) && !shared.draining;
    final Exchange exchange = new Exchange(this, ctx, request, path, keepAlive);
    inFlight.add(exchange);
    if (inFlight.size() >= MAX_PIPELINED) {
      ctx.channel().config().setAutoRead(false);
    }
    if (!result.isSuccess()) {
      badRequest(exchange, result.cause());
      return;
    }
    try {
      route(exchange, path);
    } catch (final RuntimeException e) {
      LOG.error("handler failed on {} {}", request.method(), path, e);
      if (!exchange.completed) {
        exchange.problem(
            HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal-error", "internal error");
      }
    }
  }

  private void route(final Exchange exchange, final String path) {
    final HttpMethod method = exchange.request().method();
    switch (path) {
      case "/healthz":
        exchange.route("healthz");
        if (!isGetOrHead(method)) {
          exchange.methodNotAllowed("GET, HEAD");
        } else {
          exchange.respondJson(HttpResponseStatus.OK, "{\"status\":\"ok\"}\n");
        }
        return;
      case "/readyz":
        exchange.route("readyz");
        if (!isGetOrHead(method)) {
          exchange.methodNotAllowed("GET, HEAD");
        } else if (shared.ready.getAsBoolean() && !shared.draining) {
          exchange.respondJson(HttpResponseStatus.OK, "{\"status\":\"ready\"}\n");
        } else {
          exchange.unavailable(
              "not-ready", shared.draining ? "node is shutting down" : "node is not ready");
        }
        return;
      case "/metrics":
        exchange.route("metrics");
        if (!isGetOrHead(method)) {
          exchange.methodNotAllowed("GET, HEAD");
        } else {
          final StringBuilder text = new StringBuilder(4096);
          shared.metrics.appendPrometheus(text, shared.transport);
          text.append(shared.extraMetrics.get());
          final ByteBuf body = exchange.alloc().buffer(text.length());
          body.writeCharSequence(text, StandardCharsets.UTF_8);
          final FullHttpResponse response = exchange.newResponse(HttpResponseStatus.OK, body);
          response
              .headers()
              .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
          exchange.respond(response);
        }
        return;
      default:
        break;
    }
    for (final Route r : shared.routes) {
      if (r.matches(path)) {
        r.handler().handle(exchange);
        return;
      }
    }
    exchange.problem(HttpResponseStatus.NOT_FOUND, "not-found", "no route " + path);
  }

  private static boolean isGetOrHead(final HttpMethod method) {
    return HttpMethod.GET.equals(method) || HttpMethod.HEAD.equals(method);
  }

  private void badRequest(final Exchange exchange, final Throwable cause) {
    exchange.route("malformed");
    final HttpResponseStatus status;
    final String type;
    final String detail;
    if (cause instanceof TooLongHttpLineException) {
      status = HttpResponseStatus.REQUEST_URI_TOO_LONG;
      type = "uri-too-long";
      detail = "request line exceeds max-initial-line-bytes";
    } else if (cause instanceof TooLongHttpHeaderException) {
      status = HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
      type = "headers-too-large";
      detail = "header block exceeds max-header-bytes";
    } else {
      status = HttpResponseStatus.BAD_REQUEST;
      type = "malformed-request";
      detail =
          cause == null || cause.getMessage() == null
              ? "malformed HTTP request"
              : "malformed HTTP request: " + cause.getMessage();
    }
    // The request's own version is unknown when it failed to decode: answer as HTTP/1.1.
    exchange.respond(Problem.response(ctx.alloc(), HttpVersion.HTTP_1_1, status, type, detail));
  }

  /** The slow-request deadline passed with a request incomplete: 408 if nothing else is owed. */
  void requestTimedOut() {
    if (inFlight.isEmpty() && !closing) {
      closing = true;
      final FullHttpResponse r =
          Problem.response(
              ctx.alloc(),
              HttpVersion.HTTP_1_1,
              HttpResponseStatus.REQUEST_TIMEOUT,
              "request-timeout",
              "the request did not arrive whole within request-timeout-ms");
      r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
      shared.metrics.record("timeout", 408, System.nanoTime());
      GracefulClose.after(ctx.writeAndFlush(r));
    } else {
      ctx.close();
    }
  }

  /** Called on the event loop when a handler completes an exchange. */
  void complete(final Exchange exchange, final FullHttpResponse response) {
    if (exchange.completed || closing || !ctx.channel().isActive()) {
      ReferenceCountUtil.release(response);
      return;
    }
    exchange.completed = true;
    if (!response.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
      response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
    }
    if (!exchange.keepAlive()) {
      response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    } else if (exchange.request().protocolVersion().equals(HttpVersion.HTTP_1_0)) {
      response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
    }
    if (HttpMethod.HEAD.equals(exchange.request().method()) && response.content().isReadable()) {
      final FullHttpResponse head = response.replace(io.netty.buffer.Unpooled.EMPTY_BUFFER);
      response.release();
      exchange.pendingResponse = head;
    } else {
      exchange.pendingResponse = response;
    }
    drain();
  }

  void startStream(final Exchange exchange, final HttpResponse head) {
    if (exchange.completed || closing || !ctx.channel().isActive()) {
      return;
    }
    exchange.completed = true;
    exchange.streamHead = head;
    exchange.streamBacklog = new ArrayDeque<>();
    exchange.streamBacklog.add(head);
    drain();
  }

  void streamChunk(final Exchange exchange, final HttpContent content) {
    if (exchange.streamBacklog == null || exchange.streamEnded || !ctx.channel().isActive()) {
      ReferenceCountUtil.release(content);
      return;
    }
    if (content instanceof LastHttpContent) {
      exchange.streamEnded = true;
    }
    exchange.streamBacklog.add(content);
    drain();
  }

  /** Writes every response at the head of the queue that is ready, in order. */
  private void drain() {
    Exchange head;
    while ((head = inFlight.peek()) != null) {
      if (head.pendingResponse != null) {
        final FullHttpResponse response = head.pendingResponse;
        head.pendingResponse = null;
        inFlight.poll();
        shared.metrics.record(head.routeName(), response.status().code(), head.startNs());
        head.request().release();
        if (head.keepAlive()) {
          ctx.write(response, ctx.voidPromise());
          pendingFlush = true;
        } else {
          closing = true;
          GracefulClose.after(ctx.writeAndFlush(response));
          pendingFlush = false;
          return;
        }
      } else if (head.streamBacklog != null) {
        Object part;
        while ((part = head.streamBacklog.poll()) != null) {
          ctx.write(part, ctx.voidPromise());
          pendingFlush = true;
        }
        if (!head.streamEnded) {
          break;
        }
        inFlight.poll();
        shared.metrics.record(head.routeName(), head.streamHead.status().code(), head.startNs());
        head.request().release();
        closing = true;
        ctx.flush();
        ctx.close();
        return;
      } else {
        break;
      }
    }
    if (inFlight.size() < MAX_PIPELINED / 2 && !ctx.channel().config().isAutoRead()) {
      ctx.channel().config().setAutoRead(true);
    }
    if (pendingFlush && !inReadBurst) {
      pendingFlush = false;
      ctx.flush();
    }
    if (shared.draining && inFlight.isEmpty() && !inReadBurst) {
      ctx.close();
    }
  }

  @Override
  public void channelReadComplete(final ChannelHandlerContext ctx) {
    inReadBurst = false;
    if (pendingFlush) {
      pendingFlush = false;
      ctx.flush();
    }
    if (shared.draining && inFlight.isEmpty()) {
      ctx.close();
    }
  }

  @Override
  public void channelInactive(final ChannelHandlerContext ctx) throws Exception {
    shared.metrics.connectionClosed();
    closing = true;
    Exchange ex;
    while ((ex = inFlight.poll()) != null) {
      ex.completed = true;
      if (ex.pendingResponse != null) {
        ReferenceCountUtil.release(ex.pendingResponse);
        ex.pendingResponse = null;
      }
      if (ex.streamBacklog != null) {
        Object part;
        while ((part = ex.streamBacklog.poll()) != null) {
          ReferenceCountUtil.release(part);
        }
      }
      ex.request().release();
      final Runnable onClose = ex.onClose;
      if (onClose != null) {
        ex.onClose = null;
        try {
          onClose.run();
        } catch (final RuntimeException e) {
          LOG.warn("close action failed", e);
        }
      }
    }
    super.channelInactive(ctx);
  }

  @Override
  public void userEventTriggered(final ChannelHandlerContext ctx, final Object evt)
      throws Exception {
    if (evt instanceof IdleStateEvent) {
      // A streamed response (SSE) keeps the connection busy on purpose; its own lifetime bounds it.
      final Exchange head = inFlight.peek();
      if (head == null || head.streamBacklog == null) {
        ctx.close();
      }
      return;
    }
    super.userEventTriggered(ctx, evt);
  }

  @Override
  public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause) {
    ctx.close();
  }
}
