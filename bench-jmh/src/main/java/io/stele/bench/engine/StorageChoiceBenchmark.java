package io.stele.bench.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
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
 * The storage choice, kept measured (DESIGN §4): one durable batch per operation into a
 * preallocated file, written either with one positional {@code FileChannel} write from a direct
 * buffer then {@code force(false)} (what the engine does), or through a memory map then {@code
 * MappedByteBuffer.force(from, length)}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 4, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {BenchSupport.AGRONA})
public class StorageChoiceBenchmark {
  private static final int FILE_BYTES = 256 << 20;

  @Param({"pwrite", "mmap"})
  String mode;

  @Param({"4096"})
  int batchBytes;

  private Path dir;
  private FileChannel channel;
  private MappedByteBuffer map;
  private ByteBuffer batch;
  private long position;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    dir = BenchSupport.tempDir("stele-storage");
    channel =
        FileChannel.open(
            dir.resolve("segment"),
            StandardOpenOption.CREATE,
            StandardOpenOption.READ,
            StandardOpenOption.WRITE);
    final ByteBuffer zeros = ByteBuffer.allocateDirect(1 << 20);
    for (long at = 0; at < FILE_BYTES; at += zeros.capacity()) {
      zeros.clear();
      channel.write(zeros, at);
    }
    channel.force(true);
    map = channel.map(FileChannel.MapMode.READ_WRITE, 0, FILE_BYTES);
    batch = ByteBuffer.allocateDirect(batchBytes);
    for (int i = 0; i < batchBytes; i++) {
      batch.put(i, (byte) (i * 31));
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    channel.close();
    BenchSupport.delete(dir);
  }

  @Benchmark
  public long durableBatch() throws IOException {
    if (position + batchBytes > FILE_BYTES) {
      position = 0;
    }
    if ("pwrite".equals(mode)) {
      batch.clear();
      long at = position;
      while (batch.hasRemaining()) {
        at += channel.write(batch, at);
      }
      channel.force(false);
    } else {
      batch.clear();
      map.put((int) position, batch, 0, batchBytes);
      map.force((int) position, batchBytes);
    }
    position += batchBytes;
    return position;
  }
}
