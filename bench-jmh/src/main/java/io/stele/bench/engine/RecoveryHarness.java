package io.stele.bench.engine;

import io.stele.engine.AppendListener;
import io.stele.engine.AppendRequest;
import io.stele.engine.AppendStatus;
import io.stele.engine.Durability;
import io.stele.engine.EngineConfig;
import io.stele.engine.Engines;
import io.stele.engine.LogEngine;
import io.stele.engine.TopicConfig;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Recovery time after SIGKILL (not a JMH benchmark: a kill needs a process). Usage:
 *
 * <pre>
 *   java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -cp benchmarks.jar \
 *       io.stele.bench.engine.RecoveryHarness write DIR RECORDS    # appends, prints DURABLE, waits
 *   kill -9 PID
 *   java ... RecoveryHarness open DIR                              # times Engines.open
 * </pre>
 *
 * {@code write} appends RECORDS records of 64 bytes, one per append, with {@code memory}
 * durability, waits until everything is flushed, prints {@code DURABLE}, then waits to be killed.
 */
public final class RecoveryHarness {
  private RecoveryHarness() {}

  public static void main(final String[] args) throws Exception {
    final Path dir = Path.of(args[1]);
    if ("write".equals(args[0])) {
      write(dir, Long.parseLong(args[2]));
    } else {
      final long t0 = System.nanoTime();
      final LogEngine e = Engines.open(EngineConfig.builder(dir).build());
      final long t1 = System.nanoTime();
      System.out.printf(
          "open took %.1f ms; %s; end offset %d%n",
          (t1 - t0) / 1e6,
          e.recoverySummary(),
          e.describeTopic("r").partitions().get(0).endOffset());
      e.close();
    }
  }

  private static void write(final Path dir, final long records) throws Exception {
    final LogEngine e = Engines.open(EngineConfig.builder(dir).build());
    final CountDownLatch created = new CountDownLatch(1);
    e.createTopic(
        "r", new TopicConfig(1, -1, -1, Map.of()), Durability.LOCAL, (s, d) -> created.countDown());
    created.await();
    final AtomicLong done = new AtomicLong();
    final AppendListener l = (corr, status, p, base, count, achieved) -> done.lazySet(corr);
    final AppendRequest r = new AppendRequest(1);
    final UnsafeBuffer v = new UnsafeBuffer(new byte[64]);
    for (long i = 1; i <= records; i++) {
      r.reset().topic("r", 0).durability(Durability.MEMORY).correlationId(i);
      r.addRecord(v, 0, -1, 0, 64);
      while (e.append(r, l) != AppendStatus.ACCEPTED) {
        Thread.onSpinWait();
      }
    }
    while (done.get() != records || e.durablePosition() != e.appendPosition()) {
      TimeUnit.MILLISECONDS.sleep(10);
    }
    System.out.println("DURABLE " + e.describeTopic("r").partitions().get(0).endOffset());
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
