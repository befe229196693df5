package io.stele.perf;

import io.netty.buffer.ByteBuf;

/** An incremental, allocation-free parser of a stream of responses on one connection. */
interface ResponseParser {
  /**
   * Consumes every readable byte of {@code in}, reporting whole responses to the listener.
   *
   * @throws ProtocolException when the bytes are not a valid response stream
   */
  void feed(ByteBuf in);

  /** The bytes did not parse: the connection is unusable. */
  final class ProtocolException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ProtocolException(final String message) {
      super(message, null, false, false);
    }
  }
}
