package io.stele.engine.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stele.engine.AppendRequest;
import io.stele.engine.AppendStatus;
import io.stele.engine.Completions;
import io.stele.engine.Durability;
import io.stele.engine.EngineFixture;
import io.stele.engine.Engines;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recovery costs O(tail since the last checkpoint), not O(log): a copy of a running engine's
 * directory (what a SIGKILL leaves: no final checkpoint) holding about 4 MiB of log recovers from a
 * periodic checkpoint and replays only the bytes after it.
 */
class CheckpointTailTest {
  @TempDir Path dir;

  @Test
  void shouldReplayOnlyTheTailAfterThePeriodicCheckpoint() throws Exception {
    final Path live = dir.resolve("live");
    final long interval = 256 * 1024;
    try (StorageEngine e =
        (StorageEngine)
            Engines.open(
                EngineFixture.small(live)
                    .segmentBytes(1 << 20)
                    .checkpointIntervalBytes(interval)
                    .build())) {
      EngineFixture.create(e, "t", 1);
      final AppendRequest r = new AppendRequest(16);
      final Completions c = new Completions();
      final String[] values = new String[10];
      java.util.Arrays.fill(values, "x".repeat(1000));
      for (int i = 0; i < 400; i++) {
        assertEquals(
            AppendStatus.ACCEPTED,
            EngineFixture.append(e, r, c, "t", 0, Durability.LOCAL, i, values));
        assertEquals(AppendStatus.OK, c.next().status());
      }
      final long end = e.appendPosition();
      assertTrue(end > 4_000_000, "log of about 4 MB: " + end);
      // Wait (bounded) until the housekeeper has written the checkpoint for the last interval.
      final long deadline = System.nanoTime() + 10_000_000_000L;
      long ckpt = -1;
      while (System.nanoTime() - deadline < 0) {
        final var restored =
            Checkpoints.readLatest(live.resolve("shard-0"), 512, new StringBuilder());
        ckpt = restored == null ? -1 : restored.position();
        if (ckpt >= end - interval - 200_000) {
          break;
        }
        Thread.sleep(10); // polling a file written by another thread, bounded by the deadline
      }
      assertTrue(ckpt >= end - interval - 200_000, "checkpoint at " + ckpt + ", end " + end);
      // The crash image: the files as they are now, no clean shutdown.
      final Path copy = dir.resolve("copy").resolve("shard-0");
      Files.createDirectories(copy);
      try (Stream<Path> s = Files.list(live.resolve("shard-0"))) {
        for (final Path f : s.toList()) {
          try {
            Files.copy(f, copy.resolve(f.getFileName()));
          } catch (final java.nio.file.NoSuchFileException gone) {
            // a temp file the housekeeper renamed or deleted since the listing
          }
        }
      }
    }
    try (StorageEngine e = EngineFixture.open(dir.resolve("copy"))) {
      assertTrue(e.recoveredFromCheckpoint(), e.recoverySummary());
      assertTrue(
          e.recoveredTailBytes() < interval + 200_000,
          "replayed " + e.recoveredTailBytes() + " bytes of a " + e.appendPosition() + "-byte log");
      assertEquals(4000, e.describeTopic("t").partitions().get(0).endOffset());
      assertEquals(3999, EngineFixture.readAll(e, "t", 0, 3999, 1).get(0).offset());
    }
  }
}
