package io.stele.server;

import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code stele demo}: starts a local 3-node cluster (or one node with {@code --single}), produces
 * quorum writes from several clients, SIGKILLs the leader mid-write, restarts it, and checks that
 * every acknowledged offset still holds its payload, then prints a short receipt.
 */
final class Demo {
  static final String USAGE =
      "usage: stele demo [--single] [--seconds 10] [--base-port 7081] [--dir DIR] [--keep]\n"
          + "  starts a local cluster (3 nodes; 1 with --single) under load, SIGKILLs the leader\n"
          + "  mid-write, restarts it, and verifies every acknowledged write is still there\n";

  private static final Pattern OFFSET = Pattern.compile("\"offset\":(\\d+)");
  private static final Pattern VALUE =
      Pattern.compile("\"offset\":(\\d+),.*\"value\":\"([^\"]*)\"");
  private static final Pattern ROLE = Pattern.compile("\"role\":\"(\\w+)\"");
  private static final Pattern READY = Pattern.compile("\"ready\":(true|false)");

  private final PrintStream out;
  private final int nodes;
  private final int basePort;
  private final Path dir;
  private final Process[] processes;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(1))
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();
  private final long t0 = System.nanoTime();

  private Demo(final PrintStream out, final int nodes, final int basePort, final Path dir) {
    this.out = out;
    this.nodes = nodes;
    this.basePort = basePort;
    this.dir = dir;
    this.processes = new Process[nodes];
  }

  static int run(final List<String> args, final PrintStream out, final PrintStream err) {
    boolean single = false;
    boolean keep = false;
    int seconds = 10;
    int basePort = 7081;
    Path dir = null;
    try {
      for (int i = 0; i < args.size(); i++) {
        final String a = args.get(i);
        switch (a) {
          case "--single" -> single = true;
          case "--keep" -> keep = true;
          case "--seconds" -> seconds = Integer.parseInt(args.get(++i));
          case "--base-port" -> basePort = Integer.parseInt(args.get(++i));
          case "--dir" -> dir = Path.of(args.get(++i));
          case "--help", "-h" -> {
            out.print(USAGE);
            return ExitCode.OK;
          }
          default -> throw new IllegalArgumentException("unexpected argument '" + a + "'");
        }
      }
      if (seconds < 2 || seconds > 600) {
        throw new IllegalArgumentException("--seconds must be in [2, 600]");
      }
    } catch (final RuntimeException e) {
      err.println("stele: " + e.getMessage() + "\n" + USAGE);
      return ExitCode.USAGE;
    }
    try {
      final Path d = dir != null ? dir : Files.createTempDirectory("stele-demo-");
      final Demo demo = new Demo(out, single ? 1 : 3, basePort, d);
      try {
        return demo.play(seconds);
      } finally {
        demo.stopAll();
        if (!keep && dir == null) {
          deleteTree(d);
        } else {
          out.println("data and node logs kept in " + d);
        }
      }
    } catch (final IOException e) {
      err.println("stele: demo failed: " + e.getMessage());
      return ExitCode.FATAL;
    } catch (final InterruptedException e) {
      Thread.currentThread().interrupt();
      return ExitCode.FATAL;
    }
  }

  private void say(final String s) {
    out.printf("[%5.1fs] %s%n", (System.nanoTime() - t0) / 1e9, s);
    out.flush();
  }

  private String base(final int node) {
    return "http://127.0.0.1:" + (basePort + node - 1);
  }

  private void start(final int node) throws IOException {
    final List<String> cmd = new ArrayList<>(ClusterLocal.javaCommand());
    cmd.addAll(
        List.of(
            "serve",
            "--port",
            Integer.toString(basePort + node - 1),
            "--data-dir",
            dir.resolve("node-" + node).toString()));
    if (nodes > 1) {
      cmd.addAll(
          List.of(
              "--node-id",
              Integer.toString(node),
              "--peers",
              ClusterLocal.loopbackPeers(nodes, basePort)));
    }
    processes[node - 1] =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(
                ProcessBuilder.Redirect.appendTo(dir.resolve("node-" + node + ".log").toFile()))
            .start();
  }

  private void stopAll() {
    for (final Process p : processes) {
      if (p != null) {
        p.destroy();
      }
    }
    for (final Process p : processes) {
      try {
        if (p != null && !p.waitFor(10, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      } catch (final InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private String get(final String url) {
    try {
      final HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
              HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? r.body() : null;
    } catch (final IOException e) {
      return null;
    } catch (final InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** The node serving writes: the ready leader (or the single node once ready), else 0. */
  private int leader() {
    for (int n = 1; n <= nodes; n++) {
      if (nodes == 1) {
        return get(base(1) + "/readyz") != null ? 1 : 0;
      }
      final String j = get(base(n) + "/v1/cluster");
      if (j != null && "leader".equals(find(ROLE, j)) && "true".equals(find(READY, j))) {
        return n;
      }
    }
    return 0;
  }

  private int awaitLeader(final Duration timeout) throws InterruptedException, IOException {
    final long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      final int l = leader();
      if (l != 0) {
        return l;
      }
      Thread.sleep(10);
    }
    throw new IOException(
        "no node became ready within " + timeout + " (see the logs in " + dir + ")");
  }

  private static String find(final Pattern p, final String s) {
    final Matcher m = p.matcher(s);
    return m.find() ? m.group(1) : null;
  }

  private int play(final int seconds) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    say(
        nodes == 1
            ? "starting one node on " + base(1)
            : "starting a 3-node cluster on " + base(1) + ", " + base(2) + ", " + base(3));
    for (int n = 1; n <= nodes; n++) {
      start(n);
    }
    final int leader = awaitLeader(Duration.ofSeconds(30));
    say("node " + leader + " leads; creating topic demo (1 partition)");
    final HttpResponse<String> created =
        http.send(
            HttpRequest.newBuilder(URI.create(base(leader) + "/v1/topics/demo"))
                .PUT(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (created.statusCode() >= 300) {
      throw new IOException("creating the topic: " + created.statusCode() + " " + created.body());
    }
    final Map<Long, String> acked = new ConcurrentHashMap<>();
    final AtomicBoolean running = new AtomicBoolean(true);
    final AtomicLong failedOrUnknown = new AtomicLong();
    final List<Thread> clients = new ArrayList<>();
    for (int c = 0; c < 8; c++) {
      final int client = c;
      final Thread t =
          new Thread(() -> produce(client, running, acked, failedOrUnknown), "demo-client-" + c);
      t.setDaemon(true);
      clients.add(t);
      t.start();
    }
    say("8 clients produce with durability=quorum (a majority fsync'd before each ack)");
    Thread.sleep(seconds * 500L);
    final long ackedBefore = acked.size();
    say(
        "acknowledged so far: "
            + ackedBefore
            + "; SIGKILL node "
            + leader
            + (nodes == 1 ? " (the only node)" : " (the leader)"));
    final long killNs = System.nanoTime();
    processes[leader - 1].destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    final long failoverMs;
    if (nodes > 1) {
      final int next = awaitLeader(Duration.ofSeconds(30));
      failoverMs = (System.nanoTime() - killNs) / 1_000_000;
      say("node " + next + " leads and takes writes " + failoverMs + " ms after the kill");
    } else {
      failoverMs = -1;
    }
    final long restartNs = System.nanoTime();
    start(leader);
    say("restarting node " + leader + " from its data directory");
    final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (get(base(leader) + "/readyz") == null) {
      if (System.nanoTime() > deadline) {
        throw new IOException("node " + leader + " not ready 30 s after restart");
      }
      Thread.sleep(10);
    }
    final long recoveryMs = (System.nanoTime() - restartNs) / 1_000_000;
    say(
        "node "
            + leader
            + " is ready again "
            + recoveryMs
            + " ms after restart (JVM start included)");
    Thread.sleep(seconds * 500L);
    running.set(false);
    for (final Thread t : clients) {
      t.join(10_000);
    }
    say("stopped the clients: " + acked.size() + " writes acknowledged; verifying every one");
    final int reader = awaitLeader(Duration.ofSeconds(30));
    final Map<Long, String> log = readAll(reader);
    long verified = 0;
    long lost = 0;
    for (final Map.Entry<Long, String> e : acked.entrySet()) {
      if (e.getValue().equals(log.get(e.getKey()))) {
        verified++;
      } else {
        lost++;
        if (lost <= 5) {
          say(
              "LOST: offset "
                  + e.getKey()
                  + " acknowledged for "
                  + e.getValue()
                  + ", log has "
                  + log.get(e.getKey()));
        }
      }
    }
    out.println();
    out.println("receipt");
    out.println(
        "  nodes          " + nodes + (nodes == 1 ? " (single node)" : " (Raft, quorum = 2)"));
    out.println("  acknowledged   " + acked.size() + " quorum writes");
    out.println("  verified       " + verified + " (same payload at the acknowledged offset)");
    out.println("  lost           " + lost);
    out.println(
        "  not acked      " + failedOrUnknown.get() + " (refused or timed out; not counted)");
    if (failoverMs >= 0) {
      out.println(
          "  failover       " + failoverMs + " ms from SIGKILL to a new leader taking writes");
    }
    out.println("  recovery       " + recoveryMs + " ms from restart to ready");
    out.flush();
    return lost == 0 && verified > 0 ? ExitCode.OK : ExitCode.FATAL;
  }

  private void produce(
      final int client,
      final AtomicBoolean running,
      final Map<Long, String> acked,
      final AtomicLong notAcked) {
    long seq = 0;
    int node = 1 + client % nodes;
    while (running.get()) {
      final String payload = "c" + client + "-" + seq++;
      String url = base(node) + "/v1/topics/demo/records?durability=quorum&partition=0";
      boolean ok = false;
      try {
        for (int hop = 0; hop < 3 && !ok; hop++) {
          final HttpResponse<String> r =
              http.send(
                  HttpRequest.newBuilder(URI.create(url))
                      .timeout(Duration.ofSeconds(3))
                      .POST(HttpRequest.BodyPublishers.ofString(payload))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
          if (r.statusCode() == 307) {
            url = r.headers().firstValue("location").orElseThrow();
            continue;
          }
          final String offset = r.statusCode() == 200 ? find(OFFSET, r.body()) : null;
          if (offset != null) {
            acked.put(Long.parseLong(offset), payload);
            ok = true;
          }
          break;
        }
      } catch (final ConnectException e) {
        node = 1 + (node % nodes); // that node is down: try the next
      } catch (final IOException e) {
        // timed out or reset: unknown outcome, not counted as acknowledged
      } catch (final InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      if (!ok) {
        notAcked.incrementAndGet();
        try {
          Thread.sleep(10);
        } catch (final InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  private Map<Long, String> readAll(final int node) throws IOException {
    final Map<Long, String> log = new java.util.HashMap<>();
    long next = 0;
    while (true) {
      final String page =
          get(base(node) + "/v1/topics/demo/partitions/0/records?offset=" + next + "&limit=1000");
      if (page == null) {
        throw new IOException("reading the log from node " + node + " failed at offset " + next);
      }
      int n = 0;
      for (final String line : page.split("\n")) {
        final Matcher m = VALUE.matcher(line);
        if (m.find()) {
          final long offset = Long.parseLong(m.group(1));
          log.put(offset, m.group(2));
          next = offset + 1;
          n++;
        }
      }
      if (n == 0) {
        return log;
      }
    }
  }

  private static void deleteTree(final Path root) {
    try (Stream<Path> s = Files.walk(root)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (final IOException ignored) {
      // a temporary directory; nothing else to do
    }
  }
}
