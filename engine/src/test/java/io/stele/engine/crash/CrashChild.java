package io.stele.engine.crash;

import io.stele.engine.AppendListener;
import io.stele.engine.AppendRequest;
import io.stele.engine.AppendStatus;
import io.stele.engine.Durability;
import io.stele.engine.EngineConfig;
import io.stele.engine.Engines;
import io.stele.engine.NodeEngine;
import io.stele.engine.SegmentInit;
import io.stele.engine.TopicConfig;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Child JVM for the crash tests: opens the engine in {@code args[0]} (label {@code args[1]},
 * segment bytes {@code args[2]}, shards {@code args[3]}, segment init {@code args[4]}), appends
 * with {@code local} durability from several threads until killed, and prints one line per
 * acknowledgement:
 *
 * <pre>
 *   A partition baseOffset count value...
 *   F status            (a failed append: nothing after it may be acknowledged)
 * </pre>
 *
 * Values are unique ASCII tokens ({@code label-thread-n-i} plus padding), so the parent can check
 * every acknowledged record byte for byte after recovery.
 */
public final class CrashChild {
  static final String TOPIC = "crash";
  static final int PARTITIONS = 3;
  static final int THREADS = 4;
  static final int IN_FLIGHT = 16;

  private CrashChild() {}

  public static void main(final String[] args) throws Exception {
    final Path dir = Path.of(args[0]);
    final String label = args[1];
    final int segmentBytes = args.length > 2 ? Integer.parseInt(args[2]) : 1 << 20;
    final int shards = args.length > 3 ? Integer.parseInt(args[3]) : 1;
    final SegmentInit init = args.length > 4 ? SegmentInit.valueOf(args[4]) : SegmentInit.ZEROS;
    final PrintStream out =
        new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.US_ASCII);
    final NodeEngine engine =
        Engines.openNode(
            EngineConfig.builder(dir)
                .shards(shards)
                .segmentBytes(segmentBytes)
                .segmentInit(init)
                .ingressRingBytes(1 << 20)
                .maxBatchBytes(64 * 1024)
                .writeBufferBytes(256 * 1024)
                .pendingCapacity(1024)
                .indexIntervalBytes(1024)
                .checkpointIntervalBytes(256 * 1024)
                .durableMarkIntervalMs(5)
                .build());
    if (engine.describeTopic(TOPIC) == null) {
      final CountDownLatch created = new CountDownLatch(1);
      engine.createTopic(
          TOPIC,
          new TopicConfig(PARTITIONS, -1, -1, Map.of()),
          Durability.LOCAL,
          (s, d) -> created.countDown());
      if (!created.await(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("topic not created");
      }
    }
    out.println("READY " + engine.recoverySummary());
    for (int t = 0; t < THREADS; t++) {
      final int thread = t;
      final Thread th = new Thread(() -> produce(engine, out, label, thread), "producer-" + t);
      th.setDaemon(false);
      th.start();
    }
  }

  private static void produce(
      final NodeEngine engine, final PrintStream out, final String label, final int thread) {
    final Semaphore inFlight = new Semaphore(IN_FLIGHT);
    final AppendRequest r = new AppendRequest(4);
    final java.util.concurrent.ConcurrentHashMap<Long, String> values =
        new java.util.concurrent.ConcurrentHashMap<>();
    final AppendListener listener =
        (corr, status, partition, base, count, achieved) -> {
          final String v = values.remove(corr);
          if (status == AppendStatus.OK) {
            if (achieved != Durability.LOCAL) {
              out.println("F achieved " + achieved);
            } else {
              out.println("A " + partition + " " + base + " " + count + " " + v);
            }
          } else {
            out.println("F " + status + " " + engine.failureReason());
          }
          inFlight.release();
        };
    long n = 0;
    final java.util.Random random = new java.util.Random(thread * 31L + label.hashCode());
    while (true) {
      try {
        inFlight.acquire();
      } catch (final InterruptedException e) {
        return;
      }
      final int partition = random.nextInt(PARTITIONS);
      final int count = 1 + random.nextInt(3);
      final StringBuilder line = new StringBuilder();
      r.reset().topic(TOPIC, partition).durability(Durability.LOCAL).correlationId(n);
      for (int i = 0; i < count; i++) {
        final String v =
            label + "-" + thread + "-" + n + "-" + i + "-" + "p".repeat(random.nextInt(200));
        final byte[] bytes = v.getBytes(StandardCharsets.US_ASCII);
        r.addRecord(new UnsafeBuffer(bytes), 0, -1, 0, bytes.length);
        if (i > 0) {
          line.append(' ');
        }
        line.append(v);
      }
      values.put(n, line.toString());
      AppendStatus s;
      while ((s = engine.append(r, listener)) == AppendStatus.BACKPRESSURE) {
        Thread.onSpinWait();
      }
      if (s != AppendStatus.ACCEPTED) {
        values.remove(n);
        out.println("F admission " + s);
        inFlight.release();
        try {
          Thread.sleep(5); // the child only waits for the parent to kill it
        } catch (final InterruptedException e) {
          return;
        }
      }
      n++;
    }
  }
}
