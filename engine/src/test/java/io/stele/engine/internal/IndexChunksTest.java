package io.stele.engine.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stele.engine.AppendRequest;
import io.stele.engine.AppendStatus;
import io.stele.engine.Completions;
import io.stele.engine.Durability;
import io.stele.engine.EngineFixture;
import io.stele.engine.Engines;
import io.stele.engine.ReadStatus;
import io.stele.engine.TopicConfig;
import io.stele.engine.TopicStatus;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints refer to whole index chunks written once to a chunk file instead of carrying them:
 * they stay small as the log grows, load back exactly, a damaged chunk is never taken for the
 * index, and chunk files no checkpoint refers to any more are deleted.
 */
class IndexChunksTest {
  @TempDir Path dir;

  private StorageEngine open() throws Exception {
    return (StorageEngine)
        Engines.open(
            EngineFixture.small(dir)
                .segmentBytes(1 << 20)
                .checkpointIntervalBytes(256 * 1024)
                .build());
  }

  private static String value(final int i) {
    return i + "-" + "x".repeat(590);
  }

  /** Appends batches {@code [from, from + n)}: batch i is one record, to t/(i % 2). */
  private static void fill(final StorageEngine e, final int from, final int n)
      throws InterruptedException {
    final AppendRequest r = new AppendRequest(1);
    final Completions c = new Completions();
    for (int i = from; i < from + n; i++) {
      while (EngineFixture.append(e, r, c, "t", i % 2, Durability.MEMORY, i, value(i))
          != AppendStatus.ACCEPTED) {
        Thread.onSpinWait();
      }
    }
    for (int i = 0; i < n; i++) {
      assertEquals(AppendStatus.OK, c.next().status());
    }
  }

  private Path shard() {
    return dir.resolve("shard-0");
  }

  private List<Path> chunkFiles() throws IOException {
    try (Stream<Path> s = Files.list(shard())) {
      return s.filter(p -> IndexChunks.isChunkFile(p.getFileName().toString())).sorted().toList();
    }
  }

  private static long full(final PartitionIndex x) {
    return (x.count() >>> PartitionIndex.CHUNK_SHIFT) - (x.first() >>> PartitionIndex.CHUNK_SHIFT);
  }

  private static void assertRecords(final StorageEngine e, final int batches) {
    for (final int i : new int[] {0, 1, 1235, batches / 2, batches - 1}) {
      final List<EngineFixture.Rec> got = EngineFixture.readAll(e, "t", i % 2, i / 2, 1);
      assertEquals(value(i), got.get(0).value(), "batch " + i);
    }
  }

  @Test
  void shouldReferToChunksAndLoadThemBack() throws Exception {
    final int batches = 4000; // an index entry per batch (interval 512 bytes): several chunks
    try (StorageEngine e = open()) {
      EngineFixture.create(e, "t", 2);
      fill(e, 0, batches);
    }
    final List<Path> files = chunkFiles();
    assertEquals(1, files.size(), "one generation: " + files);
    final ShardState.Restored r = Checkpoints.read(shard().resolve(Checkpoints.CURRENT), 512);
    final long entries = r.state().topicsByName.get("t").partitions[0].index.count();
    assertTrue(entries > PartitionIndex.CHUNK, "entries " + entries);
    final long inlineSize = r.state().snapshot(r.position(), 1 << 20).toInlineBytes().length;
    final long size = Files.size(shard().resolve(Checkpoints.CURRENT));
    long fullChunks = full(r.state().logIndexIndex);
    for (final PartitionState p : r.state().topicsByName.get("t").partitions) {
      fullChunks += full(p.index);
    }
    assertTrue(fullChunks >= 2, "full chunks " + fullChunks);
    // each whole chunk is a 12-byte reference instead of its 32 KiB of entries
    assertEquals(
        inlineSize - fullChunks * (PartitionIndex.COLUMNS * 8L * PartitionIndex.CHUNK - 12), size);

    int total = batches;
    try (StorageEngine e = open()) {
      assertTrue(e.recoveredFromCheckpoint(), e.recoverySummary());
      assertEquals(0, e.recoveredTailBytes());
      assertEquals(
          entries,
          e.state.topicsByName.get("t").partitions[0].index.count(),
          "the index came back from the chunk file");
      assertRecords(e, batches);
      // two more checkpoints in this run (one per 256 KiB of log, as the housekeeper gets to
      // them): then the first generation is referred to by no checkpoint any more
      for (int round = 0; round < 20 && chunkFiles().contains(files.get(0)); round++) {
        fill(e, total, 500);
        total += 500;
      }
    }
    final List<Path> after = chunkFiles();
    assertFalse(after.contains(files.get(0)), "old generation deleted: " + after);
    try (StorageEngine e = open()) {
      assertRecords(e, total);
    }
  }

  @Test
  void shouldRebuildTheIndexesFromTheLogWhenChunksAreDamaged() throws Exception {
    final int batches = 8000;
    try (StorageEngine e = open()) {
      assertEquals(
          TopicStatus.CREATED,
          Completions.await(
                  Completions.topicFuture(
                      l ->
                          e.createTopic(
                              "t", new TopicConfig(2, -1, 1 << 20, Map.of()), Durability.LOCAL, l)))
              .status());
      fill(e, 0, batches);
      // retention deletes the first segments: the state can no longer be replayed from the log
      final long deadline = System.nanoTime() + 10_000_000_000L;
      while (System.nanoTime() - deadline < 0 && e.startPosition() == 0) {
        Thread.sleep(10); // retention runs every 10 ms on the writer; bounded by the deadline
      }
      assertTrue(e.startPosition() > 0, "first segment deleted");
    }
    try (FileChannel ch =
        FileChannel.open(chunkFiles().get(0), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      // flip one bit in a position column of every record
      for (long rec = 0; rec + IndexChunks.RECORD <= ch.size(); rec += IndexChunks.RECORD) {
        final long at = rec + IndexChunks.HEADER + 8L * PartitionIndex.CHUNK + 8 * 3;
        final ByteBuffer b = ByteBuffer.allocate(1);
        ch.read(b, at);
        b.put(0, (byte) (b.get(0) ^ 0x10)).position(0);
        ch.write(b, at);
      }
    }
    final ByteArrayOutputStream report = new ByteArrayOutputStream();
    assertEquals(
        LogChecker.DAMAGED_INDEX,
        LogChecker.check(dir, new PrintStream(report, true, StandardCharsets.UTF_8)),
        report.toString(StandardCharsets.UTF_8));
    try (StorageEngine e = open()) {
      // the checkpoint's state, its indexes rebuilt from the log (never the damaged chunks)
      assertTrue(e.recoveredFromCheckpoint(), e.recoverySummary());
      assertEquals(0, e.recoveredTailBytes());
      assertTrue(e.state.logIndexIndex.count() > 0);
      for (final int i : new int[] {batches - 1, batches - 2, batches - 501}) {
        final List<EngineFixture.Rec> got = EngineFixture.readAll(e, "t", i % 2, i / 2, 1);
        assertEquals(value(i), got.get(0).value(), "batch " + i);
      }
      // The first record kept; retention (every 10 ms) may move the start on while this reads.
      long start;
      ReadStatus first;
      final List<String> values = new ArrayList<>();
      int tries = 0;
      do {
        values.clear();
        start = e.describeTopic("t").partitions().get(0).startOffset();
        first =
            e.read(
                "t",
                0,
                start,
                1,
                Integer.MAX_VALUE,
                (o, ts, b, ko, kl, vo, vl) -> values.add(b.getStringWithoutLengthUtf8(vo, vl)));
      } while (first == ReadStatus.OFFSET_GONE && ++tries < 100);
      assertTrue(start > 0, "start offset " + start);
      assertEquals(ReadStatus.OK, first);
      assertEquals(List.of(value((int) start * 2)), values, "the first record kept");
      assertEquals(
          ReadStatus.OFFSET_GONE, e.read("t", 0, 0, 1, 1, (o, ts, b, ko, kl, vo, vl) -> true));
      fill(e, batches, 10);
    }
    try (StorageEngine e = open()) {
      for (final int i : new int[] {batches - 1, batches + 9}) {
        assertEquals(value(i), EngineFixture.readAll(e, "t", i % 2, i / 2, 1).get(0).value());
      }
    }
  }
}
