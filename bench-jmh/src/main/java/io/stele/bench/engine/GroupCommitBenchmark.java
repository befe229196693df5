package io.stele.bench.engine;

import io.stele.engine.AppendListener;
import io.stele.engine.AppendRequest;
import io.stele.engine.AppendStatus;
import io.stele.engine.Durability;
import io.stele.engine.EngineConfig;
import io.stele.engine.Engines;
import io.stele.engine.NodeEngine;
import io.stele.engine.SegmentInit;
import io.stele.engine.TopicConfig;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The group-commit curve: N producer threads (JMH {@code -t}) each append one 64-byte record with
 * {@code local} durability and wait for its ack (closed loop), spread over P partitions of one
 * shard (or of {@code shards} shards). Records per flush should grow with N (one flush covers every
 * partition that wrote), so durable throughput is bounded by CPU rather than by flush latency.
 * Reported: acks/s, and flushes and records per flush printed after each iteration.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(
    value = 1,
    jvmArgsAppend = {BenchSupport.AGRONA})
public class GroupCommitBenchmark {
  @Param({"1", "8", "64"})
  int partitions;

  /** Shard logs of the node: partitions spread over them, each shard flushes on its own. */
  @Param({"1"})
  int shards;

  /** How new segments get their space ({@code -p segmentInit=ZEROS,ALLOCATE} to compare). */
  @Param({"ZEROS"})
  SegmentInit segmentInit;

  /**
   * The cache window: {@code default}, {@code off} or bytes ({@code -p cacheWindow=default,off} to
   * compare).
   */
  @Param({"default"})
  String cacheWindow;

  NodeEngine engine;
  private Path dir;
  private final AtomicInteger threadIds = new AtomicInteger();
  long flushesAtStart;
  long recordsAtStart;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    dir = BenchSupport.tempDir("stele-gc");
    engine =
        Engines.openNode(
            EngineConfig.builder(dir)
                .shards(shards)
                .segmentBytes(256 << 20)
                .segmentInit(segmentInit)
                .cacheWindowBytes(BenchSupport.cacheWindow(cacheWindow))
                .checkpointIntervalBytes(1L << 40)
                .build());
    final CountDownLatch created = new CountDownLatch(1);
    engine.createTopic(
        "gc",
        new TopicConfig(partitions, -1, -1, Map.of()),
        Durability.LOCAL,
        (s, d) -> created.countDown());
    created.await();
  }

  @Setup(Level.Iteration)
  public void mark() {
    flushesAtStart = engine.metrics().flushes();
    recordsAtStart = engine.metrics().flushedRecords();
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    engine.close();
    BenchSupport.delete(dir);
  }

  /** One producer: its request, listener and the flag its ack sets. */
  @State(Scope.Thread)
  public static class Producer {
    final AppendRequest request = new AppendRequest(1);
    final UnsafeBuffer payload = new UnsafeBuffer(new byte[64]);
    volatile long acked;
    long sent;
    int partition;
    Thread thread;
    final AppendListener listener =
        (corr, status, p, base, count, achieved) -> {
          acked = corr;
          LockSupport.unpark(thread);
        };

    @Setup(Level.Trial)
    public void setUp(final GroupCommitBenchmark b) {
      partition = b.threadIds.getAndIncrement() % b.partitions;
    }
  }

  /** Prints flushes and records per flush of the iteration (group commit at work). */
  @TearDown(Level.Iteration)
  public void report() {
    final long f = engine.metrics().flushes() - flushesAtStart;
    final long rec = engine.metrics().flushedRecords() - recordsAtStart;
    System.out.printf(
        "  [partitions=%d shards=%d] flushes=%d records=%d records/flush=%.1f%n",
        partitions, shards, f, rec, f == 0 ? 0.0 : (double) rec / f);
  }

  @Benchmark
  public void durableAppend(final Producer p) {
    final AppendRequest r = p.request;
    r.reset().topic("gc", p.partition).durability(Durability.LOCAL).correlationId(++p.sent);
    r.addRecord(p.payload, 0, -1, 0, 64);
    while (engine.append(r, p.listener) == AppendStatus.BACKPRESSURE) {
      Thread.onSpinWait();
    }
    // Park until the ack, as an event loop would: spinning producers would starve the engine's
    // threads on 2 cores.
    p.thread = Thread.currentThread();
    while (p.acked != p.sent) {
      LockSupport.park();
    }
  }
}
