package io.stele.engine.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stele.engine.AppendRequest;
import io.stele.engine.AppendStatus;
import io.stele.engine.Completions;
import io.stele.engine.Durability;
import io.stele.engine.EngineFixture;
import io.stele.engine.Engines;
import io.stele.engine.log.Segment;
import io.stele.engine.tools.LogCheck;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * When the housekeeper has not finished pre-creating the next segment, the writer finishes that
 * file itself, and the log stays whole: every record reads back before and after a restart, the
 * segments are contiguous, nothing half-written is left behind.
 */
class SegmentPrecreationTest {
  private static final int SEGMENT = 2 * Housekeeper.CREATE_STEP_BYTES;
  private static final int RECORD = 1000;

  @TempDir Path dir;

  @Test
  void shouldFinishAHalfPreCreatedSegmentAndKeepTheLogWhole() throws Exception {
    final String value = "v".repeat(RECORD);
    long appended = 0;
    try (StorageEngine e = open()) {
      EngineFixture.create(e, "t", 1);
      awaitPrecreated(e, SEGMENT);
      // From here the housekeeper may write one piece of each segment it pre-creates.
      e.housekeeper.precreationStepsLeft = 1;
      appended += fill(e, value, appended, SEGMENT + SEGMENT / 4); // into the pre-created one
      assertEquals(0, e.metrics().segmentsCreatedByWriter(), "the first roll found it ready");
      appended += fill(e, value, appended, 2L * SEGMENT + SEGMENT / 4);
      assertEquals(
          1, e.metrics().segmentsCreatedByWriter(), "the second finished the housekeeper's half");
      e.housekeeper.precreationStepsLeft = Integer.MAX_VALUE;
      appended += fill(e, value, appended, 4L * SEGMENT + SEGMENT / 4);
      assertReadsBack(e, appended, value);
    }
    try (StorageEngine e = open()) {
      assertReadsBack(e, appended, value);
    }
    try (Stream<Path> files = Files.list(dir.resolve("shard-0"))) {
      final List<String> names =
          files
              .map(p -> p.getFileName().toString())
              .filter(n -> n.matches("\\d{20}\\..*"))
              .toList();
      assertTrue(names.stream().noneMatch(n -> n.endsWith(Segment.TMP_SUFFIX)), names.toString());
      final long[] bases =
          names.stream().mapToLong(n -> Long.parseLong(n.substring(0, 20))).sorted().toArray();
      for (int i = 0; i < bases.length; i++) {
        assertEquals(
            (long) i * SEGMENT, bases[i], "contiguous segments: " + Arrays.toString(bases));
      }
      assertTrue(bases.length >= 5, Arrays.toString(bases));
    }
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertEquals(
        0,
        LogCheck.run(dir, new PrintStream(out, true, StandardCharsets.UTF_8)),
        out.toString(StandardCharsets.UTF_8));
  }

  private StorageEngine open() throws Exception {
    return (StorageEngine) Engines.open(EngineFixture.small(dir).segmentBytes(SEGMENT).build());
  }

  private static void awaitPrecreated(final StorageEngine e, final long base) throws Exception {
    final long deadline = System.nanoTime() + 30_000_000_000L;
    while (true) {
      final Segment pre = e.log.precreated.get();
      if (pre != null && pre.basePosition() == base) {
        return;
      }
      assertTrue(System.nanoTime() < deadline, "segment at " + base + " never pre-created");
      Thread.sleep(5);
    }
  }

  /** Appends records with {@code memory} durability until the log passes {@code position}. */
  private static long fill(
      final StorageEngine e, final String value, final long first, final long position)
      throws Exception {
    final String[] values = new String[16];
    Arrays.fill(values, value);
    final AppendRequest r = new AppendRequest(values.length);
    final Completions c = new Completions();
    long n = 0;
    while (e.log.appendPosition.get() < position) {
      assertEquals(
          AppendStatus.ACCEPTED,
          EngineFixture.append(e, r, c, "t", 0, Durability.MEMORY, n, values));
      final Completions.Done d = c.next();
      assertEquals(AppendStatus.OK, d.status());
      assertEquals(first + n, d.baseOffset());
      n += values.length;
    }
    return n;
  }

  private static void assertReadsBack(final StorageEngine e, final long count, final String value) {
    EngineFixture.assertReadsBack(e, "t", 0, count, offset -> value);
  }
}
