package io.stele.perf;

import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The clock of one event loop: wakes when the earliest of its connections' next requests is due,
 * sends everything due, and sleeps again. One scheduled task per wake-up, not per request; wake-ups
 * are at least {@code minTickNs} apart (requests due in between leave together, and their latency
 * still counts from their intended times) and at most {@code maxTickNs} apart (a connection whose
 * window was full is looked at again even if no answer arrives).
 *
 * <p>Threading: runs only on its event loop.
 */
final class Pacer implements Runnable {
  private final EventLoop loop;
  private final List<LoadConnection> connections = new ArrayList<>();
  private final long minTickNs;
  private final long maxTickNs;
  private volatile boolean stopped;

  Pacer(final EventLoop loop, final long minTickNs, final long maxTickNs) {
    this.loop = loop;
    this.minTickNs = minTickNs;
    this.maxTickNs = maxTickNs;
  }

  EventLoop loop() {
    return loop;
  }

  void add(final LoadConnection connection) {
    connections.add(connection);
  }

  List<LoadConnection> connections() {
    return connections;
  }

  void stop() {
    stopped = true;
  }

  @Override
  public void run() {
    if (stopped) {
      return;
    }
    final long now = System.nanoTime();
    long earliest = Long.MAX_VALUE;
    for (int i = 0, n = connections.size(); i < n; i++) {
      earliest = Math.min(earliest, connections.get(i).sendDue(now));
    }
    final long delay =
        earliest == Long.MAX_VALUE
            ? maxTickNs
            : Math.max(minTickNs, Math.min(maxTickNs, earliest - now));
    loop.schedule(this, delay, TimeUnit.NANOSECONDS);
  }
}
