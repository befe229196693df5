package io.stele.perf;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * {@code stele bench}: the entry point the launcher calls with the arguments after {@code bench}.
 *
 * <pre>
 *   stele bench [run] [options]                       a load run (see --help)
 *   stele bench report RESULT.json... --out DIR       report.html + report.md from result files
 * </pre>
 *
 * Exit codes: 0 done, 1 the run failed (target unreachable, I/O), 2 bad usage.
 */
public final class BenchCli {
  private BenchCli() {}

  /** Standalone use: {@code java -cp ... io.stele.perf.BenchCli ...}. */
  public static void main(final String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /**
   * Runs {@code stele bench} with the arguments that follow {@code bench}.
   *
   * @return the process exit code
   */
  public static int run(final String[] args, final PrintStream out, final PrintStream err) {
    if (args.length > 0
        && (args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help"))) {
      out.println(BenchConfig.USAGE);
      return 0;
    }
    if (args.length > 0 && args[0].equals("report")) {
      return Report.run(Arrays.copyOfRange(args, 1, args.length), out, err);
    }
    final String[] rest =
        args.length > 0 && args[0].equals("run") ? Arrays.copyOfRange(args, 1, args.length) : args;
    final BenchConfig config;
    try {
      config = BenchConfig.parse(rest);
    } catch (final IllegalArgumentException e) {
      err.println("stele bench: " + e.getMessage());
      err.println(BenchConfig.USAGE);
      return 2;
    }
    try {
      final BenchRun run = new BenchRun(config, out);
      final Map<String, Object> result = run.run();
      final String json = Json.write(result);
      if (config.outDir != null) {
        final Path dir = Path.of(config.outDir);
        Files.createDirectories(dir);
        final Path file = dir.resolve(run.resultFileName());
        Files.writeString(file, json, StandardCharsets.UTF_8);
        out.println("result: " + file);
      }
      return 0;
    } catch (final IllegalArgumentException e) {
      err.println("stele bench: " + e.getMessage());
      return 2;
    } catch (final InterruptedException e) {
      Thread.currentThread().interrupt();
      err.println("stele bench: interrupted");
      return 1;
    } catch (final Exception e) {
      err.println("stele bench: " + e);
      return 1;
    }
  }
}
