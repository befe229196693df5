package io.stele.engine.tools;

import io.stele.engine.internal.LogChecker;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * {@code stele check --data-dir D}: verifies every batch CRC, the log's continuity, the checkpoints
 * and their index entries, without changing anything. Run it on a stopped node.
 */
public final class LogCheck {
  private LogCheck() {}

  /**
   * Checks a data directory and prints a summary.
   *
   * @return 0 healthy, 1 damaged checkpoint or index (recovery rebuilds it), 2 corrupt log
   */
  public static int run(final Path dataDir, final PrintStream out) {
    return LogChecker.check(dataDir, out);
  }

  public static void main(final String[] args) {
    if (args.length != 1) {
      System.err.println("usage: LogCheck DATA_DIR");
      System.exit(64);
    }
    System.exit(run(Path.of(args[0]), System.out));
  }
}
