package io.stele.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Every "retry shortly" refusal is one shape ({@link Problem#unavailable}): 503, {@code
 * Retry-After: 1}, a problem+json body naming its type. Checked on a real server for a node that is
 * not ready and for a cluster without a leader; the same node once ready answers 200 without the
 * header, so the checks can tell the two apart.
 */
class UnavailableResponseTest {

  /** A cluster view with no leader: an election is running. */
  private static final ClusterView NO_LEADER =
      new ClusterView() {
        @Override
        public String leaderBase() {
          return "";
        }

        @Override
        public CharSequence describe() {
          return "{}";
        }

        @Override
        public CompletableFuture<Long> changeVoter(
            final boolean add, final int node, final int incarnation) {
          return CompletableFuture.failedFuture(new UnsupportedOperationException());
        }
      };

  @Test
  void shouldRefuseWithRetryAfterAndAProblemBody() throws Exception {
    final AtomicBoolean ready = new AtomicBoolean(false);
    final RouteHandler never =
        ex -> ex.respondJson(io.netty.handler.codec.http.HttpResponseStatus.OK, "{}");
    final HttpServer http =
        new HttpServer(
            Loopback.CONFIG,
            ready::get,
            List.of(new Route("/v1/topics", LeaderRouting.leaderOnly(NO_LEADER, never))),
            () -> "");
    try {
      final int port = http.start().getPort();
      assertUnavailable(Loopback.get(port, "/readyz"), "not-ready");
      assertUnavailable(Loopback.get(port, "/v1/topics"), "no-leader");

      ready.set(true);
      final HttpResponse<String> ok = Loopback.get(port, "/readyz");
      assertEquals(200, ok.statusCode());
      assertTrue(ok.headers().firstValue("retry-after").isEmpty(), ok.headers().toString());
    } finally {
      http.close();
    }
  }

  private static void assertUnavailable(final HttpResponse<String> r, final String type) {
    assertEquals(503, r.statusCode(), r.body());
    assertEquals("1", r.headers().firstValue("retry-after").orElse(""), r.headers().toString());
    assertEquals(
        "application/problem+json", r.headers().firstValue("content-type").orElse(""), type);
    assertTrue(r.body().contains("\"type\":\"" + Problem.TYPE_BASE + type + "\""), r.body());
    assertTrue(r.body().contains("\"status\":503"), r.body());
  }
}
