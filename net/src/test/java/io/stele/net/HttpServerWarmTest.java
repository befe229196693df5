package io.stele.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
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
    final HttpServer http =
        new HttpServer(
            new HttpServerConfig(
                "127.0.0.1", 0, "auto", 1, 4096, 8192, 1 << 20, 60_000, 10_000, 100),
            () -> true,
            List.of(),
            () -> "");
    try {
      http.warm();
      http.warm(); // twice is harmless
      final int port = http.start().getPort();
      final HttpClient client =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .connectTimeout(Duration.ofSeconds(5))
              .build();
      final String before = get(client, port, "/metrics").body();
      assertFalse(before.contains("route=\"healthz\""), "the warm-up was not counted:\n" + before);
      final HttpResponse<String> health = get(client, port, "/healthz");
      assertEquals(200, health.statusCode());
      assertEquals("{\"status\":\"ok\"}\n", health.body());
      // control: a real /healthz is counted, so the check above can see one
      final String after = get(client, port, "/metrics").body();
      assertTrue(after.contains(HEALTHZ_COUNTED), after);
    } finally {
      http.close();
    }
  }

  private static HttpResponse<String> get(
      final HttpClient client, final int port, final String path) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
