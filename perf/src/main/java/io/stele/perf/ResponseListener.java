package io.stele.perf;

import io.netty.buffer.ByteBuf;

/** What a response parser reports, on the connection's event loop thread. */
interface ResponseListener {

  /**
   * One whole response arrived.
   *
   * @param status the HTTP status, or 200/500 for a RESP success/error reply
   * @param bodyLines newline characters in the body (records of an NDJSON page)
   * @param nextOffset the {@code Stele-Next-Offset} header, or -1 when absent
   */
  void onResponse(int status, long bodyLines, long nextOffset);

  /**
   * Body bytes of a streaming (chunked) response, as they arrive; only called when the parser was
   * asked to stream bodies (SSE). The buffer must not be retained.
   */
  default void onBodyBytes(final ByteBuf buf, final int index, final int length) {}
}
