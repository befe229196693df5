package io.stele.engine.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stele.engine.EngineFixture;
import io.stele.engine.tools.LogCheck;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogCheckTest {
  @TempDir Path dir;

  private static int check(final Path data, final StringBuilder text) {
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    final int code = LogCheck.run(data, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    text.append(bytes.toString(StandardCharsets.UTF_8));
    return code;
  }

  @Test
  void shouldPassAHealthyLogWrittenByTheEngine() throws Exception {
    try (var e = EngineFixture.open(dir)) {
      EngineFixture.create(e, "t", 1);
    }
    final StringBuilder out = new StringBuilder();
    assertEquals(0, check(dir, out), out.toString());
    assertTrue(out.toString().contains("result: OK"), out.toString());
  }

  @Test
  void shouldReportCorruptionBeforeTheDurablePointAndATornTailAfterIt() throws Exception {
    final LogImage img = LogImage.get();
    final byte[] seg = img.segment.clone();
    final LogImage.Batch b = img.batches.get(10);
    seg[(int) b.position() + 50] ^= 4;
    final Path shard = LogImage.write(dir, seg);
    StringBuilder out = new StringBuilder();
    assertEquals(0, check(dir, out), "no durable point: a torn tail\n" + out);
    assertTrue(out.toString().contains("torn tail at position " + b.position()), out.toString());

    LogImage.writeMark(shard, img.end());
    out = new StringBuilder();
    assertEquals(LogChecker.CORRUPT, check(dir, out), out.toString());
    assertTrue(out.toString().contains("position " + b.position()), out.toString());
  }

  @Test
  void shouldReportADamagedCheckpoint() throws Exception {
    try (var e = EngineFixture.open(dir)) {
      EngineFixture.create(e, "t", 1);
    }
    final Path ck = dir.resolve("shard-0").resolve(Checkpoints.CURRENT);
    final byte[] bytes = Files.readAllBytes(ck);
    bytes[bytes.length - 9] ^= 1;
    Files.write(ck, bytes);
    final StringBuilder out = new StringBuilder();
    assertEquals(LogChecker.DAMAGED_INDEX, check(dir, out), out.toString());
  }
}
