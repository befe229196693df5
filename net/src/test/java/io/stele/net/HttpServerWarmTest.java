package io.stele.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link HttpServer#warm} runs a request through a scratch pipeline before the bind: the server
 * then serves as before, and the warm-up request is not one of the server's requests.
 */
class HttpServerWarmTest {
  private static final String HEALTHZ_COUNTED =
      "stele_http_requests_total{route=\"healthz\",status=\"200\"} 1\n";

  @Test
  void shouldServeAfterWarmingWithoutCountingTheWarmUp() throws Exception {
    final HttpServer http = new HttpServer(Loopback.CONFIG, () -> true, List.of(), () -> "");
    try {
      http.warm();
      http.warm(); // twice is harmless
      final int port = http.start().getPort();
      final String before = Loopback.get(port, "/metrics").body();
      assertFalse(before.contains("route=\"healthz\""), "the warm-up was not counted:\n" + before);
      final HttpResponse<String> health = Loopback.get(port, "/healthz");
      assertEquals(200, health.statusCode());
      assertEquals("{\"status\":\"ok\"}\n", health.body());
      // control: a real /healthz is counted, so the check above can see one
      final String after = Loopback.get(port, "/metrics").body();
      assertTrue(after.contains(HEALTHZ_COUNTED), after);
    } finally {
      http.close();
    }
  }
}
