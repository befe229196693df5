package io.stele.server;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The {@code stele} command line: {@code serve}, {@code version}, {@code help}. */
public final class Main {
  private static final String USAGE =
      "usage: stele <command> [options]\n"
          + "\n"
          + "commands:\n"
          + "  serve      run a node (stele serve --help lists every setting)\n"
          + "  version    print the version\n"
          + "  help       print this help\n"
          + "\n"
          + "exit codes: 0 ok (also after SIGTERM/SIGINT), 1 fatal error, 2 bad usage or setting\n";

  private Main() {}

  public static void main(final String[] args) {
    System.exit(run(args, System.getenv(), System.out, System.err));
  }

  /** Runs a command and returns the process exit code. */
  static int run(
      final String[] args,
      final Map<String, String> env,
      final PrintStream out,
      final PrintStream err) {
    if (args.length == 0) {
      err.print(USAGE);
      return ExitCode.USAGE;
    }
    final List<String> rest = Arrays.asList(args).subList(1, args.length);
    switch (args[0]) {
      case "serve":
        return serve(rest, env, out, err);
      case "version":
      case "--version":
        out.println("stele " + Version.version());
        return ExitCode.OK;
      case "help":
      case "--help":
      case "-h":
        out.print(USAGE);
        return ExitCode.OK;
      default:
        err.println("stele: unknown command '" + args[0] + "' (try 'stele help')");
        return ExitCode.USAGE;
    }
  }

  private static int serve(
      final List<String> args,
      final Map<String, String> env,
      final PrintStream out,
      final PrintStream err) {
    if (args.contains("--help") || args.contains("-h")) {
      out.print("usage: stele serve [options]\n\n" + Configuration.help());
      return ExitCode.OK;
    }
    final Configuration config;
    try {
      config = Configuration.load(args, env);
    } catch (final ConfigException e) {
      err.println("stele: " + e.getMessage());
      return ExitCode.USAGE;
    }

    final CountDownLatch stop = new CountDownLatch(1);
    final Node node = new Node(config);
    try {
      node.start();
    } catch (final FatalException e) {
      err.println("stele: " + e.getMessage());
      return ExitCode.FATAL;
    }
    final Logger log = LoggerFactory.getLogger(Main.class);
    if (!Signals.install(
        signal -> {
          log.info("SIG{} received: shutting down", signal);
          stop.countDown();
        })) {
      Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "stele-shutdown"));
    }
    try {
      stop.await();
    } catch (final InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    node.close();
    log.info("stopped");
    return ExitCode.OK;
  }
}
