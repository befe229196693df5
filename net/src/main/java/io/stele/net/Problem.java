package io.stele.net;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/**
 * RFC 9457 problem details ({@code application/problem+json}). Every error Stele returns is one of
 * these, with a stable {@code type} URI per kind of problem.
 */
public final class Problem {
  /** Base of the stable problem type URIs. */
  public static final String TYPE_BASE = "https://stele.io/problems/";

  private Problem() {}

  /**
   * Builds a problem response.
   *
   * @param type short stable type name, appended to {@link #TYPE_BASE}
   * @param status HTTP status
   * @param detail human-readable detail for this occurrence
   */
  public static FullHttpResponse response(
      final ByteBufAllocator alloc,
      final HttpVersion version,
      final HttpResponseStatus status,
      final String type,
      final String detail) {
    final StringBuilder json = new StringBuilder(128);
    json.append("{\"type\":\"").append(TYPE_BASE).append(type).append("\",\"title\":");
    Json.appendString(json, status.reasonPhrase());
    json.append(",\"status\":").append(status.code()).append(",\"detail\":");
    Json.appendString(json, detail);
    json.append("}\n");
    final ByteBuf body = alloc.buffer(json.length());
    body.writeCharSequence(json, StandardCharsets.UTF_8);
    final FullHttpResponse response = new DefaultFullHttpResponse(version, status, body);
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/problem+json");
    response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
    return response;
  }

  /**
   * A {@code 503} problem with {@code Retry-After: 1}: the request may succeed if repeated shortly
   * (not ready, no leader, a full pipeline, failed storage).
   */
  public static FullHttpResponse unavailable(
      final ByteBufAllocator alloc,
      final HttpVersion version,
      final String type,
      final String detail) {
    final FullHttpResponse response =
        response(alloc, version, HttpResponseStatus.SERVICE_UNAVAILABLE, type, detail);
    response.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
    return response;
  }
}
