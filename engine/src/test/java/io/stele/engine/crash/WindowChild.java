package io.stele.engine.crash;

import io.stele.engine.AppendListener;
import io.stele.engine.AppendRequest;
import io.stele.engine.AppendStatus;
import io.stele.engine.Durability;
import io.stele.engine.EngineConfig;
import io.stele.engine.Engines;
import io.stele.engine.TopicConfig;
import io.stele.engine.internal.StorageEngine;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Child JVM for {@link UnflushedWindowTest}: appends 4 KiB records with {@code memory} durability
 * as fast as it can (nothing waits for a flush) and prints, every few milliseconds, the largest
 * distance between the append and the durable position seen so far: {@code W bytes}. The append
 * position is read first, so the distance never understates what the writer had written beyond the
 * durable position it saw.
 */
public final class WindowChild {
  private WindowChild() {}

  public static void main(final String[] args) throws Exception {
    final PrintStream out =
        new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.US_ASCII);
    final StorageEngine engine =
        (StorageEngine)
            Engines.open(
                // room for 256K appends in flight: only the unflushed limit holds the writer back
                EngineConfig.builder(Path.of(args[0])).pendingCapacity(1 << 18).build());
    final CountDownLatch created = new CountDownLatch(1);
    engine.createTopic(
        "w",
        new TopicConfig(1, -1, -1, Map.of()),
        Durability.MEMORY,
        (s, d) -> created.countDown());
    if (!created.await(60, TimeUnit.SECONDS)) {
      throw new IllegalStateException("topic not created");
    }
    final Thread sampler =
        new Thread(
            () -> {
              long max = 0;
              long next = 0;
              while (true) {
                final long append = engine.appendPosition();
                max = Math.max(max, append - engine.durablePosition());
                final long now = System.nanoTime();
                if (now - next > 0) {
                  out.println("W " + max);
                  next = now + 5_000_000;
                }
                Thread.onSpinWait();
              }
            },
            "sampler");
    sampler.setDaemon(true);
    sampler.start();
    final AppendRequest r = new AppendRequest(1);
    final UnsafeBuffer value = new UnsafeBuffer(new byte[4096]);
    final AppendListener ignore = (corr, status, partition, base, count, achieved) -> {};
    for (long n = 0; ; n++) {
      r.reset().topic("w", 0).durability(Durability.MEMORY).correlationId(n);
      r.addRecord(value, 0, -1, 0, 4096);
      AppendStatus s;
      while ((s = engine.append(r, ignore)) == AppendStatus.BACKPRESSURE) {
        Thread.onSpinWait();
      }
      if (s != AppendStatus.ACCEPTED) {
        out.println("F " + s);
        Thread.sleep(Long.MAX_VALUE); // the parent kills it
      }
    }
  }
}
