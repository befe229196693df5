package io.stele.server;

import io.stele.engine.Engines;
import io.stele.engine.LogEngine;
import io.stele.perf.check.ReplicaLog;
import io.stele.perf.fault.FaultProxy;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A cluster of real {@code stele serve} processes for fault tests, in one of two networks:
 *
 * <ul>
 *   <li>loopback: every directed peer link i→j goes through its own {@link FaultProxy}, so a test
 *       can cut, delay or corrupt one direction between two nodes;
 *   <li>network namespaces ({@link NetnsNetwork}): each node in its own namespace behind a veth and
 *       a bridge, peers connected directly; {@link #isolate} then cuts with iptables inside the
 *       node's namespace.
 * </ul>
 *
 * Processes can be SIGKILLed, SIGSTOPped and restarted.
 */
final class LocalCluster implements AutoCloseable {
  private static final Pattern ROLE = Pattern.compile("\"role\":\"(\\w+)\"");
  private static final Pattern LEADER = Pattern.compile("\"leader\":(\\d+|null)");
  private static final Pattern COMMIT = Pattern.compile("\"commitIndex\":(\\d+)");
  private static final Pattern READY = Pattern.compile("\"ready\":(true|false)");
  private static final Pattern TERM = Pattern.compile("\"term\":(\\d+)");

  final int size;
  final Path dir;
  final int[] httpPorts;
  final int[] raftPorts;

  /** proxies[i][j]: the link from node i+1 to node j+1 (null on the diagonal). */
  final FaultProxy[][] proxies;

  private final int[][] proxyPorts;

  private final Process[] processes;
  private final String peers;

  /** Null on loopback. */
  private final NetnsNetwork netns;

  private final String[] hosts;
  private final HttpClient http =
      HttpClient.newBuilder()
          .connectTimeout(Duration.ofSeconds(2))
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();

  LocalCluster(final Path dir, final int size, final long seed) throws IOException {
    this(dir, size, seed, null);
  }

  LocalCluster(final Path dir, final int size, final long seed, final NetnsNetwork netns)
      throws IOException {
    this.size = size;
    this.dir = dir;
    this.netns = netns;
    this.hosts = new String[size];
    this.httpPorts = new int[size];
    this.raftPorts = new int[size];
    this.processes = new Process[size];
    this.proxies = new FaultProxy[size][size];
    this.proxyPorts = new int[size][size];
    for (int i = 0; i < size; i++) {
      // a namespace has its own ports: the same two everywhere
      hosts[i] = netns == null ? "127.0.0.1" : netns.host(i + 1);
      httpPorts[i] = netns == null ? freePort() : 7070;
      raftPorts[i] = netns == null ? freePort() : 7170;
    }
    final StringBuilder b = new StringBuilder();
    for (int i = 0; i < size; i++) {
      b.append(i > 0 ? "," : "")
          .append(i + 1)
          .append('=')
          .append(hosts[i])
          .append(':')
          .append(httpPorts[i])
          .append(':')
          .append(raftPorts[i]);
    }
    peers = b.toString();
    for (int i = 0; i < size && netns == null; i++) {
      for (int j = 0; j < size; j++) {
        if (i != j) {
          proxies[i][j] =
              new FaultProxy(
                  new InetSocketAddress(InetAddress.getLoopbackAddress(), raftPorts[j]),
                  seed * 31 + i * 7L + j);
          proxyPorts[i][j] = proxies[i][j].start().getPort();
        }
      }
    }
  }

  private static final java.util.SplittableRandom PORTS = new java.util.SplittableRandom();

  /**
   * A port that is free now and below the kernel's ephemeral range (32768 and up here), so the
   * proxies' listeners and the nodes' outbound connections, which take ephemeral ports, can never
   * take it before the node binds it.
   */
  private static synchronized int freePort() throws IOException {
    for (int attempt = 0; attempt < 1000; attempt++) {
      final int port = 20_000 + PORTS.nextInt(12_000);
      try (ServerSocket s = new ServerSocket()) {
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
        return port;
      } catch (final IOException taken) {
        // try another
      }
    }
    throw new IOException("no free port below the ephemeral range");
  }

  Path dataDir(final int node) {
    return dir.resolve("node-" + node);
  }

  /** Starts node {@code node} (1-based), with extra {@code serve} options. */
  void start(final int node, final String... extra) throws IOException {
    final int i = node - 1;
    final StringBuilder dial = new StringBuilder();
    for (int j = 0; j < size; j++) {
      if (j != i) {
        dial.append(dial.length() > 0 ? "," : "")
            .append(j + 1)
            .append("=127.0.0.1:")
            .append(proxyPorts[i][j]);
      }
    }
    final List<String> cmd = new ArrayList<>(ClusterLocal.javaCommand());
    // the cores keep only 100 committed entries in memory, and a follower missing more than half
    // of the leader's log gets a copy of the files however small the log: restarted nodes are
    // served from the leader's segments, wiped ones by the bulk catch-up, all under load
    cmd.add(1, "-Dstele.raft.keep-entries=100");
    cmd.add(2, "-Dstele.raft.bulk-catch-up-bytes=0");
    if (netns != null) {
      cmd.addAll(0, netns.exec(node));
    }
    cmd.addAll(
        List.of(
            "serve",
            "--node-id",
            Integer.toString(node),
            "--peers",
            peers,
            "--host",
            hosts[i],
            "--port",
            Integer.toString(httpPorts[i]),
            "--data-dir",
            dataDir(node).toString(),
            "--segment-bytes",
            Integer.toString(8 << 20)));
    if (netns == null) {
      cmd.addAll(List.of("--peer-dial", dial.toString()));
    }
    cmd.addAll(List.of(extra));
    Files.createDirectories(dir);
    processes[i] =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(
                ProcessBuilder.Redirect.appendTo(dir.resolve("node-" + node + ".log").toFile()))
            .start();
  }

  void startAll() throws IOException {
    for (int n = 1; n <= size; n++) {
      start(n);
    }
  }

  boolean isRunning(final int node) {
    final Process p = processes[node - 1];
    return p != null && p.isAlive();
  }

  /** SIGKILL. */
  void kill(final int node) throws InterruptedException {
    final Process p = processes[node - 1];
    if (p != null) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
      processes[node - 1] = null;
    }
  }

  /** SIGTERM and wait for exit. */
  int stop(final int node) throws InterruptedException {
    final Process p = processes[node - 1];
    if (p == null) {
      return 0;
    }
    p.destroy();
    if (!p.waitFor(20, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
    processes[node - 1] = null;
    return p.exitValue();
  }

  void signal(final int node, final String signal) throws IOException, InterruptedException {
    final Process p = processes[node - 1];
    if (p != null) {
      new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid()))
          .inheritIO()
          .start()
          .waitFor(5, TimeUnit.SECONDS);
    }
  }

  /** Cuts (or heals) every link to and from {@code node}. */
  void isolate(final int node, final boolean cut) throws IOException, InterruptedException {
    if (netns != null) {
      netns.isolate(node, cut);
      return;
    }
    final int i = node - 1;
    for (int j = 0; j < size; j++) {
      if (j != i) {
        proxies[i][j].blackhole(cut);
        proxies[j][i].blackhole(cut);
        if (cut) {
          proxies[i][j].disconnect();
          proxies[j][i].disconnect();
        }
        proxies[i][j].refuse(cut);
        proxies[j][i].refuse(cut);
      }
    }
  }

  /** The node whose HTTP port a URI names, or 0. */
  int nodeOf(final String uri) {
    final URI u = URI.create(uri);
    for (int i = 0; i < size; i++) {
      if (httpPorts[i] == u.getPort() && hosts[i].equals(u.getHost())) {
        return i + 1;
      }
    }
    return 0;
  }

  String base(final int node) {
    return "http://" + hosts[node - 1] + ":" + httpPorts[node - 1];
  }

  /** GET /v1/cluster of a node, or null if it does not answer. */
  String clusterJson(final int node) {
    if (!isRunning(node)) {
      return null;
    }
    try {
      final HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(base(node) + "/v1/cluster"))
                  .timeout(Duration.ofSeconds(2))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? r.body() : null;
    } catch (final IOException e) {
      return null;
    } catch (final InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  static String field(final Pattern p, final String json) {
    final Matcher m = p.matcher(json);
    return m.find() ? m.group(1) : null;
  }

  /** The node that reports itself a ready leader, or 0. */
  int readyLeader() {
    for (int n = 1; n <= size; n++) {
      final String j = clusterJson(n);
      if (j != null && "leader".equals(field(ROLE, j)) && "true".equals(field(READY, j))) {
        return n;
      }
    }
    return 0;
  }

  long term(final int node) {
    final String j = clusterJson(node);
    return j == null ? -1 : Long.parseLong(field(TERM, j));
  }

  /** Waits for a ready leader among the running nodes; returns it. */
  int awaitLeader(final Duration timeout) throws InterruptedException {
    final long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      final int l = readyLeader();
      if (l != 0) {
        return l;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no ready leader within " + timeout + "\n" + describe());
  }

  /** Waits until every running node is ready, follows one leader and has its commit index. */
  void awaitConverged(final Duration timeout) throws InterruptedException {
    await(
        "every node ready on one leader and one commit index",
        timeout,
        () -> {
          String leader = null;
          String commit = null;
          for (int n = 1; n <= size; n++) {
            final String j = clusterJson(n);
            if (j == null || !"true".equals(field(READY, j))) {
              return false;
            }
            final String l = field(LEADER, j);
            final String c = field(COMMIT, j);
            if (leader != null && (!leader.equals(l) || !commit.equals(c))) {
              return false;
            }
            leader = l;
            commit = c;
          }
          return true;
        });
  }

  String describe() {
    final StringBuilder b = new StringBuilder();
    for (int n = 1; n <= size; n++) {
      b.append("node ").append(n).append(": ").append(clusterJson(n)).append('\n');
    }
    return b.toString();
  }

  void await(final String what, final Duration timeout, final BooleanSupplier condition)
      throws InterruptedException {
    final long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what + "\n" + describe());
      }
      Thread.sleep(20);
    }
  }

  /** Deletes a stopped node's data directory. */
  void wipe(final int node) throws IOException {
    final Path d = dataDir(node);
    if (Files.exists(d)) {
      try (java.util.stream.Stream<Path> s = Files.walk(d)) {
        for (final Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }

  /** Sends a request to a node, following redirects to the leader; returns status and body. */
  HttpResponse<String> call(final String method, final int node, final String path)
      throws IOException, InterruptedException {
    String uri = base(node) + path;
    HttpResponse<String> r = null;
    for (int hop = 0; hop < 3; hop++) {
      r =
          http.send(
              HttpRequest.newBuilder(URI.create(uri))
                  .timeout(Duration.ofSeconds(30))
                  .method(method, HttpRequest.BodyPublishers.noBody())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 307) {
        return r;
      }
      uri = r.headers().firstValue("location").orElseThrow();
    }
    return r;
  }

  void healAll() throws IOException, InterruptedException {
    if (netns != null) {
      netns.healAll();
      return;
    }
    for (int i = 0; i < size; i++) {
      for (int j = 0; j < size; j++) {
        if (i != j) {
          proxies[i][j].heal();
        }
      }
    }
  }

  /**
   * Reads each stopped node's whole log of {@code topic} partition 0 from its data directory (the
   * records are the payload ids).
   */
  List<ReplicaLog> readReplicas(final String topic) throws Exception {
    final List<ReplicaLog> out = new ArrayList<>();
    final Configuration defaults =
        Configuration.load(List.of("--segment-bytes", Integer.toString(8 << 20)), Map.of());
    for (int n = 1; n <= size; n++) {
      final ReplicaLog.Builder b = ReplicaLog.builder("node-" + n);
      try (LogEngine e = Engines.open(Node.engineConfig(defaults, dataDir(n), true))) {
        e.read(
            topic,
            0,
            0,
            Integer.MAX_VALUE,
            Integer.MAX_VALUE,
            (offset, ts, buf, ko, kl, vo, vl) -> {
              b.append(topic, 0, offset, buf.getStringWithoutLengthUtf8(vo, vl));
              return true;
            });
      }
      out.add(b.build());
    }
    return out;
  }

  String logs() throws IOException {
    final StringBuilder b = new StringBuilder();
    for (int n = 1; n <= size; n++) {
      final Path p = dir.resolve("node-" + n + ".log");
      if (Files.exists(p)) {
        final List<String> lines = Files.readAllLines(p, StandardCharsets.UTF_8);
        b.append("---- node ").append(n).append(" (last 30 lines)\n");
        for (final String l : lines.subList(Math.max(0, lines.size() - 30), lines.size())) {
          b.append(l).append('\n');
        }
      }
    }
    return b.toString();
  }

  @Override
  public void close() {
    for (int n = 1; n <= size; n++) {
      final Process p = processes[n - 1];
      if (p != null) {
        p.destroyForcibly();
      }
    }
    for (final FaultProxy[] row : proxies) {
      for (final FaultProxy p : row) {
        if (p != null) {
          p.close();
        }
      }
    }
  }
}
