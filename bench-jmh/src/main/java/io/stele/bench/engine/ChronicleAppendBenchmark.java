package io.stele.bench.engine;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptAppender;
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
 * The baseline: Chronicle Queue's default appender writing the same payloads (one excerpt per call,
 * no fsync). Analytics are disabled: nothing here may reach the internet (FACTS.md).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {
      "-Dchronicle.analytics.disable=true",
      "-Xmx1g",
      "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
      "--add-opens=java.base/java.lang=ALL-UNNAMED",
      "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
      "--add-opens=java.base/java.io=ALL-UNNAMED",
      "--add-opens=java.base/java.nio=ALL-UNNAMED",
      "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED",
      "--add-opens=java.base/java.util=ALL-UNNAMED",
      "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
      "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
      "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED",
      "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED"
    })
public class ChronicleAppendBenchmark {
  @Param({"64", "1024"})
  int payloadBytes;

  private Path dir;
  private ChronicleQueue queue;
  private ExcerptAppender appender;
  private Bytes<?> payload;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    System.setProperty("chronicle.analytics.disable", "true");
    dir = BenchSupport.tempDir("chronicle-bench");
    queue = ChronicleQueue.singleBuilder(dir.toFile()).build();
    appender = queue.createAppender();
    payload = Bytes.allocateDirect(payloadBytes);
    for (int i = 0; i < payloadBytes; i++) {
      payload.writeByte((byte) i);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    appender.close();
    queue.close();
    payload.releaseLast();
    BenchSupport.delete(dir);
  }

  @Benchmark
  public void append() {
    appender.writeBytes(payload);
  }
}
