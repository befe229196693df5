package io.stele.net;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Request counts by route and status, latency histograms by route, open connections; rendered as
 * Prometheus text. Written by event loops (striped adders), read by {@code /metrics}.
 */
public final class HttpMetrics {
  /** Latency bucket upper bounds in seconds. */
  private static final double[] BUCKETS_S = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
  };

  private static final String[] BUCKET_LABELS = {
    "0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1",
    "0.25", "0.5", "1", "2.5", "5", "10"
  };

  private static final long[] BUCKETS_NS = new long[BUCKETS_S.length];

  static {
    for (int i = 0; i < BUCKETS_S.length; i++) {
      BUCKETS_NS[i] = (long) (BUCKETS_S[i] * 1e9);
    }
  }

  private static final class RouteStats {
    final LongAdder[] byStatus = new LongAdder[600];
    final LongAdder[] buckets = new LongAdder[BUCKETS_NS.length];
    final LongAdder count = new LongAdder();
    final LongAdder sumNs = new LongAdder();

    RouteStats() {
      for (int i = 0; i < buckets.length; i++) {
        buckets[i] = new LongAdder();
      }
    }

    LongAdder status(final int code) {
      final int c = code < 100 || code > 599 ? 599 : code;
      LongAdder adder = byStatus[c];
      if (adder == null) {
        synchronized (this) {
          adder = byStatus[c];
          if (adder == null) {
            adder = new LongAdder();
            byStatus[c] = adder;
          }
        }
      }
      return adder;
    }
  }

  private final ConcurrentHashMap<String, RouteStats> routes = new ConcurrentHashMap<>();
  private final LongAdder openConnections = new LongAdder();
  private final LongAdder acceptedConnections = new LongAdder();
  private final LongAdder refusedConnections = new LongAdder();

  void connectionOpened() {
    openConnections.increment();
    acceptedConnections.increment();
  }

  void connectionRefused() {
    refusedConnections.increment();
  }

  void connectionClosed() {
    openConnections.decrement();
  }

  /** Records one answered request. */
  void record(final String route, final int status, final long startNs) {
    final RouteStats stats = routes.computeIfAbsent(route, r -> new RouteStats());
    stats.status(status).increment();
    final long elapsedNs = System.nanoTime() - startNs;
    stats.count.increment();
    stats.sumNs.add(elapsedNs);
    for (int i = 0; i < BUCKETS_NS.length; i++) {
      if (elapsedNs <= BUCKETS_NS[i]) {
        stats.buckets[i].increment();
        break;
      }
    }
  }

  /** Appends the Prometheus text exposition of these metrics. */
  public void appendPrometheus(final StringBuilder out, final Transport transport) {
    out.append("# HELP stele_info Build and runtime facts.\n# TYPE stele_info gauge\n")
        .append("stele_info{transport=\"")
        .append(transport.displayName())
        .append("\"} 1\n");
    out.append("# HELP stele_http_connections_open Open HTTP connections.\n")
        .append("# TYPE stele_http_connections_open gauge\n")
        .append("stele_http_connections_open ")
        .append(openConnections.sum())
        .append('\n');
    out.append("# HELP stele_http_connections_accepted_total HTTP connections accepted.\n")
        .append("# TYPE stele_http_connections_accepted_total counter\n")
        .append("stele_http_connections_accepted_total ")
        .append(acceptedConnections.sum())
        .append('\n');
    out.append("# HELP stele_http_connections_refused_total Connections closed at accept:")
        .append(" max-connections reached.\n")
        .append("# TYPE stele_http_connections_refused_total counter\n")
        .append("stele_http_connections_refused_total ")
        .append(refusedConnections.sum())
        .append('\n');
    out.append("# HELP stele_http_requests_total HTTP requests answered, by route and status.\n")
        .append("# TYPE stele_http_requests_total counter\n");
    routes.forEach(
        (route, stats) -> {
          for (int code = 100; code < 600; code++) {
            final LongAdder adder = stats.byStatus[code];
            if (adder != null) {
              out.append("stele_http_requests_total{route=\"")
                  .append(route)
                  .append("\",status=\"")
                  .append(code)
                  .append("\"} ")
                  .append(adder.sum())
                  .append('\n');
            }
          }
        });
    out.append("# HELP stele_http_request_duration_seconds Time from request read to response.\n")
        .append("# TYPE stele_http_request_duration_seconds histogram\n");
    routes.forEach(
        (route, stats) -> {
          long cumulative = 0;
          for (int i = 0; i < BUCKETS_S.length; i++) {
            cumulative += stats.buckets[i].sum();
            out.append("stele_http_request_duration_seconds_bucket{route=\"")
                .append(route)
                .append("\",le=\"")
                .append(BUCKET_LABELS[i])
                .append("\"} ")
                .append(cumulative)
                .append('\n');
          }
          final long count = stats.count.sum();
          out.append("stele_http_request_duration_seconds_bucket{route=\"")
              .append(route)
              .append("\",le=\"+Inf\"} ")
              .append(count)
              .append('\n')
              .append("stele_http_request_duration_seconds_sum{route=\"")
              .append(route)
              .append("\"} ")
              .append(stats.sumNs.sum() / 1e9)
              .append('\n')
              .append("stele_http_request_duration_seconds_count{route=\"")
              .append(route)
              .append("\"} ")
              .append(count)
              .append('\n');
        });
  }
}
