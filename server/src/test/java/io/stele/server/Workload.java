package io.stele.server;

import io.stele.perf.check.HistoryRecorder;
import io.stele.perf.check.Op;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Producers against a {@link LocalCluster}: each client thread sends quorum produces of unique
 * payload ids to random nodes (following redirects) and records every operation's outcome in a
 * history for the checker. Only outcomes that are certain count as failures: a refused connection,
 * a 4xx, or a 503 whose problem type says the write was not taken (no leader, not the leader,
 * overloaded). Timeouts, resets and other 5xx are unknown: the write may or may not have happened.
 */
final class Workload {
  private static final Pattern OFFSET = Pattern.compile("\"offset\":(\\d+)");
  private static final Pattern TYPE = Pattern.compile("problems/([a-z-]+)");

  private final LocalCluster cluster;
  private final String topic;
  final HistoryRecorder history = new HistoryRecorder();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final List<Thread> threads = new ArrayList<>();
  final AtomicLong ok = new AtomicLong();
  final AtomicLong lastOkNanos = new AtomicLong();
  private final AtomicLong maxAcked = new AtomicLong();

  Workload(final LocalCluster cluster, final String topic, final int clients, final long seed) {
    this.cluster = cluster;
    this.topic = topic;
    for (int c = 0; c < clients; c++) {
      final int client = c;
      final SplittableRandom random = new SplittableRandom(seed * 1_000 + c);
      final Thread t = new Thread(() -> run(client, random), "workload-" + c);
      t.setDaemon(true);
      threads.add(t);
    }
    final SplittableRandom readRandom = new SplittableRandom(seed * 1_000 + 999);
    final Thread reader = new Thread(() -> read(clients, readRandom), "workload-reader");
    reader.setDaemon(true);
    threads.add(reader);
    threads.forEach(Thread::start);
  }

  private static final Pattern RECORD =
      Pattern.compile("\"offset\":(\\d+),.*\"value\":\"([^\"]*)\"");
  private static final int READ_LIMIT = 200;

  /**
   * Reads random ranges from random nodes (following redirects), recording what each read saw: a
   * read that reached the end of the partition covers everything below the end offset the node
   * reported, so the checker can tell a stale read (an earlier acknowledged write missing) and a
   * dirty one (a record the final log does not hold there).
   */
  private void read(final int client, final SplittableRandom random) {
    final HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(1))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    while (running.get()) {
      final long opId = history.nextOpId();
      final long invoke = history.now();
      final long high = Math.max(0, maxAcked.get());
      final long from = high == 0 ? 0 : random.nextLong(high + 1);
      String uri =
          cluster.base(1 + random.nextInt(cluster.size))
              + "/v1/topics/"
              + topic
              + "/partitions/0/records?offset="
              + from
              + "&limit="
              + READ_LIMIT;
      try {
        for (int hop = 0; hop < 3; hop++) {
          final HttpResponse<String> r =
              http.send(
                  HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(3)).build(),
                  HttpResponse.BodyHandlers.ofString());
          if (r.statusCode() == 307) {
            uri = r.headers().firstValue("location").orElseThrow();
            continue;
          }
          if (r.statusCode() == 200) {
            final List<io.stele.perf.check.LogEntry> records = new ArrayList<>();
            for (final String line : r.body().split("\n")) {
              final Matcher m = RECORD.matcher(line);
              if (m.find()) {
                records.add(
                    new io.stele.perf.check.LogEntry(Long.parseLong(m.group(1)), m.group(2)));
              }
            }
            final long end =
                records.size() < READ_LIMIT
                    ? Long.parseLong(r.headers().firstValue("stele-end-offset").orElse("-1"))
                    : records.get(records.size() - 1).offset() + 1;
            history.record(
                Op.read(
                    client,
                    opId,
                    topic,
                    0,
                    Op.Outcome.OK,
                    invoke,
                    history.now(),
                    from,
                    end,
                    records));
          }
          break;
        }
      } catch (final IOException e) {
        // a failed read tells nothing
      } catch (final InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      try {
        Thread.sleep(20);
      } catch (final InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private void run(final int client, final SplittableRandom random) {
    final HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(1))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    long seq = 0;
    int sticky = 0;
    while (running.get()) {
      final String payload = "c" + client + "-" + seq++;
      final long opId = history.nextOpId();
      final long invoke = history.now();
      // mostly the node that answered last (like a client that remembers the leader), sometimes
      // any node, so redirects and dead nodes keep being exercised
      final int node =
          sticky > 0 && random.nextInt(4) != 0 ? sticky : 1 + random.nextInt(cluster.size);
      Op.Outcome outcome = Op.Outcome.UNKNOWN;
      long offset = -1;
      String uri = cluster.base(node) + "/v1/topics/" + topic + "/records?durability=quorum";
      sticky = node;
      boolean maybeSent = false;
      try {
        for (int hop = 0; hop < 3; hop++) {
          final HttpRequest request =
              HttpRequest.newBuilder(URI.create(uri))
                  .timeout(Duration.ofSeconds(3))
                  .POST(HttpRequest.BodyPublishers.ofString(payload))
                  .build();
          final HttpResponse<String> r;
          try {
            r = http.send(request, HttpResponse.BodyHandlers.ofString());
          } catch (final ConnectException | HttpConnectTimeoutException e) {
            // never reached this node; certain only if no earlier hop could have taken it
            outcome = maybeSent ? Op.Outcome.UNKNOWN : Op.Outcome.FAIL;
            sticky = 0;
            break;
          }
          if (r.statusCode() == 307) {
            uri = r.headers().firstValue("location").orElseThrow();
            sticky = cluster.nodeOf(uri);
            continue; // a redirect takes nothing
          }
          maybeSent = true;
          if (r.statusCode() == 200) {
            final Matcher m = OFFSET.matcher(r.body());
            if (m.find()) {
              outcome = Op.Outcome.OK;
              offset = Long.parseLong(m.group(1));
            }
          } else if (r.statusCode() >= 400 && r.statusCode() < 500) {
            outcome = Op.Outcome.FAIL;
          } else if (r.statusCode() == 503) {
            final Matcher m = TYPE.matcher(r.body());
            final String type = m.find() ? m.group(1) : "";
            if (type.equals("no-leader")
                || type.equals("not-leader")
                || type.equals("overloaded")) {
              outcome = Op.Outcome.FAIL;
            }
          }
          break;
        }
      } catch (final IOException e) {
        outcome = Op.Outcome.UNKNOWN;
      } catch (final InterruptedException e) {
        Thread.currentThread().interrupt();
        outcome = Op.Outcome.UNKNOWN;
      }
      final long complete = history.now();
      history.record(
          Op.produce(client, opId, topic, 0, payload, outcome, invoke, complete, offset));
      if (outcome == Op.Outcome.OK) {
        ok.incrementAndGet();
        maxAcked.accumulateAndGet(offset, Math::max);
        lastOkNanos.set(complete);
      } else {
        try {
          Thread.sleep(5); // do not spin while there is no leader
        } catch (final InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  /** Stops the clients and waits for their last operations. */
  void stop() throws InterruptedException {
    running.set(false);
    for (final Thread t : threads) {
      t.join(10_000);
    }
  }
}
