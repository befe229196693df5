package io.stele.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class JsonTest {

  @Test
  void shouldRoundTripAResultShapedDocument() {
    final Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", "st\"e\\le\n\u0001");
    m.put("rate", 12345.5);
    m.put("count", 7L);
    m.put("nan", Double.NaN);
    m.put("ok", true);
    m.put("none", null);
    m.put("points", List.of(List.of(50.0, 0.25), List.of(99.0, 1.5)));
    m.put("nested", Map.of("p99", 2.0));
    final Object back = Json.parse(Json.write(m));
    final Map<?, ?> b = (Map<?, ?>) back;
    assertEquals("st\"e\\le\n\u0001", b.get("name"));
    assertEquals(12345.5, b.get("rate"));
    assertEquals(7.0, b.get("count"));
    assertNull(b.get("nan"));
    assertTrue(b.containsKey("nan"));
    assertEquals(true, b.get("ok"));
    assertEquals(List.of(List.of(50.0, 0.25), List.of(99.0, 1.5)), b.get("points"));
    assertEquals(Map.of("p99", 2.0), b.get("nested"));
  }

  @Test
  void shouldRejectMalformedInput() {
    for (final String bad : Arrays.asList("{", "[1,]", "{\"a\" 1}", "tru", "1 2", "\"x")) {
      assertThrows(IllegalArgumentException.class, () -> Json.parse(bad), bad);
    }
  }

  @Test
  void latencySummaryShouldReportPercentilesInMilliseconds() {
    final Histogram h = new Histogram(LoadStats.HIGHEST_NS, 3);
    for (int i = 1; i <= 1000; i++) {
      h.recordValue(i * 1_000_000L); // 1..1000 ms
    }
    final Map<String, Object> lat = BenchRun.latency(h);
    assertEquals(1000L, lat.get("count"));
    assertEquals(500.0, (Double) lat.get("p50"), 1.0);
    assertEquals(990.0, (Double) lat.get("p99"), 1.0);
    assertEquals(999.0, (Double) lat.get("p999"), 1.0);
    assertEquals(1000.0, (Double) lat.get("max"), 1.0);
    final List<Object> spectrum = BenchRun.spectrum(h);
    assertTrue(spectrum.size() > 10);
    final List<?> last = (List<?>) spectrum.get(spectrum.size() - 1);
    assertEquals(100.0, (Double) last.get(0), 1e-9);
  }

  @Test
  void prometheusCountersShouldBeSummedOverLabels() {
    final String text =
        "# HELP stele_flushes_total x\nstele_flushes_total{shard=\"0\"} 10\n"
            + "stele_flushes_total{shard=\"1\"} 5\nstele_flushes_total_other 99\n";
    assertEquals(15.0, BenchRun.metric(text, "stele_flushes_total"));
    assertTrue(Double.isNaN(BenchRun.metric(text, "stele_flushed_records_total")));
  }
}
