package io.stele.net.streams;

import io.stele.engine.Engine;
import io.stele.engine.EngineConfig;
import io.stele.engine.Engines;
import io.stele.net.HttpServer;
import io.stele.net.HttpServerConfig;
import io.stele.net.Route;
import io.stele.net.TailWaiters;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * A test-scope server with only the streams route: {@code HttpServer} + {@link StreamsHandler} + an
 * engine. Used by the tests here and, before the server module wires the route, to run the
 * conformance suite: {@code java -cp <test classpath> io.stele.net.streams.StreamsLauncher PORT}.
 */
public final class StreamsLauncher implements AutoCloseable {
  private final Engine engine;
  private final HttpServer server;
  private final InetSocketAddress address;

  StreamsLauncher(final Engine engine, final int port, final StreamsConfig config)
      throws InterruptedException {
    this.engine = engine;
    final TailWaiters waiters = new TailWaiters();
    engine.addPartitionObserver(waiters);
    final HttpServerConfig http =
        new HttpServerConfig("127.0.0.1", port, "auto", 1, 8192, 16384, 16 << 20, 120_000);
    this.server =
        new HttpServer(
            http,
            () -> true,
            List.of(new Route("/v1/stream", new StreamsHandler(engine, waiters, config))),
            () -> "");
    this.address = server.start();
  }

  int port() {
    return address.getPort();
  }

  @Override
  public void close() {
    server.close();
    engine.close();
  }

  /** A real engine on {@code dir} (4 MiB segments, single node). */
  static Engine openEngine(final Path dir) throws IOException {
    return Engines.open(
        EngineConfig.builder(dir).segmentBytes(4 << 20).quorumIsLocal(true).build());
  }

  /** Arguments: port (0 for any), data directory (default: a new temporary one). */
  public static void main(final String[] args) throws Exception {
    final int port = args.length > 0 ? Integer.parseInt(args[0]) : 0;
    final Path dir =
        args.length > 1 ? Path.of(args[1]) : Files.createTempDirectory("stele-streams");
    final StreamsLauncher launcher =
        new StreamsLauncher(openEngine(dir), port, StreamsConfig.defaults());
    System.out.println("listening on " + launcher.port());
    new CountDownLatch(1).await();
  }
}
