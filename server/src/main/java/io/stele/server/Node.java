package io.stele.server;

import io.stele.net.HttpServer;
import io.stele.net.HttpServerConfig;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Stele node: the data directory, the engine and the HTTP front door, wired together and
 * started and stopped in order. Lifecycle methods are called from one thread (main).
 */
public final class Node implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Node.class);

  private final Configuration config;
  private DataDirectory dataDirectory;
  private HttpServer http;
  private InetSocketAddress httpAddress;
  private volatile boolean ready;

  public Node(final Configuration config) {
    this.config = config;
  }

  /** Opens the data directory and starts serving. Fails with {@link FatalException}. */
  public void start() {
    dataDirectory = DataDirectory.open(config.get(Settings.DATA_DIR));
    LOG.info("Stele {} data directory {}", Version.version(), dataDirectory.path());
    final HttpServerConfig httpConfig =
        new HttpServerConfig(
            config.get(Settings.HOST),
            config.get(Settings.PORT),
            config.get(Settings.TRANSPORT),
            config.get(Settings.IO_THREADS),
            config.get(Settings.MAX_INITIAL_LINE_BYTES),
            config.get(Settings.MAX_HEADER_BYTES),
            config.get(Settings.MAX_BODY_BYTES),
            config.get(Settings.IDLE_TIMEOUT_MS));
    http = new HttpServer(httpConfig, () -> ready, List.of(), () -> "");
    try {
      httpAddress = http.start();
    } catch (final InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new FatalException("interrupted while binding HTTP", e);
    } catch (final Exception e) {
      final String why = e instanceof BindException ? e.getMessage() : e.toString();
      closeQuietly();
      throw new FatalException(
          "cannot listen on " + httpConfig.host() + ":" + httpConfig.port() + ": " + why, e);
    }
    ready = true;
  }

  /** The bound HTTP address. */
  public InetSocketAddress httpAddress() {
    return httpAddress;
  }

  /** Graceful stop: not ready, stop accepting, drain in-flight requests, release the directory. */
  @Override
  public void close() {
    ready = false;
    final long timeoutMs = config.get(Settings.SHUTDOWN_TIMEOUT_MS);
    if (http != null) {
      try {
        http.shutdown(timeoutMs);
      } catch (final InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    closeQuietly();
  }

  private void closeQuietly() {
    if (dataDirectory != null) {
      try {
        dataDirectory.close();
      } catch (final IOException e) {
        LOG.warn("releasing data directory lock failed: {}", e.toString());
      }
      dataDirectory = null;
    }
  }
}
