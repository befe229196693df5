package io.stele.perf;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogWriter;

/**
 * Runs the steps of one {@code stele bench} invocation: sets the target up (topic, prefill),
 * connects, drives the open-loop schedule through {@link Pacer}s, prints a progress line every
 * second, and collects each step's numbers. Everything it starts it stops before returning.
 */
final class BenchRun {
  private static final long NS_PER_S = 1_000_000_000L;
  private static final Pattern END_OFFSET = Pattern.compile("\"end_offset\"\\s*:\\s*(\\d+)");

  private final BenchConfig c;
  private final PrintStream out;
  private final ClientTransport transport;
  private final HttpClient http;
  private final String stamp;
  private long endOffset;

  BenchRun(final BenchConfig c, final PrintStream out) {
    this.c = c;
    this.out = out;
    this.transport = ClientTransport.select(c.transport);
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    this.stamp =
        Instant.now().toString().replace(":", "").replaceAll("\\.\\d+", "").replace("-", "");
  }

  boolean resp() {
    return c.scenario == BenchConfig.Scenario.XADD;
  }

  /** Runs every step; returns the result document. */
  Map<String, Object> run() throws Exception {
    final Map<String, Object> result = new LinkedHashMap<>();
    result.put("tool", "stele-bench");
    result.put("format", 1);
    result.put("name", c.name);
    result.put("scenario", c.scenario.label());
    result.put("date", Instant.now().toString());
    result.put("machine", machine());
    result.put("inputs", inputs());
    final List<Object> steps = new ArrayList<>();
    result.put("steps", steps);
    final List<String> hlogs = new ArrayList<>();
    result.put("hlog_files", hlogs);

    final MultiThreadIoEventLoopGroup group =
        new MultiThreadIoEventLoopGroup(c.threads, transport.ioHandlerFactory());
    try {
      setUp();
      double rate = c.rates.get(0);
      for (int i = 0; ; i++) {
        if (!c.search && i >= c.rates.size()) {
          break;
        }
        if (!c.search) {
          rate = c.rates.get(i);
        }
        final Map<String, Object> step = step(group, i, rate, hlogs);
        steps.add(step);
        if (c.search) {
          final double achieved = (Double) step.get("achieved_rate");
          final double p99 = p99Of(step);
          final boolean keptUp = achieved >= 0.95 * rate;
          final boolean withinSlo = Double.isNaN(c.sloP99Ms) || p99 <= c.sloP99Ms;
          step.put("sustained", keptUp && withinSlo);
          if (!keptUp || !withinSlo || rate * c.searchFactor > c.searchMax) {
            break;
          }
          rate *= c.searchFactor;
        }
      }
      result.put("summary", summary(steps));
    } finally {
      group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
    return result;
  }

  private static double p99Of(final Map<String, Object> step) {
    @SuppressWarnings("unchecked")
    final Map<String, Object> lat = (Map<String, Object>) step.get("latency_ms");
    return lat == null || lat.get("p99") == null ? Double.NaN : (Double) lat.get("p99");
  }

  /** The step that sums the run up: the best sustained step of a search, else the last. */
  private Map<String, Object> summary(final List<Object> steps) {
    Object best = steps.get(steps.size() - 1);
    if (c.search) {
      for (final Object s : steps) {
        @SuppressWarnings("unchecked")
        final Map<String, Object> m = (Map<String, Object>) s;
        if (Boolean.TRUE.equals(m.get("sustained"))) {
          best = m;
        }
      }
    }
    @SuppressWarnings("unchecked")
    final Map<String, Object> b = (Map<String, Object>) best;
    final Map<String, Object> s = new LinkedHashMap<>();
    s.put("step", b.get("step"));
    s.put("offered_rate", b.get("offered_rate"));
    s.put("achieved_rate", b.get("achieved_rate"));
    s.put("records_per_s", b.get("records_per_s"));
    s.put("latency_ms", b.get("latency_ms"));
    s.put("errors", b.get("errors"));
    return s;
  }

  // ---------------------------------------------------------------------------------------------
  // Set-up through the JDK's HTTP client: not on the measured path.

  private void setUp() throws IOException, InterruptedException {
    if (!c.setup || c.scenario == BenchConfig.Scenario.GET || resp()) {
      return;
    }
    if (c.scenario == BenchConfig.Scenario.DS_APPEND) {
      for (int i = 0; i < c.connections; i++) {
        final HttpResponse<String> r =
            send(
                HttpRequest.newBuilder(uri(Requests.dsPath(c, i)))
                    .header("Content-Type", "application/octet-stream")
                    .PUT(HttpRequest.BodyPublishers.noBody()));
        if (r.statusCode() / 100 != 2) {
          throw new IOException("creating stream: " + r.statusCode() + " " + r.body());
        }
      }
      return;
    }
    final HttpResponse<String> created =
        send(
            HttpRequest.newBuilder(uri("/v1/topics/" + c.topic))
                .PUT(HttpRequest.BodyPublishers.ofString("{\"partitions\":" + c.partitions + "}")));
    if (created.statusCode() / 100 != 2) {
      throw new IOException(
          "creating topic " + c.topic + ": " + created.statusCode() + " " + created.body());
    }
    endOffset = endOffset();
    if (c.scenario == BenchConfig.Scenario.CONSUME || c.scenario == BenchConfig.Scenario.MIXED) {
      prefill();
    }
  }

  private long endOffset() throws IOException, InterruptedException {
    final HttpResponse<String> r = send(HttpRequest.newBuilder(uri("/v1/topics/" + c.topic)).GET());
    final Matcher m = END_OFFSET.matcher(r.body());
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }

  private void prefill() throws IOException, InterruptedException {
    final long want = Math.max(c.prefill, c.limit);
    if (endOffset >= want) {
      return;
    }
    final int perRequest = 1000;
    final String line = Requests.payload(c.payloadBytes, false) + "\n";
    final String body = line.repeat(perRequest);
    final long started = System.nanoTime();
    while (endOffset < want) {
      final HttpResponse<String> r =
          send(
              HttpRequest.newBuilder(
                      uri("/v1/topics/" + c.topic + "/records?partition=0&durability=memory"))
                  .header("Content-Type", "application/x-ndjson")
                  .POST(HttpRequest.BodyPublishers.ofString(body)));
      if (r.statusCode() / 100 != 2) {
        throw new IOException("prefill: " + r.statusCode() + " " + r.body());
      }
      endOffset += perRequest;
    }
    endOffset = endOffset();
    out.printf(
        Locale.ROOT,
        "prefilled %s/0 to %,d records in %.1f s%n",
        c.topic,
        endOffset,
        (System.nanoTime() - started) / 1e9);
  }

  private URI uri(final String path) {
    return URI.create("http://" + c.host + ":" + c.port + path);
  }

  private HttpResponse<String> send(final HttpRequest.Builder b)
      throws IOException, InterruptedException {
    return http.send(
        b.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Flush counters from Prometheus text at /metrics, or null when the target has none. */
  private long[] flushCounters() {
    if (resp() || c.scenario == BenchConfig.Scenario.GET) {
      return null;
    }
    try {
      final HttpResponse<String> r = send(HttpRequest.newBuilder(uri("/metrics")).GET());
      if (r.statusCode() != 200) {
        return null;
      }
      final double flushes = metric(r.body(), "stele_flushes_total");
      final double records = metric(r.body(), "stele_flushed_records_total");
      if (Double.isNaN(flushes) || Double.isNaN(records)) {
        return null;
      }
      return new long[] {(long) flushes, (long) records};
    } catch (final IOException | RuntimeException e) {
      return null;
    } catch (final InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** The sum over all label sets of a Prometheus counter, NaN when absent. */
  static double metric(final String text, final String name) {
    double sum = Double.NaN;
    for (final String line : text.split("\n")) {
      if (line.startsWith(name) && line.length() > name.length()) {
        final char next = line.charAt(name.length());
        if (next == ' ' || next == '{') {
          final String[] parts = line.trim().split("\\s+");
          try {
            final double v = Double.parseDouble(parts[parts.length - 1]);
            sum = Double.isNaN(sum) ? v : sum + v;
          } catch (final NumberFormatException ignored) {
            // a malformed sample: skip it
          }
        }
      }
    }
    return sum;
  }

  // ---------------------------------------------------------------------------------------------
  // One step: connect, drive, report, tear down.

  private Map<String, Object> step(
      final MultiThreadIoEventLoopGroup group,
      final int index,
      final double rate,
      final List<String> hlogs)
      throws Exception {
    final long originNs = System.nanoTime() - NS_PER_S;
    final LoadStats main = new LoadStats(resp() ? "xadd" : primaryName());
    final LoadStats reads = new LoadStats("consume");
    final LoadStats delivery = new LoadStats("delivery");
    final boolean sse = c.scenario == BenchConfig.Scenario.SSE;
    final boolean mixed = c.scenario == BenchConfig.Scenario.MIXED;

    final Bootstrap bootstrap =
        new Bootstrap()
            .group(group)
            .channel(transport.channelClass())
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000);
    final List<Channel> channels = new ArrayList<>();
    final Map<EventLoop, Pacer> pacers = new IdentityHashMap<>();
    final List<LoadConnection> paced = new ArrayList<>();
    final List<LoadConnection> closed = new ArrayList<>();
    final List<SseTail> tails = new ArrayList<>();
    try {
      if (sse) {
        for (int p = 0; p < c.partitions; p++) {
          final SseTail tail =
              new SseTail(Requests.sseTail(c, p, endOffsetOf(p)), delivery, originNs);
          tails.add(tail);
          channels.add(connect(bootstrap, tail));
        }
      }
      for (int i = 0; i < c.connections; i++) {
        final LoadConnection conn = connection(main, reads, i, false, originNs);
        paced.add(conn);
        final Channel ch = connect(bootstrap, conn);
        channels.add(ch);
        pacers
            .computeIfAbsent(ch.eventLoop(), l -> new Pacer(l, c.tickUs * 1000, 1_000_000))
            .add(conn);
      }
      for (int i = 0; mixed && i < c.consumers; i++) {
        final LoadConnection conn = connection(main, reads, i, true, originNs);
        closed.add(conn);
        final Channel ch = connect(bootstrap, conn);
        channels.add(ch);
        pacers
            .computeIfAbsent(ch.eventLoop(), l -> new Pacer(l, c.tickUs * 1000, 1_000_000))
            .add(conn);
      }
      final long[] flushesBefore = flushCounters();

      final long startNs = System.nanoTime() + 20_000_000L;
      final long warmEndNs = startNs + c.warmupMs * 1_000_000L;
      final long endNs = warmEndNs + c.durationMs * 1_000_000L;
      for (final LoadStats s : List.of(main, reads, delivery)) {
        s.window(warmEndNs, endNs);
      }
      final Map<LoadConnection, Integer> indexOf = new IdentityHashMap<>();
      for (int i = 0; i < paced.size(); i++) {
        indexOf.put(paced.get(i), i);
      }
      for (int i = 0; i < closed.size(); i++) {
        indexOf.put(closed.get(i), -1 - i);
      }
      for (final Pacer pacer : pacers.values()) {
        pacer
            .loop()
            .execute(
                () -> {
                  for (final LoadConnection conn : pacer.connections()) {
                    final int idx = indexOf.get(conn);
                    final OpenLoopSchedule s =
                        idx >= 0
                            ? new OpenLoopSchedule(startNs, rate, idx, paced.size())
                            : new OpenLoopSchedule(startNs, 0, 0, 1);
                    conn.start(s, endNs);
                  }
                  pacer.run();
                });
      }

      out.printf(
          Locale.ROOT,
          "step %d: %s %s, %d connections x pipeline %d, offered %s, warm-up %.1f s, measure %.1f"
              + " s, transport %s%n",
          index,
          c.scenario.label(),
          target(),
          c.connections,
          c.pipeline,
          rate == 0 ? "closed loop" : String.format(Locale.ROOT, "%,.0f/s", rate),
          c.warmupMs / 1e3,
          c.durationMs / 1e3,
          transport.label);

      final List<LoadStats> groups = new ArrayList<>(List.of(main));
      if (mixed && c.consumers > 0) {
        groups.add(reads);
      }
      if (sse) {
        groups.add(delivery);
      }
      final Interval interval = new Interval(groups, index, hlogs);
      try {
        interval.drive(startNs, warmEndNs, endNs, rate);
        // Drain: requests due before the end that a late generator or a stalled target held back
        // still go out, and what is in flight comes back; their latency counts. Then give up.
        long due = 0;
        for (int i = 0; rate > 0 && i < paced.size(); i++) {
          due += new OpenLoopSchedule(startNs, rate, i, paced.size()).dueCount(endNs - 1);
        }
        final long drainUntil = System.nanoTime() + c.drainMs * 1_000_000L;
        while ((main.sent.sum() < due || inflight(groups) > 0) && System.nanoTime() < drainUntil) {
          Thread.sleep(5);
        }
        for (final Pacer p : pacers.values()) {
          p.stop();
        }
        final long[] missed = new long[1];
        final List<io.netty.util.concurrent.Future<?>> done = new ArrayList<>();
        for (final Pacer p : pacers.values()) {
          done.add(
              p.loop()
                  .submit(
                      () -> {
                        for (final LoadConnection conn : p.connections()) {
                          conn.stop();
                          synchronized (missed) {
                            missed[0] += conn.missed();
                          }
                          conn.abandon();
                        }
                      }));
        }
        for (final io.netty.util.concurrent.Future<?> f : done) {
          f.syncUninterruptibly();
        }
        interval.finish(endNs);
        final long[] flushesAfter = flushCounters();
        return stepResult(
            index, rate, interval, groups, missed[0], flushesBefore, flushesAfter, tails);
      } finally {
        interval.close();
      }
    } finally {
      for (final Channel ch : channels) {
        ch.close();
      }
      for (final Channel ch : channels) {
        ch.closeFuture().awaitUninterruptibly(2, TimeUnit.SECONDS);
      }
    }
  }

  private String primaryName() {
    switch (c.scenario) {
      case CONSUME:
        return "consume";
      case GET:
        return "get";
      case DS_APPEND:
        return "append";
      default:
        return "produce";
    }
  }

  private String target() {
    return (resp() ? "redis://" : "http://") + c.host + ":" + c.port;
  }

  private long endOffsetOf(final int partition) throws IOException, InterruptedException {
    final HttpResponse<String> r = send(HttpRequest.newBuilder(uri("/v1/topics/" + c.topic)).GET());
    final Matcher m = END_OFFSET.matcher(r.body());
    long end = 0;
    for (int p = 0; p <= partition && m.find(); p++) {
      end = Long.parseLong(m.group(1));
    }
    return end;
  }

  private LoadConnection connection(
      final LoadStats main,
      final LoadStats reads,
      final int i,
      final boolean consumer,
      final long originNs) {
    final int window = c.pipeline;
    if (consumer) {
      return new LoadConnection(
          Requests.consume(c, 0, (long) i * c.limit * 7, endOffset), reads, window, 0, false);
    }
    switch (c.scenario) {
      case CONSUME:
        return new LoadConnection(
            Requests.consume(c, 0, (long) i * c.limit * 7, endOffset), main, window, 0, false);
      case GET:
        return new LoadConnection(Requests.get(c), main, window, 1, false);
      case XADD:
        return new LoadConnection(Requests.xadd(c), main, window, 1, true);
      case DS_APPEND:
        return new LoadConnection(Requests.dsAppend(c, i), main, window, 1, false);
      case SSE:
        return new LoadConnection(
            Requests.produce(c, i % c.partitions, true, originNs), main, window, c.batch, false);
      default:
        return new LoadConnection(
            Requests.produce(c, i % c.partitions, false, originNs), main, window, c.batch, false);
    }
  }

  private Channel connect(final Bootstrap bootstrap, final ChannelHandler handler)
      throws IOException {
    final ChannelFuture f = bootstrap.clone().handler(handler).connect(c.host, c.port);
    if (!f.awaitUninterruptibly(10, TimeUnit.SECONDS) || !f.isSuccess()) {
      throw new IOException("cannot connect to " + target(), f.cause());
    }
    return f.channel();
  }

  private static long inflight(final List<LoadStats> groups) {
    long n = 0;
    for (final LoadStats s : groups) {
      n += s.inflight.sum();
    }
    return n;
  }

  // ---------------------------------------------------------------------------------------------
  // Intervals: a progress line each second, warm-up discarded, the rest accumulated and logged.

  /** Pulls interval histograms each second; owned by the run's thread. */
  private final class Interval {
    private final List<LoadStats> groups;
    private final Histogram[] total;
    private final Histogram[] totalUncorrected;
    private final Histogram[] recycle;
    private final HistogramLogWriter[] logs;
    private LoadStats.Counters[] atWarmEnd;
    private LoadStats.Counters[] atEnd;
    private long measureStartNs;
    private long lastPullNs;

    Interval(final List<LoadStats> groups, final int step, final List<String> hlogs)
        throws IOException {
      this.groups = groups;
      final int n = groups.size();
      total = new Histogram[n];
      totalUncorrected = new Histogram[n];
      recycle = new Histogram[n];
      logs = new HistogramLogWriter[n];
      for (int i = 0; i < n; i++) {
        total[i] = new Histogram(LoadStats.HIGHEST_NS, 3);
        totalUncorrected[i] = new Histogram(LoadStats.HIGHEST_NS, 3);
        if (c.outDir != null) {
          Files.createDirectories(Path.of(c.outDir));
          final String file =
              String.format(
                  Locale.ROOT,
                  "%s-%s-%s-step%d-%s.hlog",
                  c.name,
                  c.scenario.label(),
                  stamp,
                  step,
                  groups.get(i).name);
          logs[i] = new HistogramLogWriter(Path.of(c.outDir, file).toFile());
          logs[i].outputComment("stele bench " + c.scenario.label() + " " + groups.get(i).name);
          logs[i].outputComment("latency in ns from the intended send time (CO-corrected)");
          logs[i].outputLogFormatVersion();
          logs[i].outputStartTime(System.currentTimeMillis());
          logs[i].outputLegend();
          hlogs.add(file);
        }
      }
    }

    void drive(final long startNs, final long warmEndNs, final long endNs, final double rate)
        throws InterruptedException {
      lastPullNs = startNs;
      long tick = startNs + NS_PER_S;
      while (tick < warmEndNs) {
        sleepUntil(tick);
        progress(tick - startNs, rate, false);
        tick += NS_PER_S;
      }
      sleepUntil(warmEndNs);
      pull(false); // discard warm-up
      atWarmEnd = new LoadStats.Counters[groups.size()];
      for (int i = 0; i < groups.size(); i++) {
        atWarmEnd[i] = groups.get(i).counters();
      }
      measureStartNs = warmEndNs;
      tick = warmEndNs + NS_PER_S;
      while (tick < endNs) {
        sleepUntil(tick);
        progress(tick - startNs, rate, true);
        tick += NS_PER_S;
      }
      sleepUntil(endNs);
      progress(endNs - startNs, rate, true);
    }

    void finish(final long endNs) {
      pull(true); // answers that came back during the drain still count
      atEnd = new LoadStats.Counters[groups.size()];
      for (int i = 0; i < groups.size(); i++) {
        atEnd[i] = groups.get(i).counters();
      }
    }

    private Histogram[] pull(final boolean keep) {
      final long now = System.nanoTime();
      final Histogram[] got = new Histogram[groups.size()];
      for (int i = 0; i < groups.size(); i++) {
        final LoadStats s = groups.get(i);
        final Histogram h = s.corrected.getIntervalHistogram(recycle[i]);
        final Histogram u = s.uncorrected.getIntervalHistogram();
        if (keep) {
          total[i].add(h);
          totalUncorrected[i].add(u);
          if (logs[i] != null) {
            logs[i].outputIntervalHistogram(
                (lastPullNs - measureStartNs) / 1e9, (now - measureStartNs) / 1e9, h, 1e6);
          }
        }
        got[i] = h;
        recycle[i] = h;
      }
      lastPullNs = now;
      return got;
    }

    private void progress(final long sinceStartNs, final double rate, final boolean measuring) {
      final long before = System.nanoTime();
      final LoadStats.Counters[] counters = new LoadStats.Counters[groups.size()];
      for (int i = 0; i < groups.size(); i++) {
        counters[i] = groups.get(i).counters();
      }
      final double seconds = (before - lastPullNs) / 1e9;
      final Histogram[] h = pull(measuring);
      if (c.quiet) {
        return;
      }
      final StringBuilder line = new StringBuilder();
      line.append(
          String.format(Locale.ROOT, "[%5.1fs]%s", sinceStartNs / 1e9, measuring ? " " : "w"));
      for (int i = 0; i < groups.size(); i++) {
        final LoadStats s = groups.get(i);
        final long count = h[i].getTotalCount();
        line.append(
            String.format(
                Locale.ROOT,
                " %s %,.0f/s p99 %.2f ms (run %.2f)",
                s.name,
                count / Math.max(seconds, 1e-9),
                h[i].getValueAtPercentile(99) / 1e6,
                total[i].getTotalCount() == 0 ? 0 : total[i].getValueAtPercentile(99) / 1e6));
        final long errors = counters[i].errors();
        if (errors > 0) {
          line.append(String.format(Locale.ROOT, " errors %,d", errors));
        }
      }
      if (rate > 0) {
        line.append(String.format(Locale.ROOT, " | offered %,.0f/s", rate));
      }
      line.append(String.format(Locale.ROOT, " inflight %d", counters[0].inflight()));
      out.println(line);
    }

    void close() {
      for (final HistogramLogWriter w : logs) {
        if (w != null) {
          w.close();
        }
      }
    }

    private void sleepUntil(final long deadlineNs) throws InterruptedException {
      long left;
      while ((left = deadlineNs - System.nanoTime()) > 0) {
        TimeUnit.NANOSECONDS.sleep(Math.min(left, 100_000_000L));
      }
    }
  }

  private Map<String, Object> stepResult(
      final int index,
      final double rate,
      final Interval interval,
      final List<LoadStats> groups,
      final long missed,
      final long[] flushesBefore,
      final long[] flushesAfter,
      final List<SseTail> tails) {
    final double seconds = c.durationMs / 1e3;
    final Map<String, Object> step = new LinkedHashMap<>();
    step.put("step", index);
    step.put("offered_rate", rate == 0 ? null : rate);
    step.put("measured_s", seconds);
    final LoadStats.Counters main = interval.atEnd[0].minus(interval.atWarmEnd[0]);
    final LoadStats first = groups.get(0);
    final long ok = first.okInWindow.sum();
    step.put("requests", ok);
    step.put("achieved_rate", ok / seconds);
    step.put("records_per_s", first.recordsInWindow.sum() / seconds);
    // Answers that arrived between the end of warm-up and the end of the drain, whatever their
    // intended time: the target's throughput when it is saturated (achieved_rate then falls
    // because requests due in the window never left).
    step.put("completed_rate", main.ok() / seconds);
    step.put("errors", main.errors());
    step.put("errors_by_status", errorsByStatus(main));
    step.put("missed_sends", missed);
    final Histogram corrected = first.window.getIntervalHistogram();
    step.put("latency_ms", latency(corrected));
    step.put("uncorrected_latency_ms", latency(first.windowUncorrected.getIntervalHistogram()));
    step.put("spectrum_ms", spectrum(corrected));
    for (int i = 1; i < groups.size(); i++) {
      final LoadStats.Counters k = interval.atEnd[i].minus(interval.atWarmEnd[i]);
      final Map<String, Object> g = new LinkedHashMap<>();
      final LoadStats gs = groups.get(i);
      final Histogram gh = gs.window.getIntervalHistogram();
      g.put("records_per_s", gs.recordsInWindow.sum() / seconds);
      g.put("requests_per_s", gs.okInWindow.sum() / seconds);
      g.put("errors", k.errors());
      g.put("errors_by_status", errorsByStatus(k));
      g.put("latency_ms", latency(gh));
      g.put("spectrum_ms", spectrum(gh));
      step.put(groups.get(i).name, g);
    }
    if (!tails.isEmpty()) {
      int ended = 0;
      for (final SseTail t : tails) {
        if (t.status() >= 0) {
          ended++;
        }
      }
      step.put("sse_tails_ended_early", ended);
    }
    if (flushesBefore != null && flushesAfter != null) {
      final long flushes = flushesAfter[0] - flushesBefore[0];
      final long flushed = flushesAfter[1] - flushesBefore[1];
      step.put("flushes", flushes);
      step.put("records_per_flush", flushes == 0 ? null : (double) flushed / flushes);
    }
    printSummary(step);
    return step;
  }

  private static Map<String, Object> errorsByStatus(final LoadStats.Counters k) {
    final Map<String, Object> m = new LinkedHashMap<>();
    final long[] s = k.statuses();
    for (int i = 0; i < s.length; i++) {
      if (s[i] != 0 && (i < 200 || i >= 400)) {
        m.put(i == 0 ? "connection" : Integer.toString(i), s[i]);
      }
    }
    return m;
  }

  static Map<String, Object> latency(final Histogram h) {
    final Map<String, Object> m = new LinkedHashMap<>();
    m.put("count", h.getTotalCount());
    if (h.getTotalCount() == 0) {
      return m;
    }
    m.put("mean", round3(h.getMean() / 1e6));
    m.put("p50", round3(h.getValueAtPercentile(50) / 1e6));
    m.put("p90", round3(h.getValueAtPercentile(90) / 1e6));
    m.put("p99", round3(h.getValueAtPercentile(99) / 1e6));
    m.put("p999", round3(h.getValueAtPercentile(99.9) / 1e6));
    m.put("max", round3(h.getMaxValue() / 1e6));
    return m;
  }

  /** Percentile spectrum points {@code [percentile, ms]}, as HdrHistogram's plotter uses. */
  static List<Object> spectrum(final Histogram h) {
    final List<Object> points = new ArrayList<>();
    if (h.getTotalCount() == 0) {
      return points;
    }
    for (final org.HdrHistogram.HistogramIterationValue v : h.percentiles(5)) {
      points.add(
          List.of(round3(v.getPercentileLevelIteratedTo()), round3(v.getValueIteratedTo() / 1e6)));
      if (points.size() >= 400) {
        break;
      }
    }
    return points;
  }

  private static double round3(final double v) {
    return Math.round(v * 1000) / 1000.0;
  }

  private void printSummary(final Map<String, Object> step) {
    @SuppressWarnings("unchecked")
    final Map<String, Object> lat = (Map<String, Object>) step.get("latency_ms");
    @SuppressWarnings("unchecked")
    final Map<String, Object> unc = (Map<String, Object>) step.get("uncorrected_latency_ms");
    out.printf(
        Locale.ROOT,
        "%n  %-22s %s%n  %-22s %,.0f/s (%,.0f records/s; answers/s in the window %,.0f)%n"
            + "  %-22s %s (missed sends %s)%n",
        "offered",
        step.get("offered_rate") == null
            ? "closed loop"
            : String.format(Locale.ROOT, "%,.0f/s", (Double) step.get("offered_rate")),
        "achieved",
        (Double) step.get("achieved_rate"),
        (Double) step.get("records_per_s"),
        (Double) step.get("completed_rate"),
        "errors",
        step.get("errors") + " " + step.get("errors_by_status"),
        step.get("missed_sends"));
    out.printf(
        Locale.ROOT,
        "  %-22s %8s %8s %8s %8s %8s%n",
        "latency ms",
        "p50",
        "p90",
        "p99",
        "p99.9",
        "max");
    row("corrected (intended)", lat);
    row("uncorrected (sent)", unc);
    for (final String g : List.of("consume", "delivery")) {
      if (step.get(g) instanceof Map) {
        @SuppressWarnings("unchecked")
        final Map<String, Object> m = (Map<String, Object>) step.get(g);
        @SuppressWarnings("unchecked")
        final Map<String, Object> gl = (Map<String, Object>) m.get("latency_ms");
        row(g, gl);
        out.printf(
            Locale.ROOT, "  %-22s %,.0f records/s%n", g + " rate", (Double) m.get("records_per_s"));
      }
    }
    if (step.get("records_per_flush") != null) {
      out.printf(
          Locale.ROOT,
          "  %-22s %.1f%n",
          "records per flush",
          (Double) step.get("records_per_flush"));
    }
    out.println();
  }

  private void row(final String label, final Map<String, Object> m) {
    if (m == null || m.get("p50") == null) {
      out.printf(Locale.ROOT, "  %-22s (no samples)%n", label);
      return;
    }
    out.printf(
        Locale.ROOT,
        "  %-22s %8.3f %8.3f %8.3f %8.3f %8.3f%n",
        label,
        (Double) m.get("p50"),
        (Double) m.get("p90"),
        (Double) m.get("p99"),
        (Double) m.get("p999"),
        (Double) m.get("max"));
  }

  // ---------------------------------------------------------------------------------------------

  private Map<String, Object> machine() {
    final Map<String, Object> m = new LinkedHashMap<>();
    m.put("cores", Runtime.getRuntime().availableProcessors());
    m.put("jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
    m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
    m.put("client_transport", transport.label);
    try {
      m.put("loadavg_at_start", Files.readString(Path.of("/proc/loadavg")).trim());
    } catch (final IOException | RuntimeException e) {
      m.put("loadavg_at_start", null);
    }
    return m;
  }

  private Map<String, Object> inputs() {
    final Map<String, Object> m = new LinkedHashMap<>();
    m.put("target", target());
    m.put("scenario", c.scenario.label());
    m.put("connections", c.connections);
    m.put("pipeline", c.pipeline);
    m.put("threads", c.threads);
    m.put("rates", c.rates);
    m.put("search", c.search);
    m.put("duration_s", c.durationMs / 1e3);
    m.put("warmup_s", c.warmupMs / 1e3);
    m.put("payload_bytes", c.payloadBytes);
    m.put("batch", c.batch);
    m.put("topic", c.topic);
    m.put("partitions", c.partitions);
    m.put("durability", c.durability);
    m.put("limit", c.limit);
    m.put("consumers", c.consumers);
    m.put("tick_us", c.tickUs);
    m.put("args", new LinkedHashMap<>(c.given));
    return m;
  }

  String resultFileName() {
    return String.format(Locale.ROOT, "%s-%s-%s.json", c.name, c.scenario.label(), stamp);
  }
}
