package io.stele.net.api;

import io.stele.engine.Engine;
import io.stele.engine.EngineConfig;
import io.stele.engine.Engines;
import io.stele.net.HttpServer;
import io.stele.net.HttpServerConfig;
import io.stele.net.Route;
import io.stele.net.TailWaiters;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** A real engine on a temporary directory behind a real HTTP server on a loopback port. */
final class ApiServer implements AutoCloseable {
  final Engine engine;
  final HttpServer http;
  final int port;
  final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  ApiServer(final Path dir, final HttpServerConfig config, final ApiConfig api) throws Exception {
    engine =
        Engines.open(EngineConfig.builder(dir).segmentBytes(4 << 20).quorumIsLocal(true).build());
    final TailWaiters waiters = new TailWaiters();
    engine.addPartitionObserver(waiters);
    http =
        new HttpServer(
            config,
            () -> true,
            List.of(
                new Route("/v1/topics", new TopicsHandler(engine, waiters, api)),
                new Route("/v1/groups", new GroupsHandler(engine))),
            () -> "");
    port = http.start().getPort();
  }

  ApiServer(final Path dir) throws Exception {
    this(dir, config(1 << 20, 10_000), ApiConfig.defaults());
  }

  static HttpServerConfig config(final int maxBody, final long requestTimeoutMs) {
    return new HttpServerConfig(
        "127.0.0.1", 0, "auto", 1, 4096, 8192, maxBody, 60_000, requestTimeoutMs, 10_000);
  }

  URI uri(final String pathAndQuery) {
    return URI.create("http://127.0.0.1:" + port + pathAndQuery);
  }

  HttpResponse<String> send(final String method, final String path, final String body)
      throws Exception {
    return send(method, path, body, null);
  }

  HttpResponse<String> send(
      final String method, final String path, final String body, final String contentType)
      throws Exception {
    final HttpRequest.Builder b =
        HttpRequest.newBuilder(uri(path))
            .timeout(Duration.ofSeconds(30))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<byte[]> sendBytes(final String method, final String path, final byte[] body)
      throws Exception {
    return client.send(
        HttpRequest.newBuilder(uri(path))
            .timeout(Duration.ofSeconds(30))
            .method(method, HttpRequest.BodyPublishers.ofByteArray(body))
            .build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  @Override
  public void close() {
    http.close();
    engine.close();
  }
}
