package io.stele.net;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.concurrent.EventExecutor;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;

/**
 * One request and its response. A handler completes it exactly once with {@link #respond} (or
 * starts a streamed response with {@link #startStream} and ends it with {@link #endStream}), from
 * any thread: completion hops to the connection's event loop. Responses on one connection leave in
 * request order whatever order they complete in (HTTP/1.1 pipelining).
 *
 * <p>Event-loop confinement: every field but the request is touched only on the event loop.
 */
public final class Exchange {
  private final HttpHandler connection;
  private final ChannelHandlerContext ctx;
  private final FullHttpRequest request;
  private final String path;
  private final boolean keepAlive;
  private final long startNs;
  private QueryStringDecoder query;
  private String route = "other";

  /** Completed response waiting for earlier exchanges, or null. */
  FullHttpResponse pendingResponse;

  /** Streamed response state: head written or buffered; chunks waiting for their turn. */
  HttpResponse streamHead;

  ArrayDeque<Object> streamBacklog;
  boolean streamEnded;
  boolean completed;
  Runnable onClose;

  Exchange(
      final HttpHandler connection,
      final ChannelHandlerContext ctx,
      final FullHttpRequest request,
      final String path,
      final boolean keepAlive) {
    this.connection = connection;
    this.ctx = ctx;
    this.request = request;
    this.path = path;
    this.keepAlive = keepAlive;
    this.startNs = System.nanoTime();
  }

  /** The request; its content is released after the exchange completes. */
  public FullHttpRequest request() {
    return request;
  }

  /** The decoded path (no query string). */
  public String path() {
    return path;
  }

  /** The query parameters, decoded on first use. */
  public QueryStringDecoder query() {
    if (query == null) {
      query = new QueryStringDecoder(request.uri());
    }
    return query;
  }

  /** A query parameter's first value, or {@code null}. */
  public String queryParam(final String name) {
    final java.util.List<String> values = query().parameters().get(name);
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  /** Names the route for metrics (low cardinality, e.g. {@code produce}). */
  public void route(final String route) {
    this.route = route;
  }

  String routeName() {
    return route;
  }

  long startNs() {
    return startNs;
  }

  boolean keepAlive() {
    return keepAlive;
  }

  /** The allocator of the connection. */
  public ByteBufAllocator alloc() {
    return ctx.alloc();
  }

  /** The connection's event loop. */
  public EventExecutor executor() {
    return ctx.executor();
  }

  /** Whether the connection is still open. */
  public boolean isOpen() {
    return ctx.channel().isActive();
  }

  /**
   * Runs {@code action} once, on the event loop, when the connection closes (e.g. to cancel a
   * long-poll). Call on the event loop.
   */
  public void onClose(final Runnable action) {
    this.onClose = action;
  }

  /** Completes with {@code response} (Content-Length is set here). Any thread. */
  public void respond(final FullHttpResponse response) {
    if (ctx.executor().inEventLoop()) {
      connection.complete(this, response);
    } else {
      ctx.executor().execute(() -> connection.complete(this, response));
    }
  }

  /** Completes with a JSON body. Any thread. */
  public void respondJson(final HttpResponseStatus status, final CharSequence json) {
    final ByteBuf body = ctx.alloc().buffer(json.length() + 8);
    body.writeCharSequence(json, StandardCharsets.UTF_8);
    final FullHttpResponse response =
        new DefaultFullHttpResponse(request.protocolVersion(), status, body);
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
    respond(response);
  }

  /** Completes with an empty body. Any thread. */
  public void respondEmpty(final HttpResponseStatus status) {
    respond(new DefaultFullHttpResponse(request.protocolVersion(), status, Unpooled.EMPTY_BUFFER));
  }

  /** Completes with a problem+json error. Any thread. */
  public void problem(final HttpResponseStatus status, final String type, final String detail) {
    respond(Problem.response(ctx.alloc(), request.protocolVersion(), status, type, detail));
  }

  /** Completes with {@link Problem#unavailable}: 503 and {@code Retry-After}. Any thread. */
  public void unavailable(final String type, final String detail) {
    respond(Problem.unavailable(ctx.alloc(), request.protocolVersion(), type, detail));
  }

  /** Completes with 405 and the {@code Allow} header naming the accepted methods. Any thread. */
  public void methodNotAllowed(final String allow) {
    final FullHttpResponse response =
        Problem.response(
            ctx.alloc(),
            request.protocolVersion(),
            HttpResponseStatus.METHOD_NOT_ALLOWED,
            "method-not-allowed",
            request.method() + " is not allowed on " + path + "; allowed: " + allow);
    response.headers().set(HttpHeaderNames.ALLOW, allow);
    respond(response);
  }

  /** Builds a response of this exchange's HTTP version. */
  public FullHttpResponse newResponse(final HttpResponseStatus status, final ByteBuf body) {
    return new DefaultFullHttpResponse(request.protocolVersion(), status, body);
  }

  /**
   * Starts a streamed (chunked) response such as SSE; the connection is closed when it ends, so
   * nothing pipelined behind it waits forever. Event loop only.
   */
  public void startStream(final HttpResponse head) {
    assert ctx.executor().inEventLoop();
    HttpUtil.setTransferEncodingChunked(head, true);
    head.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    connection.startStream(this, head);
  }

  /** Writes one chunk of a streamed response and flushes it. Event loop only. */
  public void writeChunk(final ByteBuf chunk) {
    assert ctx.executor().inEventLoop();
    connection.streamChunk(this, new DefaultHttpContent(chunk));
  }

  /** Ends a streamed response. Event loop only. */
  public void endStream() {
    assert ctx.executor().inEventLoop();
    connection.streamChunk(this, LastHttpContent.EMPTY_LAST_CONTENT);
  }

  /** Whether a streamed response is writable now (back-pressure for SSE tails). */
  public boolean isWritable() {
    return ctx.channel().isWritable();
  }
}
