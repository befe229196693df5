package io.stele.perf;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code stele bench report}: result files to one static HTML page (inline SVG, no scripts, no
 * network) and a Markdown summary. Plots: the latency percentile spectrum of each result on log
 * scales, achieved against offered throughput over the steps of sweeps and searches, and records
 * per flush where the target reported them.
 */
final class Report {
  private static final String[] COLORS = {
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"
  };
  private static final String[] PERCENTILE_LABELS = {
    "0%", "90%", "99%", "99.9%", "99.99%", "99.999%"
  };
  private static final int W = 760;
  private static final int H = 380;
  private static final int ML = 70;
  private static final int MR = 20;
  private static final int MT = 20;
  private static final int MB = 50;

  private Report() {}

  static int run(final String[] args, final PrintStream out, final PrintStream err) {
    final List<Path> inputs = new ArrayList<>();
    String outDir = null;
    String title = "Stele benchmark report";
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--out") && i + 1 < args.length) {
        outDir = args[++i];
      } else if (args[i].equals("--title") && i + 1 < args.length) {
        title = args[++i];
      } else if (args[i].startsWith("--")) {
        err.println("stele bench report: unknown option " + args[i]);
        return 2;
      } else {
        inputs.add(Path.of(args[i]));
      }
    }
    if (inputs.isEmpty() || outDir == null) {
      err.println("usage: stele bench report RESULT.json... --out DIR [--title TEXT]");
      return 2;
    }
    try {
      final List<Map<String, Object>> results = new ArrayList<>();
      for (final Path p : inputs) {
        results.add(load(p));
      }
      final Path dir = Path.of(outDir);
      Files.createDirectories(dir);
      Files.writeString(dir.resolve("report.html"), html(title, results), StandardCharsets.UTF_8);
      Files.writeString(dir.resolve("report.md"), markdown(results), StandardCharsets.UTF_8);
      out.println("report: " + dir.resolve("report.html") + " and " + dir.resolve("report.md"));
      return 0;
    } catch (final IOException | RuntimeException e) {
      err.println("stele bench report: " + e.getMessage());
      return 1;
    }
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> load(final Path p) throws IOException {
    final Object v = Json.parse(Files.readString(p, StandardCharsets.UTF_8));
    if (!(v instanceof Map) || !"stele-bench".equals(((Map<String, Object>) v).get("tool"))) {
      throw new IllegalArgumentException(p + " is not a stele bench result");
    }
    return (Map<String, Object>) v;
  }

  // ---------------------------------------------------------------------------------------------

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(final Object o, final String key) {
    final Object v = o instanceof Map ? ((Map<String, Object>) o).get(key) : null;
    return v instanceof Map ? (Map<String, Object>) v : Map.of();
  }

  @SuppressWarnings("unchecked")
  static List<Object> list(final Object o, final String key) {
    final Object v = o instanceof Map ? ((Map<String, Object>) o).get(key) : null;
    return v instanceof List ? (List<Object>) v : List.of();
  }

  static double num(final Object o, final String key) {
    final Object v = o instanceof Map ? ((Map<?, ?>) o).get(key) : null;
    return v instanceof Number ? ((Number) v).doubleValue() : Double.NaN;
  }

  /** The step that sums a result up: the one named by its summary, else the last. */
  static Map<String, Object> summaryStep(final Map<String, Object> r) {
    final List<Object> steps = list(r, "steps");
    final double want = num(map(r, "summary"), "step");
    for (final Object s : steps) {
      if (num(s, "step") == want) {
        return map(Map.of("s", s), "s");
      }
    }
    return steps.isEmpty() ? Map.of() : map(Map.of("s", steps.get(steps.size() - 1)), "s");
  }

  static String label(final Map<String, Object> r) {
    final Map<String, Object> in = map(r, "inputs");
    final StringBuilder sb =
        new StringBuilder().append(r.get("name")).append(' ').append(r.get("scenario"));
    if (num(in, "batch") > 1) {
      sb.append(" batch ").append(fmt(num(in, "batch")));
    }
    sb.append(" c").append(fmt(num(in, "connections")));
    if (num(in, "pipeline") > 1) {
      sb.append(" p").append(fmt(num(in, "pipeline")));
    }
    return sb.toString();
  }

  private static String fmt(final double v) {
    if (Double.isNaN(v)) {
      return "–";
    }
    if (Math.abs(v) >= 100 || v == Math.rint(v)) {
      return String.format(Locale.ROOT, "%,.0f", v);
    }
    return String.format(Locale.ROOT, "%.3g", v);
  }

  private static String ms(final double v) {
    return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.3f", v);
  }

  // ---------------------------------------------------------------------------------------------

  static String markdown(final List<Map<String, Object>> results) {
    final StringBuilder sb = new StringBuilder();
    sb.append(
        "| system / scenario | offered/s | achieved req/s | records/s | p50 ms | p99 ms | p99.9"
            + " ms | max ms | errors | records/flush |\n");
    sb.append("|---|---|---|---|---|---|---|---|---|---|\n");
    for (final Map<String, Object> r : results) {
      final Map<String, Object> s = summaryStep(r);
      final Map<String, Object> lat = map(s, "latency_ms");
      sb.append("| ")
          .append(label(r))
          .append(" | ")
          .append(
              Double.isNaN(num(s, "offered_rate")) ? "closed loop" : fmt(num(s, "offered_rate")))
          .append(" | ")
          .append(fmt(num(s, "achieved_rate")))
          .append(" | ")
          .append(fmt(num(s, "records_per_s")))
          .append(" | ")
          .append(ms(num(lat, "p50")))
          .append(" | ")
          .append(ms(num(lat, "p99")))
          .append(" | ")
          .append(ms(num(lat, "p999")))
          .append(" | ")
          .append(ms(num(lat, "max")))
          .append(" | ")
          .append(fmt(num(s, "errors")))
          .append(" | ")
          .append(fmt(num(s, "records_per_flush")))
          .append(" |\n");
      for (final String g : List.of("consume", "delivery")) {
        final Map<String, Object> gm = map(s, g);
        if (!gm.isEmpty()) {
          final Map<String, Object> gl = map(gm, "latency_ms");
          sb.append("| ↳ ")
              .append(g)
              .append(" | | ")
              .append(fmt(num(gm, "requests_per_s")))
              .append(" | ")
              .append(fmt(num(gm, "records_per_s")))
              .append(" | ")
              .append(ms(num(gl, "p50")))
              .append(" | ")
              .append(ms(num(gl, "p99")))
              .append(" | ")
              .append(ms(num(gl, "p999")))
              .append(" | ")
              .append(ms(num(gl, "max")))
              .append(" | ")
              .append(fmt(num(gm, "errors")))
              .append(" | |\n");
        }
      }
    }
    sb.append("\nLatency is measured from each request's intended send time (open loop, ")
        .append("coordinated-omission corrected).\n\n");
    for (final Map<String, Object> r : results) {
      final Map<String, Object> m = map(r, "machine");
      sb.append("- `")
          .append(label(r))
          .append("`: ")
          .append(r.get("date"))
          .append(", ")
          .append(fmt(num(m, "cores")))
          .append(" cores, ")
          .append(m.get("jdk"))
          .append(", client ")
          .append(m.get("client_transport"))
          .append(", load average at start ")
          .append(m.get("loadavg_at_start"))
          .append(", args `")
          .append(argsOf(r))
          .append("`\n");
    }
    return sb.toString();
  }

  private static String argsOf(final Map<String, Object> r) {
    final StringBuilder sb = new StringBuilder("stele bench");
    for (final Map.Entry<String, Object> e : map(map(r, "inputs"), "args").entrySet()) {
      sb.append(" --").append(e.getKey());
      if (!"true".equals(e.getValue())) {
        sb.append(' ').append(e.getValue());
      }
    }
    return sb.toString();
  }

  // ---------------------------------------------------------------------------------------------

  static String html(final String title, final List<Map<String, Object>> results) {
    final StringBuilder sb = new StringBuilder();
    sb.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<title>")
        .append(esc(title))
        .append("</title><style>")
        .append("body{font:14px/1.4 system-ui,sans-serif;margin:24px;max-width:1000px;color:#222}")
        .append("table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ccc;")
        .append("padding:3px 6px;text-align:right}td:first-child,th:first-child{text-align:left}")
        .append("svg{background:#fff;border:1px solid #ddd;margin:8px 0}")
        .append(".axis{stroke:#444}.grid{stroke:#eee}text{font-size:11px;fill:#333}")
        .append("code{font-size:12px}</style></head><body>\n")
        .append("<h1>")
        .append(esc(title))
        .append("</h1>\n<p>Open-loop constant-rate load; latency from each request's intended ")
        .append("send time (coordinated omission corrected), HdrHistogram.</p>\n");
    sb.append("<h2>Summary</h2>\n").append(mdTableToHtml(markdown(results)));
    sb.append("<h2>Latency percentile spectrum</h2>\n").append(spectrumSvg(results));
    final String sweep = throughputSvg(results);
    if (!sweep.isEmpty()) {
      sb.append("<h2>Throughput against offered load</h2>\n").append(sweep);
    }
    final String flush = flushSvg(results);
    if (!flush.isEmpty()) {
      sb.append("<h2>Records per flush</h2>\n").append(flush);
    }
    sb.append("<h2>Runs</h2>\n<ul>\n");
    for (final Map<String, Object> r : results) {
      final Map<String, Object> m = map(r, "machine");
      sb.append("<li><b>")
          .append(esc(label(r)))
          .append("</b>: ")
          .append(esc(String.valueOf(r.get("date"))))
          .append(", ")
          .append(fmt(num(m, "cores")))
          .append(" cores, ")
          .append(esc(String.valueOf(m.get("jdk"))))
          .append(", client ")
          .append(esc(String.valueOf(m.get("client_transport"))))
          .append(", load at start ")
          .append(esc(String.valueOf(m.get("loadavg_at_start"))))
          .append("<br><code>")
          .append(esc(argsOf(r)))
          .append("</code></li>\n");
    }
    sb.append("</ul>\n</body></html>\n");
    return sb.toString();
  }

  private static String mdTableToHtml(final String md) {
    final StringBuilder sb = new StringBuilder("<table>\n");
    boolean header = true;
    for (final String line : md.split("\n")) {
      if (!line.startsWith("|")) {
        continue;
      }
      if (line.startsWith("|---")) {
        continue;
      }
      final String[] cells = line.substring(1, line.length() - 1).split("\\|", -1);
      sb.append("<tr>");
      for (final String cell : cells) {
        sb.append(header ? "<th>" : "<td>")
            .append(esc(cell.trim()))
            .append(header ? "</th>" : "</td>");
      }
      sb.append("</tr>\n");
      header = false;
    }
    return sb.append("</table>\n").toString();
  }

  /** One line per result: x = percentile on a log(1/(1-p)) scale, y = latency on a log scale. */
  static String spectrumSvg(final List<Map<String, Object>> results) {
    final List<String> names = new ArrayList<>();
    final List<List<double[]>> series = new ArrayList<>();
    for (final Map<String, Object> r : results) {
      final Map<String, Object> s = summaryStep(r);
      addSpectrum(names, series, label(r), list(s, "spectrum_ms"));
      final Map<String, Object> d = map(s, "delivery");
      if (!d.isEmpty()) {
        addSpectrum(names, series, label(r) + " delivery", list(d, "spectrum_ms"));
      }
    }
    double yMin = Double.MAX_VALUE;
    double yMax = 0;
    for (final List<double[]> pts : series) {
      for (final double[] p : pts) {
        yMin = Math.min(yMin, p[1]);
        yMax = Math.max(yMax, p[1]);
      }
    }
    if (yMax <= 0) {
      return "<p>(no latency samples)</p>\n";
    }
    final double lo = Math.floor(Math.log10(Math.max(yMin, 0.001)));
    final double hi = Math.ceil(Math.log10(yMax * 1.01));
    final double xMax = 5; // 99.999%
    final StringBuilder sb = svgOpen(names.size());
    for (int k = 0; k <= 5; k++) {
      final double x = ML + (W - ML - MR) * k / xMax;
      sb.append(line(x, MT, x, H - MB, "grid"));
      sb.append(text(x, H - MB + 16, PERCENTILE_LABELS[k], "middle"));
    }
    for (double d = lo; d <= hi + 1e-9; d++) {
      final double y = yLog(d, lo, hi);
      sb.append(line(ML, y, W - MR, y, "grid"));
      sb.append(text(ML - 6, y + 4, fmtMs(Math.pow(10, d)), "end"));
    }
    axes(sb, "percentile", "latency (ms, log)");
    for (int i = 0; i < series.size(); i++) {
      final StringBuilder pts = new StringBuilder();
      for (final double[] p : series.get(i)) {
        final double xv = Math.min(xMax, Math.log10(1 / Math.max(1e-7, 1 - p[0] / 100)));
        final double x = ML + (W - ML - MR) * xv / xMax;
        final double y = yLog(Math.log10(Math.max(p[1], Math.pow(10, lo))), lo, hi);
        pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
      }
      sb.append("<polyline fill=\"none\" stroke-width=\"2\" stroke=\"")
          .append(COLORS[i % COLORS.length])
          .append("\" points=\"")
          .append(pts)
          .append("\"/>\n");
    }
    legend(sb, names);
    return sb.append("</svg>\n").toString();
  }

  private static void addSpectrum(
      final List<String> names,
      final List<List<double[]>> series,
      final String name,
      final List<Object> points) {
    final List<double[]> pts = new ArrayList<>();
    for (final Object o : points) {
      if (o instanceof List && ((List<?>) o).size() == 2) {
        final List<?> l = (List<?>) o;
        pts.add(
            new double[] {((Number) l.get(0)).doubleValue(), ((Number) l.get(1)).doubleValue()});
      }
    }
    if (!pts.isEmpty()) {
      names.add(name);
      series.add(pts);
    }
  }

  /** Achieved against offered request rate, one line per result that has offered rates. */
  static String throughputSvg(final List<Map<String, Object>> results) {
    final List<String> names = new ArrayList<>();
    final List<List<double[]>> series = new ArrayList<>();
    double max = 0;
    for (final Map<String, Object> r : results) {
      final List<double[]> pts = new ArrayList<>();
      for (final Object s : list(r, "steps")) {
        final double offered = num(s, "offered_rate");
        final double achieved = num(s, "achieved_rate");
        if (!Double.isNaN(offered) && !Double.isNaN(achieved)) {
          pts.add(new double[] {offered, achieved});
          max = Math.max(max, Math.max(offered, achieved));
        }
      }
      if (!pts.isEmpty()) {
        names.add(label(r) + " (due in window, answered)");
        series.add(pts);
        final List<double[]> answered = new ArrayList<>();
        for (final Object s : list(r, "steps")) {
          final double offered = num(s, "offered_rate");
          final double completed = num(s, "completed_rate");
          if (!Double.isNaN(offered) && !Double.isNaN(completed)) {
            answered.add(new double[] {offered, completed});
            max = Math.max(max, completed);
          }
        }
        if (!answered.isEmpty()) {
          names.add(label(r) + " (all answers in window)");
          series.add(answered);
        }
      }
    }
    if (series.isEmpty() || max <= 0) {
      return "";
    }
    final double top = niceCeil(max);
    final StringBuilder sb = svgOpen(names.size());
    for (int k = 0; k <= 5; k++) {
      final double v = top * k / 5;
      final double x = ML + (W - ML - MR) * v / top;
      final double y = H - MB - (H - MT - MB) * v / top;
      sb.append(line(x, MT, x, H - MB, "grid")).append(line(ML, y, W - MR, y, "grid"));
      sb.append(text(x, H - MB + 16, fmt(v), "middle")).append(text(ML - 6, y + 4, fmt(v), "end"));
    }
    sb.append(
        String.format(
            Locale.ROOT,
            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\" stroke-dasharray=\"4 4\"/>\n",
            ML,
            H - MB,
            W - MR,
            MT));
    axes(sb, "offered requests/s", "achieved requests/s");
    for (int i = 0; i < series.size(); i++) {
      final StringBuilder pts = new StringBuilder();
      for (final double[] p : series.get(i)) {
        final double x = ML + (W - ML - MR) * p[0] / top;
        final double y = H - MB - (H - MT - MB) * p[1] / top;
        pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
        sb.append(
            String.format(
                Locale.ROOT,
                "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>\n",
                x,
                y,
                COLORS[i % COLORS.length]));
      }
      sb.append("<polyline fill=\"none\" stroke-width=\"2\" stroke=\"")
          .append(COLORS[i % COLORS.length])
          .append("\" points=\"")
          .append(pts)
          .append("\"/>\n");
    }
    legend(sb, names);
    return sb.append("</svg>\n").toString();
  }

  /** Horizontal bars: records per flush of each result that reported it. */
  static String flushSvg(final List<Map<String, Object>> results) {
    final Map<String, Double> bars = new LinkedHashMap<>();
    for (final Map<String, Object> r : results) {
      final double v = num(summaryStep(r), "records_per_flush");
      if (!Double.isNaN(v)) {
        bars.put(label(r), v);
      }
    }
    if (bars.isEmpty()) {
      return "";
    }
    final double top = niceCeil(bars.values().stream().mapToDouble(d -> d).max().orElse(1));
    final int rowH = 26;
    final int h = MT + rowH * bars.size() + 30;
    final StringBuilder sb =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\">\n",
                W,
                h));
    int i = 0;
    for (final Map.Entry<String, Double> e : bars.entrySet()) {
      final double y = MT + rowH * i;
      final double w = (W - 260 - MR) * e.getValue() / top;
      sb.append(text(250, y + 16, e.getKey(), "end"));
      sb.append(
          String.format(
              Locale.ROOT,
              "<rect x=\"260\" y=\"%.1f\" width=\"%.1f\" height=\"18\" fill=\"%s\"/>\n",
              y + 2,
              Math.max(1, w),
              COLORS[i % COLORS.length]));
      sb.append(text(264 + w, y + 16, fmt(e.getValue()), "start"));
      i++;
    }
    return sb.append("</svg>\n").toString();
  }

  // ---------------------------------------------------------------------------------------------

  /** An SVG of the plot's size plus one legend row per series under it. */
  private static StringBuilder svgOpen(final int legendRows) {
    return new StringBuilder(
        String.format(
            Locale.ROOT,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\">\n",
            W,
            H + 8 + 16 * legendRows));
  }

  private static void axes(final StringBuilder sb, final String x, final String y) {
    sb.append(line(ML, H - MB, W - MR, H - MB, "axis")).append(line(ML, MT, ML, H - MB, "axis"));
    sb.append(text((ML + W - MR) / 2.0, H - 12, x, "middle"));
    sb.append(
        String.format(
            Locale.ROOT,
            "<text x=\"14\" y=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 14 %d)\">%s</text>\n",
            (MT + H - MB) / 2,
            (MT + H - MB) / 2,
            esc(y)));
  }

  private static void legend(final StringBuilder sb, final List<String> names) {
    for (int i = 0; i < names.size(); i++) {
      final double y = H + 12 + 16 * i; // under the plot, so it never hides a line
      sb.append(
          String.format(
              Locale.ROOT,
              "<rect x=\"%d\" y=\"%.1f\" width=\"12\" height=\"4\" fill=\"%s\"/>\n",
              ML + 10,
              y - 4,
              COLORS[i % COLORS.length]));
      sb.append(text(ML + 28, y + 1, names.get(i), "start"));
    }
  }

  private static double yLog(final double log, final double lo, final double hi) {
    return H - MB - (H - MT - MB) * (log - lo) / Math.max(1e-9, hi - lo);
  }

  private static double niceCeil(final double v) {
    final double p = Math.pow(10, Math.floor(Math.log10(v)));
    for (final double m : new double[] {1, 2, 2.5, 5, 10}) {
      if (m * p >= v) {
        return m * p;
      }
    }
    return 10 * p;
  }

  private static String fmtMs(final double v) {
    return v >= 1 ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%.3g", v);
  }

  private static String line(
      final double x1, final double y1, final double x2, final double y2, final String cls) {
    return String.format(
        Locale.ROOT,
        "<line class=\"%s\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
        cls,
        x1,
        y1,
        x2,
        y2);
  }

  private static String text(final double x, final double y, final String s, final String anchor) {
    return String.format(
        Locale.ROOT,
        "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">%s</text>\n",
        x,
        y,
        anchor,
        esc(s));
  }

  static String esc(final String s) {
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }
}
