package io.stele.net;

import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequestDecoder;

/**
 * The request decoder with ambiguous framing refused: a request with both {@code Content-Length}
 * and {@code Transfer-Encoding: chunked} is a smuggling vector (RFC 9112 §6.3 lets a server reject
 * it), so it fails decoding (400 and close) instead of having its Content-Length dropped. Duplicate
 * differing Content-Length values fail too ({@code allowDuplicateContentLengths} is off).
 */
final class StrictRequestDecoder extends HttpRequestDecoder {
  StrictRequestDecoder(final HttpDecoderConfig config) {
    super(config.setAllowDuplicateContentLengths(false));
  }

  @Override
  protected void handleTransferEncodingChunkedWithContentLength(final HttpMessage message) {
    throw new IllegalArgumentException(
        "both Content-Length and Transfer-Encoding: chunked (ambiguous framing)");
  }
}
