package io.stele.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.util.ResourceLeakDetector;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generator against a stub target on loopback: rate holds, and a stall cannot hide. */
class LoadGeneratorTest {
  @TempDir Path dir;

  /**
   * A short throwaway run first: on a busy 2-core machine a cold JVM sends late for its first
   * seconds (the JIT competes with everything else), which is the generator's warm-up, not the
   * behaviour under test.
   */
  @BeforeAll
  static void warmUpTheJit() throws Exception {
    // The throwaway run keeps the build's paranoid leak detection; the timed runs below cannot
    // afford a stack trace per buffer on a shared 2-core machine.
    try (StubServer server = new StubServer()) {
      BenchCli.run(
          new String[] {
            "--url",
            "http://127.0.0.1:" + server.port(),
            "--scenario",
            "get",
            "--rate",
            "2000",
            "-c",
            "4",
            "--warmup",
            "0s",
            "--duration",
            "1500ms",
            "--transport",
            "nio",
            "--quiet"
          },
          new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
          System.err);
    }
    ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.SIMPLE);
  }

  private Map<String, Object> runBench(final String... args) throws Exception {
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();
    final int code =
        BenchCli.run(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(0, code, out + "\n" + err);
    final List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(p -> p.toString().endsWith(".json")).collect(Collectors.toList());
    }
    assertEquals(1, files.size(), files.toString());
    final Map<String, Object> result = Report.load(files.get(0));
    Files.delete(files.get(0));
    return result;
  }

  @Test
  void shouldHoldTheOfferedRate() throws Exception {
    try (StubServer server = new StubServer()) {
      final Map<String, Object> r =
          runBench(
              "--url",
              "http://127.0.0.1:" + server.port(),
              "--scenario",
              "get",
              "--rate",
              "2000",
              "-c",
              "4",
              "--warmup",
              "500ms",
              "--duration",
              "2s",
              "--transport",
              "nio",
              "--quiet",
              "--out",
              dir.toString());
      final Map<String, Object> step = Report.summaryStep(r);
      final double achieved = Report.num(step, "achieved_rate");
      assertEquals(2000, achieved, 100, "achieved rate");
      assertEquals(0.0, Report.num(step, "errors"));
      assertEquals(0.0, Report.num(step, "missed_sends"));
      // the inputs and the machine are recorded
      assertEquals(4.0, Report.num(Report.map(r, "inputs"), "connections"));
      assertTrue(Report.num(Report.map(r, "machine"), "cores") >= 1);
      assertFalse(Report.list(r, "hlog_files").isEmpty());
      assertTrue(Files.size(dir.resolve((String) Report.list(r, "hlog_files").get(0))) > 100);
    }
  }

  @Test
  void aStalledServerShouldShowAsHighCorrectedLatencyButNotUncorrected() throws Exception {
    try (StubServer server = new StubServer()) {
      final Thread staller =
          new Thread(
              () -> {
                try {
                  Thread.sleep(2500); // set-up + 1 s warm-up + ~1 s into the measurement
                  server.stallFor(800);
                } catch (final InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              });
      staller.start();
      final Map<String, Object> r =
          runBench(
              "--url",
              "http://127.0.0.1:" + server.port(),
              "--scenario",
              "get",
              "--rate",
              "1000",
              "-c",
              "2",
              "--warmup",
              "500ms",
              "--duration",
              "3s",
              "--transport",
              "nio",
              "--quiet",
              "--out",
              dir.toString());
      staller.join();
      final Map<String, Object> step = Report.summaryStep(r);
      final Map<String, Object> corrected = Report.map(step, "latency_ms");
      final Map<String, Object> uncorrected = Report.map(step, "uncorrected_latency_ms");
      // ~800 of ~3000 requests were due during the stall: a quarter of requests waited 0..800 ms.
      assertTrue(Report.num(corrected, "p90") > 200, "corrected p90 " + corrected);
      assertTrue(Report.num(corrected, "p99") > 600, "corrected p99 " + corrected);
      // Negative control: measured from the actual send, only the two requests caught in flight
      // saw the stall; it hides beyond p99 and only the max shows it.
      assertTrue(Report.num(uncorrected, "p99") < 200, "uncorrected p99 " + uncorrected);
      assertTrue(Report.num(uncorrected, "max") > 600, "uncorrected max " + uncorrected);
      // the open loop caught up: every due request was sent
      assertEquals(3000, Report.num(step, "requests"), 150);
    }
  }

  @Test
  void reportShouldRenderAnOfflinePage() throws Exception {
    final Map<String, Object> r;
    try (StubServer server = new StubServer()) {
      r =
          runBench(
              "--url",
              "http://127.0.0.1:" + server.port(),
              "--scenario",
              "get",
              "--rates",
              "500,1000",
              "-c",
              "2",
              "--warmup",
              "200ms",
              "--duration",
              "500ms",
              "--transport",
              "nio",
              "--quiet",
              "--out",
              dir.toString());
    }
    final Path json = dir.resolve("r.json");
    Files.writeString(json, Json.write(r));
    final Path out = dir.resolve("report");
    final int code =
        BenchCli.run(
            new String[] {"report", json.toString(), "--out", out.toString()},
            System.out,
            System.err);
    assertEquals(0, code);
    final String html = Files.readString(out.resolve("report.html"));
    assertTrue(html.contains("<polyline"), "has plots");
    assertTrue(html.contains("Throughput against offered load"));
    assertFalse(html.contains("<script"), "no scripts");
    assertFalse(html.contains("src="), "nothing fetched");
    assertFalse(html.contains("href="), "no links");
    final String md = Files.readString(out.resolve("report.md"));
    assertTrue(md.startsWith("| system / scenario |"), md);
    assertEquals(2, Report.list(r, "steps").size());
  }

  @Test
  void badUsageShouldExitWithTwo() {
    final ByteArrayOutputStream err = new ByteArrayOutputStream();
    final PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
    assertEquals(2, BenchCli.run(new String[] {"--rate", "fast"}, System.out, e));
    assertEquals(2, BenchCli.run(new String[] {"--bogus", "1"}, System.out, e));
    assertEquals(2, BenchCli.run(new String[] {"report"}, System.out, e));
  }
}
