package io.stele.engine.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stele.engine.AppendRequest;
import io.stele.engine.AppendStatus;
import io.stele.engine.Completions;
import io.stele.engine.Durability;
import io.stele.engine.EngineFixture;
import io.stele.engine.Engines;
import io.stele.engine.ReplicatedLog;
import io.stele.engine.TopicConfig;
import io.stele.engine.TopicStatus;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A follower rebuilds a leader's log from its files: checkpoint, then the segments still present
 * (retention deleted the oldest, so the state cannot come from replaying the log).
 */
class SnapshotInstallTest {
  @TempDir Path dir;

  /** A leader whose first segments were deleted by retention. */
  private StorageEngine leader() throws Exception {
    final StorageEngine e = EngineFixture.open(dir.resolve("leader"));
    assertEquals(
        TopicStatus.CREATED,
        Completions.await(
                Completions.topicFuture(
                    l ->
                        e.createTopic(
                            "r", new TopicConfig(1, -1, 64 * 1024, Map.of()), Durability.LOCAL, l)))
            .status());
    final AppendRequest r = new AppendRequest(16);
    final Completions c = new Completions();
    final String[] ten = new String[10];
    for (int i = 0; i < 400; i++) {
      java.util.Arrays.fill(ten, ("v" + i + "-").repeat(100));
      assertEquals(
          AppendStatus.ACCEPTED, EngineFixture.append(e, r, c, "r", 0, Durability.LOCAL, i, ten));
      assertEquals(AppendStatus.OK, c.next().status());
    }
    assertEquals(
        TopicStatus.OK,
        Completions.await(
                Completions.topicFuture(
                    l -> e.commitOffset("g", "r", 0, 3990, Durability.LOCAL, l)))
            .status());
    final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (e.startPosition() == 0 && System.nanoTime() - deadline < 0) {
      Thread.sleep(5);
    }
    assertTrue(e.startPosition() > 0, "retention deleted the first segments");
    // retention runs every 10 ms: let it settle, so the files stay put while they are copied
    long seen = -1;
    while (System.nanoTime() - deadline < 0) {
      final long now =
          e.startPosition() * 31 + e.describeTopic("r").partitions().get(0).startOffset();
      if (now == seen) {
        return e;
      }
      seen = now;
      Thread.sleep(300);
    }
    throw new AssertionError("retention did not settle");
  }

  private static StorageEngine follower(final Path d) throws Exception {
    return (StorageEngine) Engines.open(EngineFixture.small(d).quorumIsLocal(false).build());
  }

  /** Streams the leader's snapshot into an install, in pieces of {@code piece} bytes. */
  private static void stream(
      final StorageEngine from,
      final ReplicatedLog.SnapshotSource src,
      final ReplicatedLog.SnapshotInstall to,
      final int piece)
      throws IOException {
    to.write(0, ByteBuffer.wrap(src.checkpoint()));
    long pos = src.startPosition();
    while (pos < src.endPosition()) {
      final long segEnd = pos - pos % src.segmentBytes() + src.segmentBytes();
      final int n = (int) Math.min(piece, Math.min(segEnd, src.endPosition()) - pos);
      final ByteBuffer b = ByteBuffer.allocate(n);
      from.copy(pos, b);
      b.flip();
      to.write(src.checkpoint().length + pos - src.startPosition(), b);
      pos += n;
    }
  }

  /** Starts staging the copy {@code src} describes on {@code f}. */
  private static ReplicatedLog.SnapshotInstall begin(
      final StorageEngine f, final ReplicatedLog.SnapshotSource src) throws IOException {
    return f.beginInstall(
        src.logIndex(),
        src.startPosition(),
        src.endPosition(),
        src.segmentBytes(),
        src.checkpoint().length);
  }

  private static byte[] bytes(final StorageEngine e, final long from, final long to)
      throws IOException {
    final ByteBuffer b = ByteBuffer.allocate((int) (to - from));
    for (long p = from; p < to; ) {
      final long segEnd = p - p % e.log.segmentBytes + e.log.segmentBytes;
      final int n = (int) (Math.min(segEnd, to) - p);
      e.copy(p, b.slice((int) (p - from), n));
      p += n;
    }
    return b.array();
  }

  private static List<EngineFixture.Rec> records(final StorageEngine e, final long from) {
    return EngineFixture.readAll(e, "r", 0, from, 100_000);
  }

  @Test
  void shouldInstallTheLeadersFilesAndKeepThemAcrossARestart() throws Exception {
    try (StorageEngine l = leader()) {
      final long x = l.lastLogIndex();
      final ReplicatedLog.SnapshotSource src = l.snapshotSource(x);
      assertTrue(src.checkpoint().length > 0, "the log no longer starts at 0: a checkpoint");
      assertEquals(l.startPosition(), src.startPosition());
      final long start = l.describeTopic("r").partitions().get(0).startOffset();
      final List<EngineFixture.Rec> expected = records(l, start);
      assertEquals(4000 - start, expected.size());
      final Path fd = dir.resolve("follower");
      try (StorageEngine f = follower(fd)) {
        final ReplicatedLog.SnapshotInstall in = begin(f, src);
        assertThrows(
            IOException.class,
            () -> in.write(5, ByteBuffer.allocate(1)),
            "a piece that does not continue the stream is refused");
        stream(l, src, in, 10_000);
        assertEquals(src.length(), in.received());
        assertEquals(x, in.complete().get(20, TimeUnit.SECONDS));
        assertFalse(Files.exists(fd.resolve("shard-0").resolve(SnapshotStage.DIR)));
        assertEquals(x, f.lastLogIndex());
        assertEquals(src.term(), f.lastTerm());
        final long[] durable = new long[1];
        f.durableIndex((i, t) -> durable[0] = i);
        assertEquals(x, durable[0]);
        assertEquals(src.endPosition(), f.appendedPosition());
        // both apply retention themselves from now on, so their starts may move on
        assertTrue(
            f.startPosition() >= src.startPosition() && f.startPosition() < src.endPosition(),
            "start " + f.startPosition());
        // retention may delete a segment under the comparison: then compare from the new start
        for (int attempt = 0; ; attempt++) {
          final long from = Math.max(f.startPosition(), l.startPosition());
          final byte[] leaderBytes;
          final byte[] followerBytes;
          try {
            leaderBytes = bytes(l, from, src.endPosition());
            followerBytes = bytes(f, from, src.endPosition());
          } catch (final IOException gone) {
            assertTrue(attempt < 20, "retention keeps deleting: " + gone);
            continue;
          }
          assertArrayEquals(
              leaderBytes,
              followerBytes,
              "the follower holds the leader's bytes at the same positions");
          break;
        }
        assertEquals(expected, records(f, start));
        assertEquals(Map.of(0, 3990L), f.committedOffsets("g", "r"));
      }
      try (StorageEngine f = follower(fd)) {
        assertEquals(x, f.lastLogIndex());
        assertEquals(expected, records(f, start));
        assertEquals(Map.of(0, 3990L), f.committedOffsets("g", "r"));
      }
    }
  }

  @Test
  void shouldFinishAnInstallInterruptedAfterItsCopyWasDurable() throws Exception {
    try (StorageEngine l = leader()) {
      final long x = l.lastLogIndex();
      final ReplicatedLog.SnapshotSource src = l.snapshotSource(x);
      final long start = l.describeTopic("r").partitions().get(0).startOffset();
      final Path fd = dir.resolve("follower");
      final Path unfinished = dir.resolve("unfinished");
      try (StorageEngine f = follower(fd)) {
        final SnapshotStage in = (SnapshotStage) begin(f, src);
        stream(l, src, in, 64 * 1024);
        in.makeDurable(); // the node dies before the writer swaps the files in
      }
      try (StorageEngine f = follower(fd)) {
        assertEquals(x, f.lastLogIndex(), "recovery finished the install");
        assertEquals(records(l, start), records(f, start));
      }
      // negative control: a copy that never became durable (no READY) is dropped, the old log
      // stays
      try (StorageEngine f = follower(unfinished)) {
        final ReplicatedLog.SnapshotInstall in = begin(f, src);
        stream(l, src, in, 64 * 1024);
      }
      try (StorageEngine f = follower(unfinished)) {
        assertEquals(0, f.lastLogIndex());
        assertFalse(Files.exists(unfinished.resolve("shard-0").resolve(SnapshotStage.DIR)));
      }
    }
  }
}
