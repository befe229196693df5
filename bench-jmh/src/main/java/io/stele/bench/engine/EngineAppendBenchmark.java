package io.stele.bench.engine;

import io.stele.engine.AppendListener;
import io.stele.engine.AppendRequest;
import io.stele.engine.AppendStatus;
import io.stele.engine.Durability;
import io.stele.engine.EngineConfig;
import io.stele.engine.Engines;
import io.stele.engine.LogEngine;
import io.stele.engine.SegmentInit;
import io.stele.engine.TopicConfig;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
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
 * Engine append throughput without waiting for fsync ({@code memory} durability): one producer
 * thread appends one record per call; the writer thread encodes and writes, the sync thread flushes
 * in the background. Compare with {@link ChronicleAppendBenchmark} in the same run; run with {@code
 * -prof gc} for allocation per append.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {BenchSupport.AGRONA, "-Xmx1g"})
public class EngineAppendBenchmark {
  @Param({"64", "1024"})
  int payloadBytes;

  /** How new segments get their space: written zeros (the default) or reserved blocks. */
  @Param({"ZEROS", "ALLOCATE"})
  SegmentInit segmentInit;

  /**
   * The cache window: {@code default}, {@code off} or bytes ({@code -p cacheWindow=default,off} to
   * compare).
   */
  @Param({"default"})
  String cacheWindow;

  private Path dir;
  private LogEngine engine;
  private AppendRequest request;
  private UnsafeBuffer payload;
  private final AtomicLong completed = new AtomicLong();
  private final AppendListener listener =
      (corr, status, partition, base, count, achieved) -> completed.lazySet(corr);
  private long correlationId;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    dir = BenchSupport.tempDir("stele-bench");
    engine =
        Engines.open(
            EngineConfig.builder(dir)
                .segmentBytes(256 << 20)
                .segmentInit(segmentInit)
                .cacheWindowBytes(BenchSupport.cacheWindow(cacheWindow))
                .checkpointIntervalBytes(1L << 40)
                .build());
    final CountDownLatch created = new CountDownLatch(1);
    engine.createTopic(
        "bench",
        new TopicConfig(1, -1, -1, Map.of()),
        Durability.LOCAL,
        (s, d) -> created.countDown());
    created.await();
    request = new AppendRequest(1);
    payload = new UnsafeBuffer(new byte[payloadBytes]);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    engine.close();
    BenchSupport.delete(dir);
  }

  @Benchmark
  public AppendStatus append() {
    final AppendRequest r = request;
    r.reset().topic("bench", 0).durability(Durability.MEMORY).correlationId(++correlationId);
    r.addRecord(payload, 0, -1, 0, payloadBytes);
    AppendStatus s;
    while ((s = engine.append(r, listener)) == AppendStatus.BACKPRESSURE) {
      Thread.onSpinWait();
    }
    return s;
  }
}
