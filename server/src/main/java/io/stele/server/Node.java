package io.stele.server;

import io.stele.engine.Engine;
import io.stele.engine.EngineConfig;
import io.stele.engine.Engines;
import io.stele.engine.LogEngine;
import io.stele.engine.SegmentInit;
import io.stele.net.ClusterView;
import io.stele.net.Exchange;
import io.stele.net.HttpServer;
import io.stele.net.HttpServerConfig;
import io.stele.net.LeaderRouting;
import io.stele.net.Route;
import io.stele.net.RouteHandler;
import io.stele.net.TailWaiters;
import io.stele.net.api.ApiConfig;
import io.stele.net.api.GroupsHandler;
import io.stele.net.api.TopicsHandler;
import io.stele.net.streams.StreamsConfig;
import io.stele.net.streams.StreamsHandler;
import io.stele.replication.node.Replica;
import io.stele.replication.transport.IoTransport;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
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
  private volatile Engine engine;
  private volatile HttpServer http;
  private InetSocketAddress httpAddress;
  private volatile boolean ready;

  private final Peers peers;
  private final java.util.Map<Integer, InetSocketAddress> dial;
  private final java.util.Set<Integer> voters;
  private LogEngine logEngine;
  private Replica replica;
  private volatile ClusterState cluster;

  /**
   * Creates a node; nothing starts yet.
   *
   * @param config the validated configuration
   * @throws ConfigException if the cluster settings do not fit together
   */
  public Node(final Configuration config) {
    this.config = config;
    final int self = config.get(Settings.NODE_ID);
    final String spec = config.get(Settings.PEERS);
    if (self == 0) {
      if (!spec.isBlank()) {
        throw new ConfigException("--peers needs --node-id (this node's number among them)");
      }
      peers = null;
      dial = java.util.Map.of();
      voters = java.util.Set.of();
    } else {
      if (spec.isBlank()) {
        throw new ConfigException("--node-id " + self + " needs --peers (every voter)");
      }
      if (config.get(Settings.SHARDS) != 1) {
        throw new ConfigException(
            "--shards "
                + config.get(Settings.SHARDS)
                + " with --peers: a cluster node has one shard (one Raft group per node)");
      }
      try {
        peers = Peers.parse(spec, self);
        dial = peers.parseDial(config.get(Settings.PEER_DIAL));
        voters = peers.parseVoters(config.get(Settings.VOTERS));
      } catch (final IllegalArgumentException e) {
        throw new ConfigException("--peers: " + e.getMessage());
      }
    }
  }

  /**
   * Opens the data directory and the engine (recovering it), then binds HTTP and starts serving.
   * Meanwhile a second thread prepares the HTTP server (the native transport, the event loops, one
   * request through a scratch pipeline: {@link HttpServer#warm}), so that what follows recovery is
   * only the bind. Nothing listens before the log is open: a connection during recovery is refused,
   * as before, and {@code /healthz} means the node serves.
   */
  public void start() {
    final HttpServerConfig httpConfig = httpConfig(config);
    final LateRoute[] late = {
      new LateRoute("/v1/topics"),
      new LateRoute("/v1/groups"),
      new LateRoute("/v1/stream"),
      new LateRoute("/v1/cluster")
    };
    final List<Route> routes = new java.util.ArrayList<>(late.length);
    for (final LateRoute r : late) {
      routes.add(new Route(r.prefix, r));
    }
    final CompletableFuture<HttpServer> prepared = new CompletableFuture<>();
    final Thread httpStart =
        new Thread(
            () -> {
              try {
                final HttpServer server =
                    new HttpServer(httpConfig, this::isReady, routes, this::metrics);
                try {
                  server.warm();
                } catch (final RuntimeException e) { // only a head start: serve without it
                  LOG.warn("warming the HTTP pipeline failed: {}", e.toString());
                }
                prepared.complete(server);
              } catch (final Throwable e) {
                prepared.completeExceptionally(e);
              }
            },
            "stele-http-prepare");
    httpStart.setDaemon(true);
    httpStart.start();
    try {
      dataDirectory = DataDirectory.open(config.get(Settings.DATA_DIR));
    } catch (final RuntimeException e) {
      discard(prepared);
      closeQuietly();
      throw e;
    }
    LOG.info("Stele {} data directory {}", Version.version(), dataDirectory.path());
    final long t0 = System.nanoTime();
    try {
      final EngineConfig ec = engineConfig(config, dataDirectory.path(), peers != null);
      if (peers != null) {
        logEngine = Engines.open(ec);
        engine = logEngine;
      } else {
        engine = Engines.openNode(ec);
      }
    } catch (final IOException | RuntimeException e) {
      discard(prepared);
      closeQuietly();
      throw new FatalException("cannot open the log: " + e.getMessage(), e);
    }
    LOG.info("log recovered in {} ms", (System.nanoTime() - t0) / 1_000_000);
    if (peers != null) {
      try {
        startReplica();
      } catch (final RuntimeException e) {
        discard(prepared);
        throw e;
      }
    }
    try {
      http = prepared.get();
    } catch (final InterruptedException e) {
      Thread.currentThread().interrupt();
      discard(prepared);
      closeQuietly();
      throw new FatalException("interrupted while preparing HTTP", e);
    } catch (final ExecutionException e) {
      closeQuietly();
      throw new FatalException("cannot prepare the HTTP server: " + e.getCause(), e.getCause());
    }

    final ApiConfig apiConfig =
        new ApiConfig(
            config.get(Settings.MAX_RECORDS_PER_REQUEST),
            config.get(Settings.MAX_PARTITIONS),
            Math.min(1000, config.get(Settings.MAX_READ_RECORDS)),
            config.get(Settings.MAX_READ_RECORDS),
            Math.min(1 << 20, config.get(Settings.MAX_READ_BYTES)),
            config.get(Settings.MAX_READ_BYTES),
            config.get(Settings.MAX_WAIT_MS),
            config.get(Settings.SSE_MAX_LIFETIME_MS),
            config.get(Settings.SSE_KEEPALIVE_MS));
    final TailWaiters waiters = new TailWaiters();
    engine.addPartitionObserver(waiters);
    final ClusterView view = cluster != null ? cluster : ClusterState.single();
    late[0].target = LeaderRouting.leaderOnly(view, new TopicsHandler(engine, waiters, apiConfig));
    late[1].target = LeaderRouting.leaderOnly(view, new GroupsHandler(engine));
    late[2].target =
        LeaderRouting.leaderOnly(
            view, new StreamsHandler(engine, waiters, StreamsConfig.defaults()));
    late[3].target = LeaderRouting.status(view);
    try {
      httpAddress = http.start();
    } catch (final InterruptedException e) {
      Thread.currentThread().interrupt();
      closeQuietly();
      throw new FatalException("interrupted while binding HTTP", e);
    } catch (final Exception e) {
      final String why = e instanceof BindException ? e.getMessage() : e.toString();
      closeQuietly();
      throw new FatalException(
          "cannot listen on " + httpConfig.host() + ":" + httpConfig.port() + ": " + why, e);
    }
    ready = true;
  }

  private boolean isReady() {
    if (!ready) {
      return false;
    }
    // engine and cluster are written before ready is set (volatile), so they are seen with it
    final Engine e = engine;
    final ClusterState c = cluster;
    return e != null && e.isHealthy() && (c == null || c.isReady());
  }

  /** A start that fails before it has taken the prepared server closes it, now or once made. */
  private static void discard(final CompletableFuture<HttpServer> prepared) {
    prepared.whenComplete(
        (server, failure) -> {
          if (server != null) {
            server.close();
          }
        });
  }

  /**
   * An API route made before its handler exists: the server is prepared while the log recovers, and
   * the handler is set before the server binds, so no request finds it unset.
   */
  private static final class LateRoute implements RouteHandler {
    final String prefix;
    volatile RouteHandler target;

    LateRoute(final String prefix) {
      this.prefix = prefix;
    }

    @Override
    public void handle(final Exchange exchange) {
      target.handle(exchange);
    }
  }

  static HttpServerConfig httpConfig(final Configuration config) {
    return new HttpServerConfig(
        config.get(Settings.HOST),
        config.get(Settings.PORT),
        config.get(Settings.TRANSPORT),
        ioThreads(config),
        config.get(Settings.MAX_INITIAL_LINE_BYTES),
        config.get(Settings.MAX_HEADER_BYTES),
        config.get(Settings.MAX_BODY_BYTES),
        config.get(Settings.IDLE_TIMEOUT_MS),
        config.get(Settings.REQUEST_TIMEOUT_MS),
        config.get(Settings.MAX_CONNECTIONS));
  }

  private void startReplica() {
    final int self = config.get(Settings.NODE_ID);
    final int electionTicks = config.get(Settings.ELECTION_TICKS);
    try {
      replica =
          Replica.start(
              new Replica.Settings(
                  config.get(Settings.CLUSTER_ID),
                  self,
                  peers.raftAddresses(),
                  voters,
                  "existing".equals(config.get(Settings.CLUSTER_STATE)),
                  dial,
                  dataDirectory.path(),
                  IoTransport.select(config.get(Settings.TRANSPORT)),
                  config.get(Settings.RAFT_TICK_MS),
                  electionTicks,
                  Math.max(1, electionTicks / 10)),
              logEngine);
    } catch (final IOException | RuntimeException e) {
      closeQuietly();
      throw new FatalException("cannot start replication: " + e.getMessage(), e);
    }
    cluster = new ClusterState(replica, peers);
  }

  /**
   * The engine's limits follow from the HTTP limits: one produce request goes into one log batch
   * (the writer joins queued requests to the same partition up to the same bound), so the largest
   * batch is the largest body plus the per-record framing of the most records a request may carry;
   * the ingress ring holds at least eight such requests.
   */
  static EngineConfig engineConfig(
      final Configuration config, final java.nio.file.Path dir, final boolean cluster) {
    final int maxBody = config.get(Settings.MAX_BODY_BYTES);
    final int maxRecords = config.get(Settings.MAX_RECORDS_PER_REQUEST);
    final int maxStringBytes = EngineConfig.DEFAULT_MAX_STRING_BYTES;
    final long maxBatch = (long) maxBody + 32L * maxRecords + 4096;
    final long ringNeed = 8 * (maxBatch + 4096 + 2L * maxStringBytes + 4096);
    final int ring =
        (int) Math.max(EngineConfig.DEFAULT_INGRESS_RING_BYTES, Long.highestOneBit(ringNeed) << 1);
    // the most one positional write carries: larger under the throughput profile
    final long writeBufferBase =
        "throughput".equals(config.get(Settings.PROFILE))
            ? 4L * EngineConfig.DEFAULT_WRITE_BUFFER_BYTES
            : EngineConfig.DEFAULT_WRITE_BUFFER_BYTES;
    final int writeBuffer = (int) Math.max(writeBufferBase, maxBatch + 256 + 2L * maxStringBytes);
    final int segment = Math.max(config.get(Settings.SEGMENT_BYTES), roundUp4k(writeBuffer));
    return EngineConfig.builder(dir)
        .shards(config.get(Settings.SHARDS))
        .segmentBytes(roundUp4k(segment))
        .segmentInit(
            "allocate".equals(config.get(Settings.SEGMENT_INIT))
                ? SegmentInit.ALLOCATE
                : SegmentInit.ZEROS)
        .cacheWindowBytes(config.get(Settings.CACHE_WINDOW_BYTES))
        .ingressRingBytes(ring)
        .maxBatchBytes((int) maxBatch)
        .writeBufferBytes(writeBuffer)
        .maxStringBytes(maxStringBytes)
        .quorumIsLocal(!cluster)
        .idle(idleSpins(config), idleYields(config), idleMaxParkNs(config))
        .build();
  }

  /**
   * HTTP event loops: {@code --io-threads} when given; else 1, or half the cores under the
   * throughput profile (the other half for the engine's writer and sync threads).
   */
  static int ioThreads(final Configuration config) {
    if (!"default".equals(config.sourceOf(Settings.IO_THREADS))
        || !"throughput".equals(config.get(Settings.PROFILE))) {
      return config.get(Settings.IO_THREADS);
    }
    return Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
  }

  /** Busy spins of an idle engine or Raft thread before it yields, by profile. */
  static int idleSpins(final Configuration config) {
    return switch (config.get(Settings.PROFILE)) {
      case "latency" -> 20_000; // ~1 ms of PAUSE before giving the core away
      case "throughput" -> 0;
      default -> EngineConfig.DEFAULT_IDLE_SPINS;
    };
  }

  /** Yields before parking, by profile. */
  static int idleYields(final Configuration config) {
    return switch (config.get(Settings.PROFILE)) {
      case "latency" -> 100;
      case "throughput" -> 0;
      default -> EngineConfig.DEFAULT_IDLE_YIELDS;
    };
  }

  /** Longest park, by profile (a hand-off wakes a parked thread at once in every profile). */
  static long idleMaxParkNs(final Configuration config) {
    return switch (config.get(Settings.PROFILE)) {
      case "latency" -> 100_000L;
      default -> EngineConfig.DEFAULT_IDLE_MAX_PARK_NS;
    };
  }

  private static int roundUp4k(final long v) {
    return (int) ((v + 4095) & ~4095L);
  }

  private CharSequence metrics() {
    final Engine engine = this.engine;
    if (engine == null) {
      return ""; // the log is not open yet (or no longer): HTTP's own metrics only
    }
    final io.stele.engine.EngineMetrics m = engine.metrics();
    final StringBuilder sb = new StringBuilder(1024);
    counter(
        sb, "stele_appended_records_total", "Records appended to the log.", m.appendedRecords());
    counter(sb, "stele_appended_bytes_total", "Bytes appended to the log.", m.appendedBytes());
    counter(sb, "stele_flushes_total", "Group-commit flushes (fdatasync).", m.flushes());
    counter(
        sb,
        "stele_flushed_records_total",
        "Records covered by flushes; divided by stele_flushes_total gives records per flush.",
        m.flushedRecords());
    counter(
        sb,
        "stele_segments_created_by_writer_total",
        "Segments the append thread created itself because pre-creation had not kept up.",
        m.segmentsCreatedByWriter());
    sb.append("# HELP stele_ingress_depth Appends waiting in the ingress ring.\n")
        .append("# TYPE stele_ingress_depth gauge\nstele_ingress_depth ")
        .append(m.ingressDepth())
        .append('\n');
    sb.append("# HELP stele_storage_healthy 1 while storage is healthy, 0 after a failure.\n")
        .append("# TYPE stele_storage_healthy gauge\nstele_storage_healthy ")
        .append(engine.isHealthy() ? 1 : 0)
        .append('\n');
    return sb;
  }

  private static void counter(
      final StringBuilder sb, final String name, final String help, final long value) {
    sb.append("# HELP ")
        .append(name)
        .append(' ')
        .append(help)
        .append("\n# TYPE ")
        .append(name)
        .append(" counter\n")
        .append(name)
        .append(' ')
        .append(value)
        .append('\n');
  }

  /** The bound HTTP address. */
  public InetSocketAddress httpAddress() {
    return httpAddress;
  }

  /**
   * Graceful stop: not ready, stop accepting, drain in-flight requests, close the engine (flushing
   * what it holds), release the directory.
   */
  @Override
  public void close() {
    ready = false;
    final long timeoutMs = config.get(Settings.SHUTDOWN_TIMEOUT_MS);
    if (replica != null) {
      final long t0 = System.nanoTime();
      final boolean handedOff = replica.handOff(Math.min(2_000, Math.max(1, timeoutMs)));
      LOG.info(
          "leadership {} in {} ms",
          handedOff ? "handed off (or not held)" : "not handed off",
          (System.nanoTime() - t0) / 1_000_000);
    }
    if (http != null) {
      try {
        http.shutdown(timeoutMs);
      } catch (final InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      http = null;
    }
    closeQuietly();
  }

  private void closeQuietly() {
    if (http != null) { // a start that failed after the server was prepared
      try {
        http.shutdown(1_000);
      } catch (final InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      http = null;
    }
    if (replica != null) {
      replica.close();
      replica = null;
    }
    if (engine != null) {
      try {
        engine.close();
      } catch (final RuntimeException e) {
        LOG.warn("closing the engine failed: {}", e.toString());
      }
      engine = null;
    }
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
