package io.stele.net;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A bare {@link HttpServer} on loopback and plain GETs to it, for tests of the server alone. */
final class Loopback {
  /** Defaults of the server settings, an ephemeral port, the best transport there is. */
  static final HttpServerConfig CONFIG =
      new HttpServerConfig("127.0.0.1", 0, "auto", 1, 4096, 8192, 1 << 20, 60_000, 10_000, 100);

  private static final HttpClient CLIENT =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private Loopback() {}

  static HttpResponse<String> get(final int port, final String path) throws Exception {
    return CLIENT.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
