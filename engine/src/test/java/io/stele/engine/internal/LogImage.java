package io.stele.engine.internal;

import io.stele.engine.AppendRequest;
import io.stele.engine.AppendStatus;
import io.stele.engine.Completions;
import io.stele.engine.Durability;
import io.stele.engine.EngineFixture;
import io.stele.engine.format.BatchDescriptor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A small shard log built once by a real engine (a control batch creating a 2-partition topic, then
 * data batches of 1-3 records), with its batch boundaries, for recovery tests that damage copies of
 * it.
 */
final class LogImage {
  record Batch(long position, int length, byte type, int partition, int count) {
    long end() {
      return position + length;
    }
  }

  static final String SEGMENT = "00000000000000000000.open";
  final byte[] segment;
  final List<Batch> batches = new ArrayList<>();

  private static LogImage instance;

  static synchronized LogImage get() throws Exception {
    if (instance == null) {
      instance = new LogImage();
    }
    return instance;
  }

  private LogImage() throws Exception {
    final Path tmp = Files.createTempDirectory("stele-image");
    try {
      try (StorageEngine e = EngineFixture.open(tmp)) {
        EngineFixture.create(e, "t", 2);
        final AppendRequest r = new AppendRequest(4);
        final Completions c = new Completions();
        for (int i = 0; i < 40; i++) {
          final String[] values = new String[1 + i % 3];
          for (int k = 0; k < values.length; k++) {
            values[k] = "value-" + i + "-" + k + "-" + "z".repeat(i * 7 % 50);
          }
          if (EngineFixture.append(e, r, c, "t", i % 2, Durability.LOCAL, i, values)
              != AppendStatus.ACCEPTED) {
            throw new IllegalStateException("not accepted");
          }
          if (c.next().status() != AppendStatus.OK) {
            throw new IllegalStateException("not ok");
          }
        }
      }
      segment = Files.readAllBytes(tmp.resolve("shard-0").resolve(SEGMENT));
    } finally {
      deleteTree(tmp);
    }
    final UnsafeBuffer b = new UnsafeBuffer(segment);
    int pos = 0;
    while (BatchDescriptor.length(b, pos) != 0) {
      final int len = BatchDescriptor.length(b, pos);
      batches.add(
          new Batch(
              pos,
              len,
              BatchDescriptor.type(b, pos),
              BatchDescriptor.partition(b, pos),
              BatchDescriptor.recordCount(b, pos)));
      pos += BatchDescriptor.alignedLength(len);
    }
  }

  long end() {
    return BatchDescriptor.alignedLength((int) batches.get(batches.size() - 1).end());
  }

  /** Records per partition in the first {@code n} batches. */
  long[] recordsIn(final int n) {
    final long[] counts = new long[2];
    for (int i = 0; i < n; i++) {
      final Batch b = batches.get(i);
      if (b.type() == BatchDescriptor.TYPE_DATA) {
        counts[b.partition()] += b.count();
      }
    }
    return counts;
  }

  /** Writes the (damaged) segment bytes as a shard directory without checkpoint or mark. */
  static Path write(final Path dataDir, final byte[] seg) throws IOException {
    final Path shard = dataDir.resolve("shard-0");
    Files.createDirectories(shard);
    Files.write(shard.resolve(SEGMENT), seg);
    return shard;
  }

  static void writeMark(final Path shard, final long position) throws IOException {
    try (DurableMark m = new DurableMark(shard)) {
      m.write(position);
    }
  }

  static void deleteTree(final Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (final Path f : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    }
  }

  static ByteBuffer unused() {
    return null;
  }
}
