package io.stele.engine.internal;

import static io.stele.engine.EngineFixture.append;
import static io.stele.engine.EngineFixture.create;
import static io.stele.engine.EngineFixture.readAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stele.engine.AppendRequest;
import io.stele.engine.AppendStatus;
import io.stele.engine.Completions;
import io.stele.engine.Durability;
import io.stele.engine.EngineFixture;
import io.stele.engine.format.BatchDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReplicatedLogTest {
  @TempDir Path dir;

  private static List<String> values(final StorageEngine e, final int p) {
    return readAll(e, "t", p, 0, 10_000).stream().map(EngineFixture.Rec::value).toList();
  }

  @Test
  void shouldTruncateAfterALogIndexAndContinueFromThere() throws Exception {
    final Path data = dir.resolve("a");
    try (StorageEngine e = EngineFixture.open(data)) {
      create(e, "t", 2);
      final AppendRequest r = new AppendRequest(4);
      final Completions c = new Completions();
      for (int i = 0; i < 30; i++) {
        append(e, r, c, "t", i % 2, Durability.LOCAL, i, "v" + i);
        assertEquals(AppendStatus.OK, c.next().status());
      }
      assertEquals(31, e.lastLogIndex());
      // Keep the create batch and 10 data batches (v0..v9): 5 per partition.
      e.truncateAfter(11).get(10, TimeUnit.SECONDS);
      assertEquals(11, e.lastLogIndex());
      assertEquals(List.of("v0", "v2", "v4", "v6", "v8"), values(e, 0));
      assertEquals(List.of("v1", "v3", "v5", "v7", "v9"), values(e, 1));
      assertEquals(5, e.describeTopic("t").partitions().get(0).endOffset());
      append(e, r, c, "t", 0, Durability.LOCAL, 99, "after");
      final Completions.Done d = c.next();
      assertEquals(AppendStatus.OK, d.status());
      assertEquals(5, d.baseOffset());
      assertEquals(12, e.lastLogIndex());
    }
    try (StorageEngine e = EngineFixture.open(data)) {
      assertEquals(List.of("v0", "v2", "v4", "v6", "v8", "after"), values(e, 0));
      assertEquals(List.of("v1", "v3", "v5", "v7", "v9"), values(e, 1));
      assertEquals(12, e.lastLogIndex());
    }
  }

  @Test
  void shouldAppendLeaderBatchesByteForByteAndRejectCorruptOnes() throws Exception {
    final Path leader = dir.resolve("leader");
    try (StorageEngine e = EngineFixture.open(leader)) {
      create(e, "t", 2);
      final AppendRequest r = new AppendRequest(4);
      final Completions c = new Completions();
      for (int i = 0; i < 20; i++) {
        append(e, r, c, "t", i % 2, Durability.LOCAL, i, "v" + i, "w" + i);
        assertEquals(AppendStatus.OK, c.next().status());
      }
    }
    final byte[] seg =
        Files.readAllBytes(leader.resolve("shard-0").resolve("00000000000000000000.open"));
    final UnsafeBuffer b = new UnsafeBuffer(seg);
    int end = 0;
    int tenth = 0;
    int batches = 0;
    while (BatchDescriptor.length(b, end) != 0) {
      end += BatchDescriptor.alignedLength(BatchDescriptor.length(b, end));
      if (++batches == 10) {
        tenth = end;
      }
    }
    final int tenthEnd = tenth;
    final int logEnd = end;
    try (StorageEngine f = EngineFixture.open(dir.resolve("follower"))) {
      assertEquals(10L, f.appendEncoded(b, 0, tenthEnd).get(10, TimeUnit.SECONDS));
      // A gap in log indexes is refused.
      final ExecutionException gap =
          assertThrows(
              ExecutionException.class,
              () ->
                  f.appendEncoded(b, tenthEnd + 88, logEnd - tenthEnd - 88)
                      .get(10, TimeUnit.SECONDS));
      assertTrue(gap.getCause() instanceof IllegalArgumentException, gap.toString());
      // A flipped bit is refused.
      final byte[] bad = seg.clone();
      bad[tenthEnd + 100] ^= 1;
      assertThrows(
          ExecutionException.class,
          () ->
              f.appendEncoded(new UnsafeBuffer(bad), tenthEnd, logEnd - tenthEnd)
                  .get(10, TimeUnit.SECONDS));
      assertEquals(10, f.lastLogIndex());
      assertEquals(21L, f.appendEncoded(b, tenthEnd, logEnd - tenthEnd).get(10, TimeUnit.SECONDS));
      try (StorageEngine e = EngineFixture.open(leader)) {
        assertEquals(values(e, 0), values(f, 0));
        assertEquals(values(e, 1), values(f, 1));
      }
    }
    final byte[] copy =
        Files.readAllBytes(
            dir.resolve("follower").resolve("shard-0").resolve("00000000000000000000.open"));
    for (int i = 0; i < end; i++) {
      assertEquals(seg[i], copy[i], "byte " + i + " differs: the follower's log is the leader's");
    }
  }
}
