package io.stele.perf;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The inputs of one {@code stele bench} run, parsed and validated once. */
final class BenchConfig {
  /** Traffic shapes. */
  enum Scenario {
    /** POST records (NDJSON batches with {@code --batch > 1}). */
    PRODUCE,
    /** GET pages of records from a prefilled partition. */
    CONSUME,
    /** Producers at the target rate plus closed-loop consumers. */
    MIXED,
    /** Producers at the target rate; tailing SSE readers measure send-to-delivery latency. */
    SSE,
    /** GET a fixed path (e.g. /healthz): the HTTP ceiling, and the wrk cross-check. */
    GET,
    /** Redis XADD over RESP: the same open-loop load against Redis Streams. */
    XADD,
    /** Durable Streams protocol appends: POST to /v1/stream/... (Stele or the reference server). */
    DS_APPEND;

    static Scenario parse(final String s) {
      return valueOf(s.toUpperCase(Locale.ROOT).replace('-', '_'));
    }

    String label() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  String host = "127.0.0.1";
  int port = 7070;
  Scenario scenario = Scenario.PRODUCE;
  int connections = 64;
  int pipeline = 1;
  int threads = 1;
  List<Double> rates = new ArrayList<>(List.of(0.0));
  boolean search;
  double searchFactor = 1.5;
  double searchMax = 1_000_000;
  double sloP99Ms = Double.NaN;
  long durationMs = 10_000;
  long warmupMs = 2_000;
  long drainMs = 5_000;
  int payloadBytes = 64;
  int batch = 1;
  String topic = "bench";
  int partitions = 1;
  String durability = "local";
  int limit = 1000;
  long prefill = 1_000_000;
  int consumers = 0;
  String path = "/healthz";
  String transport = "auto";
  String outDir;
  String name = "stele";
  long tickUs = 50;
  boolean setup = true;
  boolean quiet;

  /** The options as they were given, for the result file. */
  final Map<String, String> given = new LinkedHashMap<>();

  static final String USAGE =
      String.join(
          "\n",
          "usage: stele bench [options]            run a load and write a result",
          "       stele bench report RESULT.json... --out DIR   HTML + Markdown report",
          "",
          "load options (defaults in brackets):",
          "  --url URL            target [http://127.0.0.1:7070] (redis://host:port for xadd)",
          "  --scenario S         produce|consume|mixed|sse|get|xadd|ds-append [produce]",
          "  --connections N, -c  connections [64]",
          "  --pipeline N         requests in flight per connection [1]",
          "  --threads N          client event loops [1]",
          "  --rate R             offered requests/s over all connections; 0 = closed loop [0]",
          "  --rates R1,R2,...    a sweep of offered rates, one step each",
          "  --search             saturation search: from --rate, x--search-factor [1.5] up to",
          "                       --search-max, until achieved < 95% of offered or p99 > --slo-ms",
          "  --duration T         measured time per step, e.g. 10s, 500ms [10s]",
          "  --warmup T           unmeasured time before each step [2s]",
          "  --payload B          bytes per record [64]",
          "  --batch N            records per request (NDJSON when > 1) [1]",
          "  --topic NAME         [bench]  --partitions N [1]  --durability memory|local|quorum"
              + " [local]",
          "  --limit N            records per consume page [1000]",
          "  --prefill N          records to have in partition 0 before consume [1000000]",
          "  --consumers N        extra closed-loop consumer connections (mixed) [0]",
          "  --path P             path for the get scenario [/healthz]",
          "  --transport T        auto|io_uring|epoll|nio [auto]",
          "  --tick-us U          minimum pacer sleep; requests due within it leave together [50]",
          "  --no-setup           do not create the topic",
          "  --out DIR            write DIR/NAME-SCENARIO-DATE.json and .hlog files",
          "  --name NAME          the system's label in results and reports [stele]",
          "  --quiet              no progress line");

  static BenchConfig parse(final String[] args) {
    final BenchConfig c = new BenchConfig();
    for (int i = 0; i < args.length; i++) {
      final String a = args[i];
      final String key = a.startsWith("--") ? a.substring(2) : a;
      if (key.equals("search") || key.equals("no-setup") || key.equals("quiet")) {
        c.given.put(key, "true");
        switch (key) {
          case "search":
            c.search = true;
            break;
          case "no-setup":
            c.setup = false;
            break;
          default:
            c.quiet = true;
            break;
        }
        continue;
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("option " + a + " needs a value");
      }
      final String v = args[++i];
      c.given.put(key.equals("c") || key.equals("-c") ? "connections" : key, v);
      switch (key) {
        case "url":
          final URI uri = URI.create(v);
          if (uri.getHost() == null || uri.getPort() < 0 && !"http".equals(uri.getScheme())) {
            throw new IllegalArgumentException("url needs a host and port: " + v);
          }
          c.host = uri.getHost();
          c.port = uri.getPort() < 0 ? 80 : uri.getPort();
          break;
        case "scenario":
          c.scenario = Scenario.parse(v);
          break;
        case "connections":
        case "-c":
        case "c":
          c.connections = positive(key, v);
          break;
        case "pipeline":
          c.pipeline = positive(key, v);
          break;
        case "threads":
          c.threads = positive(key, v);
          break;
        case "rate":
          c.rates = new ArrayList<>(List.of(rate(v)));
          break;
        case "rates":
          c.rates = new ArrayList<>();
          for (final String r : v.split(",")) {
            c.rates.add(rate(r.trim()));
          }
          break;
        case "search-factor":
          c.searchFactor = Double.parseDouble(v);
          break;
        case "search-max":
          c.searchMax = rate(v);
          break;
        case "slo-ms":
          c.sloP99Ms = Double.parseDouble(v);
          break;
        case "duration":
          c.durationMs = millis(v);
          break;
        case "warmup":
          c.warmupMs = millis(v);
          break;
        case "drain":
          c.drainMs = millis(v);
          break;
        case "payload":
          c.payloadBytes = positive(key, v);
          break;
        case "batch":
          c.batch = positive(key, v);
          break;
        case "topic":
          c.topic = v;
          break;
        case "partitions":
          c.partitions = positive(key, v);
          break;
        case "durability":
          c.durability = v;
          break;
        case "limit":
          c.limit = positive(key, v);
          break;
        case "prefill":
          c.prefill = Long.parseLong(v);
          break;
        case "consumers":
          c.consumers = Integer.parseInt(v);
          break;
        case "path":
          c.path = v;
          break;
        case "transport":
          c.transport = v;
          break;
        case "out":
          c.outDir = v;
          break;
        case "name":
          c.name = v;
          break;
        case "tick-us":
          c.tickUs = Long.parseLong(v);
          break;
        default:
          throw new IllegalArgumentException("unknown option " + a);
      }
    }
    c.validate();
    return c;
  }

  private void validate() {
    if (search && (rates.size() != 1 || rates.get(0) <= 0)) {
      throw new IllegalArgumentException("--search needs one positive --rate to start from");
    }
    if (search && !(searchFactor > 1)) {
      throw new IllegalArgumentException("--search-factor must be > 1");
    }
    if (scenario == Scenario.SSE && payloadBytes < RequestEncoder.TIMESTAMP_DIGITS + 2) {
      throw new IllegalArgumentException("sse needs --payload >= 21 for the timestamp");
    }
    if (durationMs <= 0) {
      throw new IllegalArgumentException("--duration must be > 0");
    }
    if (connections > 100_000 || pipeline > 65_536 || batch > 1_000_000) {
      throw new IllegalArgumentException("connections, pipeline or batch out of range");
    }
  }

  private static int positive(final String key, final String v) {
    final int n = Integer.parseInt(v);
    if (n <= 0) {
      throw new IllegalArgumentException("--" + key + " must be > 0: " + v);
    }
    return n;
  }

  /** A rate: {@code 50000}, {@code 50k}, {@code 1.5m}. */
  static double rate(final String v) {
    final String s = v.toLowerCase(Locale.ROOT);
    final double r;
    if (s.endsWith("k")) {
      r = Double.parseDouble(s.substring(0, s.length() - 1)) * 1e3;
    } else if (s.endsWith("m")) {
      r = Double.parseDouble(s.substring(0, s.length() - 1)) * 1e6;
    } else {
      r = Double.parseDouble(s);
    }
    if (!(r >= 0) || Double.isInfinite(r)) {
      throw new IllegalArgumentException("bad rate " + v);
    }
    return r;
  }

  /** A duration: {@code 10} or {@code 10s} (seconds), {@code 500ms}, {@code 2m}. */
  static long millis(final String v) {
    final String s = v.toLowerCase(Locale.ROOT);
    if (s.endsWith("ms")) {
      return Long.parseLong(s.substring(0, s.length() - 2));
    }
    if (s.endsWith("s")) {
      return Math.round(Double.parseDouble(s.substring(0, s.length() - 1)) * 1000);
    }
    if (s.endsWith("m")) {
      return Math.round(Double.parseDouble(s.substring(0, s.length() - 1)) * 60_000);
    }
    return Math.round(Double.parseDouble(s) * 1000);
  }
}
