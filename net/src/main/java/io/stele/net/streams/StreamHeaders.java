package io.stele.net.streams;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import io.stele.net.Problem;

/** Header names of the protocol and the headers every streams response carries. */
final class StreamHeaders {
  static final AsciiString STREAM_NEXT_OFFSET = AsciiString.cached("Stream-Next-Offset");
  static final AsciiString STREAM_UP_TO_DATE = AsciiString.cached("Stream-Up-To-Date");
  static final AsciiString STREAM_CURSOR = AsciiString.cached("Stream-Cursor");
  static final AsciiString STREAM_SEQ = AsciiString.cached("Stream-Seq");
  static final AsciiString STREAM_TTL = AsciiString.cached("Stream-TTL");
  static final AsciiString STREAM_EXPIRES_AT = AsciiString.cached("Stream-Expires-At");
  static final AsciiString STREAM_CLOSED = AsciiString.cached("Stream-Closed");
  static final AsciiString STREAM_SSE_DATA_ENCODING =
      AsciiString.cached("Stream-SSE-Data-Encoding");
  static final AsciiString STREAM_FORKED_FROM = AsciiString.cached("Stream-Forked-From");
  static final AsciiString STREAM_FORK_OFFSET = AsciiString.cached("Stream-Fork-Offset");
  static final AsciiString STREAM_FORK_SUB_OFFSET = AsciiString.cached("Stream-Fork-Sub-Offset");
  static final AsciiString PRODUCER_ID = AsciiString.cached("Producer-Id");
  static final AsciiString PRODUCER_EPOCH = AsciiString.cached("Producer-Epoch");
  static final AsciiString PRODUCER_SEQ = AsciiString.cached("Producer-Seq");
  static final AsciiString PRODUCER_EXPECTED_SEQ = AsciiString.cached("Producer-Expected-Seq");
  static final AsciiString PRODUCER_RECEIVED_SEQ = AsciiString.cached("Producer-Received-Seq");

  static final String ALLOWED_METHODS = "GET, HEAD, POST, PUT, DELETE, OPTIONS";

  /** Request headers a browser may send cross-origin (preflight answer). */
  static final String ALLOWED_HEADERS =
      "Content-Type, If-None-Match, Stream-Seq, Stream-TTL, Stream-Expires-At, Stream-Closed,"
          + " Stream-Forked-From, Stream-Fork-Offset, Stream-Fork-Sub-Offset, Producer-Id, Producer-Epoch, Producer-Seq,"
          + " Authorization";

  /** Response headers a browser script may read. */
  static final String EXPOSED_HEADERS =
      "Stream-Next-Offset, Stream-Up-To-Date, Stream-Cursor, Stream-TTL, Stream-Expires-At,"
          + " Stream-Closed, Stream-SSE-Data-Encoding, Producer-Epoch, Producer-Seq,"
          + " Producer-Expected-Seq, Producer-Received-Seq, ETag, Location, Content-Type";

  private StreamHeaders() {}

  /** Adds the security and CORS headers every streams response carries (protocol §10.7). */
  static void decorate(final HttpHeaders h) {
    h.set("X-Content-Type-Options", "nosniff");
    h.set("Cross-Origin-Resource-Policy", "cross-origin");
    h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
    h.set(HttpHeaderNames.ACCESS_CONTROL_EXPOSE_HEADERS, EXPOSED_HEADERS);
  }

  /** {@link Problem#unavailable} (503, {@code Retry-After}), decorated as every stream problem. */
  static FullHttpResponse unavailable(
      final ByteBufAllocator alloc,
      final HttpVersion version,
      final String type,
      final String detail) {
    return decorated(Problem.unavailable(alloc, version, type, detail));
  }

  /** A decorated problem+json response. */
  static FullHttpResponse problem(
      final ByteBufAllocator alloc,
      final HttpVersion version,
      final HttpResponseStatus status,
      final String type,
      final String detail) {
    return decorated(Problem.response(alloc, version, status, type, detail));
  }

  private static FullHttpResponse decorated(final FullHttpResponse problem) {
    decorate(problem.headers());
    problem.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
    return problem;
  }
}
