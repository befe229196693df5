package io.stele.engine.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stele.engine.AppendRequest;
import io.stele.engine.AppendStatus;
import io.stele.engine.Completions;
import io.stele.engine.Durability;
import io.stele.engine.EngineFixture;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A data directory written and cleanly closed by an engine with version 1 checkpoints (indexes
 * inline, entry by entry; test resource {@code v1-data}: topic "old" with 400 records in partition
 * 0, 2 in partition 1, group "g" at offset 123) opens with everything in it, takes appends, and its
 * next checkpoint is version 2.
 */
class CheckpointCompatibilityTest {
  @TempDir Path dir;

  @Test
  void shouldOpenAVersion1DataDirectoryAndMoveItToVersion2() throws Exception {
    copy(Path.of(getClass().getResource("/v1-data").toURI()), dir);
    final Path checkpoint = dir.resolve("shard-0").resolve(Checkpoints.CURRENT);
    assertEquals(1, version(checkpoint), "the fixture is a version 1 checkpoint");

    try (StorageEngine e = EngineFixture.open(dir)) {
      assertTrue(e.recoveredFromCheckpoint(), e.recoverySummary());
      assertEquals(0, e.recoveredTailBytes(), "closed cleanly: nothing after the checkpoint");
      assertOldRecords(e);
      assertEquals(Map.of(0, 123L), e.committedOffsets("g", "old"));
      final AppendRequest r = new AppendRequest(4);
      final Completions c = new Completions();
      assertEquals(
          AppendStatus.ACCEPTED,
          EngineFixture.append(e, r, c, "old", 0, Durability.LOCAL, 1, "new-400", "new-401"));
      assertEquals(AppendStatus.OK, c.next().status());
    }
    assertEquals(2, version(checkpoint), "the close wrote the current version");

    try (StorageEngine e = EngineFixture.open(dir)) {
      assertOldRecords(e);
      final List<EngineFixture.Rec> added = EngineFixture.readAll(e, "old", 0, 400, 10);
      assertEquals(2, added.size());
      assertEquals("new-401", added.get(1).value());
      assertEquals(Map.of(0, 123L), e.committedOffsets("g", "old"));
    }
  }

  private static void assertOldRecords(final StorageEngine e) {
    final List<EngineFixture.Rec> p0 = EngineFixture.readAll(e, "old", 0, 0, 1000);
    assertTrue(p0.size() >= 400, "partition 0 holds " + p0.size());
    for (int i = 0; i < 400; i++) {
      assertEquals(i, p0.get(i).offset());
      assertEquals(("v-" + i + "-").repeat(8), p0.get(i).value());
    }
    // a read from the middle goes through the restored index
    assertEquals(
        ("v-" + 257 + "-").repeat(8), EngineFixture.readAll(e, "old", 0, 257, 1).get(0).value());
    final List<EngineFixture.Rec> p1 = EngineFixture.readAll(e, "old", 1, 0, 10);
    assertEquals(List.of("p1-a", "p1-b"), p1.stream().map(EngineFixture.Rec::value).toList());
  }

  private static int version(final Path checkpoint) throws IOException {
    return ByteBuffer.wrap(Files.readAllBytes(checkpoint)).getInt(8);
  }

  private static void copy(final Path from, final Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (final Path p : (Iterable<Path>) files::iterator) {
        final Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }
}
