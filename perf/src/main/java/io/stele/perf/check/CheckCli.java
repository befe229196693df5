package io.stele.perf.check;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * Re-checks dumped NDJSON files: {@code CheckCli <history.ndjson> <replicas.ndjson>
 * [maxDetailsPerType]}. Prints the summary line, then one line per anomaly; exits 0 when clean, 1
 * on anomalies, 2 on bad usage or unreadable input.
 */
public final class CheckCli {
  private CheckCli() {}

  /** Entry point. */
  public static void main(final String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs the check and returns the exit code. */
  public static int run(final String[] args, final PrintStream out, final PrintStream err) {
    if (args.length < 2 || args.length > 3) {
      err.println("usage: CheckCli <history.ndjson> <replicas.ndjson> [maxDetailsPerType]");
      return 2;
    }
    final List<Op> history;
    final List<ReplicaLog> replicas;
    final int max;
    try {
      max = args.length == 3 ? Integer.parseInt(args[2]) : Checker.DEFAULT_MAX_DETAILS_PER_TYPE;
      history = HistoryIo.readOps(Path.of(args[0]));
      replicas = HistoryIo.readReplicas(Path.of(args[1]));
    } catch (final IOException | NumberFormatException e) {
      err.println("check: " + e.getMessage());
      return 2;
    }
    final Report report = Checker.check(history, replicas, max);
    out.println(report.summary());
    for (final Anomaly a : report.anomalies()) {
      out.println(a);
    }
    return report.clean() ? 0 : 1;
  }
}
