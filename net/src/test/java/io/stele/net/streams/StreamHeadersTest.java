package io.stele.net.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;

/**
 * A Durable Streams refusal keeps the stream headers (CORS, no caching) whether it asks the client
 * to retry or not; only the retry form carries {@code Retry-After}.
 */
class StreamHeadersTest {

  @Test
  void shouldDecorateRetryableRefusalsLikeOtherProblems() {
    final FullHttpResponse busy =
        StreamHeaders.unavailable(
            UnpooledByteBufAllocator.DEFAULT, HttpVersion.HTTP_1_1, "busy", "retry");
    final FullHttpResponse conflict =
        StreamHeaders.problem(
            UnpooledByteBufAllocator.DEFAULT,
            HttpVersion.HTTP_1_1,
            HttpResponseStatus.CONFLICT,
            "stream-closed",
            "closed");
    try {
      assertEquals(HttpResponseStatus.SERVICE_UNAVAILABLE, busy.status());
      assertEquals("1", busy.headers().get(HttpHeaderNames.RETRY_AFTER));
      for (final FullHttpResponse r : new FullHttpResponse[] {busy, conflict}) {
        assertEquals("no-store", r.headers().get(HttpHeaderNames.CACHE_CONTROL));
        assertEquals("*", r.headers().get(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN));
        assertEquals("application/problem+json", r.headers().get(HttpHeaderNames.CONTENT_TYPE));
      }
      // control: a refusal that is not "retry shortly" has no Retry-After
      assertNull(conflict.headers().get(HttpHeaderNames.RETRY_AFTER));
    } finally {
      busy.release();
      conflict.release();
    }
  }
}
