package io.stele.net;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP/1.1 server: binds, serves {@link HttpHandler} on every connection, and shuts down
 * gracefully (stop accepting, finish in-flight requests, flush, close).
 *
 * <p>Lifecycle methods are called by one owning thread (the server's main thread).
 */
public final class HttpServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HttpServer.class);

  private final HttpServerConfig config;
  private final Transport.Selection transport;
  private final EventLoopGroup bossGroup;
  private final EventLoopGroup workerGroup;
  private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  private final HttpHandler.Shared shared;
  private final HttpMetrics metrics;
  private Channel serverChannel;

  /**
   * Creates a server; nothing is bound until {@link #start()}.
   *
   * @param ready answers {@code /readyz}; read on event loops, so it must be cheap and thread-safe
   * @param routes handlers by path prefix, matched in order
   * @param extraMetrics Prometheus text appended to {@code /metrics} (engine counters)
   */
  public HttpServer(
      final HttpServerConfig config,
      final BooleanSupplier ready,
      final List<Route> routes,
      final Supplier<CharSequence> extraMetrics) {
    this.config = config;
    this.transport = Transport.select(config.transport());
    this.bossGroup = new MultiThreadIoEventLoopGroup(1, transport.transport().ioHandlerFactory());
    this.workerGroup =
        new MultiThreadIoEventLoopGroup(
            config.ioThreads(), transport.transport().ioHandlerFactory());
    this.metrics = new HttpMetrics();
    this.shared =
        new HttpHandler.Shared(
            ready, transport.transport(), List.copyOf(routes), metrics, extraMetrics);
  }

  /** The transport in use and why a preferred one was passed over. */
  public Transport.Selection transport() {
    return transport;
  }

  /**
   * Runs one {@code GET /healthz} through a private copy of a connection's pipeline (an embedded
   * channel: no socket, no event loop, no metrics of the server's), so that the classes and code
   * every first request needs are loaded and initialised before the server binds. A node does this
   * on a second thread while its log recovers; it changes nothing else.
   */
  public void warm() {
    final HttpHandler.Shared scratch =
        new HttpHandler.Shared(
            () -> false, transport.transport(), List.of(), new HttpMetrics(), () -> "");
    final EmbeddedChannel ch = new EmbeddedChannel();
    addHandlers(ch.pipeline(), scratch);
    ch.writeInbound(
        Unpooled.copiedBuffer(
            "GET /healthz HTTP/1.1\r\nHost: warm\r\n\r\n", StandardCharsets.US_ASCII));
    ch.runPendingTasks();
    ch.finishAndReleaseAll();
  }

  private void addHandlers(final ChannelPipeline pipeline, final HttpHandler.Shared handlerShared) {
    final HttpDecoderConfig decoderConfig =
        new HttpDecoderConfig()
            .setMaxInitialLineLength(config.maxInitialLineBytes())
            .setMaxHeaderSize(config.maxHeaderBytes())
            .setMaxChunkSize(64 * 1024);
    pipeline
        .addLast("idle", new IdleStateHandler(0, 0, config.idleTimeoutMs(), TimeUnit.MILLISECONDS))
        .addLast("slow", new SlowRequestGuard(config.requestTimeoutMs()))
        .addLast("decoder", new StrictRequestDecoder(decoderConfig))
        .addLast("encoder", new HttpResponseEncoder())
        .addLast("aggregator", new ProblemAggregator(config.maxBodyBytes()))
        .addLast("handler", new HttpHandler(handlerShared));
  }

  /** Binds and starts accepting. Returns the bound address (the real port when 0 was asked). */
  public InetSocketAddress start() throws InterruptedException {
    final ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(bossGroup, workerGroup)
            .channel(transport.transport().serverChannelClass())
            .option(ChannelOption.SO_BACKLOG, 1024)
            .option(ChannelOption.SO_REUSEADDR, true)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(final Channel ch) {
                    if (connections.size() >= config.maxConnections()) {
                      metrics.connectionRefused();
                      ch.close();
                      return;
                    }
                    connections.add(ch);
                    addHandlers(ch.pipeline(), shared);
                  }
                });
    final ChannelFuture bind = bootstrap.bind(config.host(), config.port()).sync();
    serverChannel = bind.channel();
    final InetSocketAddress address = (InetSocketAddress) serverChannel.localAddress();
    LOG.info(
        "HTTP listening on {}:{} ({}, {} event loop{})",
        address.getHostString(),
        address.getPort(),
        transport.describe(),
        config.ioThreads(),
        config.ioThreads() == 1 ? "" : "s");
    return address;
  }

  /**
   * Graceful shutdown: stop accepting, let in-flight requests finish (each connection closes after
   * its last response is flushed), then stop the event loops. Bounded by {@code timeoutMs}.
   */
  public void shutdown(final long timeoutMs) throws InterruptedException {
    final long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    if (serverChannel != null) {
      serverChannel.close().await(timeoutMs);
    }
    shared.draining = true;
    for (final Channel ch : connections) {
      ch.eventLoop().execute(() -> HttpHandler.closeIfIdle(ch));
    }
    while (!connections.isEmpty() && System.nanoTime() < deadlineNs) {
      Thread.sleep(10);
    }
    connections.close().await(Math.max(1, remainingMs(deadlineNs)));
    bossGroup.shutdownGracefully(0, remainingMs(deadlineNs), TimeUnit.MILLISECONDS);
    workerGroup.shutdownGracefully(0, remainingMs(deadlineNs), TimeUnit.MILLISECONDS);
    bossGroup.terminationFuture().await(Math.max(1, remainingMs(deadlineNs)));
    workerGroup.terminationFuture().await(Math.max(1, remainingMs(deadlineNs)));
  }

  private static long remainingMs(final long deadlineNs) {
    return Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadlineNs - System.nanoTime()));
  }

  @Override
  public void close() {
    try {
      shutdown(5_000);
    } catch (final InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
