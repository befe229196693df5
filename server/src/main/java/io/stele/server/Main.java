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
          + "  check      verify a stopped node's data directory: stele check [--data-dir D]\n"
          + "  bench      load-generate against a node over HTTP (stele bench --help)\n"
          + "  cluster    run a local cluster on loopback: stele cluster local --nodes 3\n"
          + "  demo       kill the leader of a local cluster under load; verify nothing is lost\n"
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
      case "check":
        return check(rest, out, err);
      case "bench":
        return io.stele.perf.BenchCli.run(rest.toArray(new String[0]), out, err);
      case "cluster":
        return ClusterLocal.run(rest, out, err);
      case "demo":
        return Demo.run(rest, out, err);
      case "warmup": // bin/stele's class-data-sharing training run; not in the usage
        return Warmup.run(rest, out, err);
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

  /** Offline check of every batch CRC and index: 0 healthy, 1 damaged index, 2 corrupt log. */
  private static int check(final List<String> args, final PrintStream out, final PrintStream err) {
    String dir = "./data";
    for (int i = 0; i < args.size(); i++) {
      final String a = args.get(i);
      if (a.equals("--data-dir") && i + 1 < args.size()) {
        dir = args.get(++i);
      } else if (a.startsWith("--data-dir=")) {
        dir = a.substring("--data-dir=".length());
      } else if (a.equals("--help") || a.equals("-h")) {
        out.println(
            "usage: stele check [--data-dir D]   (exit 0 healthy, 1 damaged index, 2 corrupt)");
        return ExitCode.OK;
      } else {
        err.println("stele: unexpected argument '" + a + "' (usage: stele check [--data-dir D])");
        return ExitCode.USAGE;
      }
    }
    final java.nio.file.Path path = java.nio.file.Path.of(dir);
    if (!java.nio.file.Files.isDirectory(path)) {
      err.println("stele: no data directory " + path.toAbsolutePath().normalize());
      return ExitCode.USAGE;
    }
    try (DataDirectory locked = DataDirectory.open(dir)) {
      return io.stele.engine.tools.LogCheck.run(locked.path(), out);
    } catch (final FatalException e) {
      err.println("stele: " + e.getMessage());
      return ExitCode.FATAL;
    } catch (final java.io.IOException e) {
      err.println("stele: " + e.getMessage());
      return ExitCode.FATAL;
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
    // The log's timestamps (simplelogger.properties, dateTimeFormat) load java.text's locale data
    // on first use: ~60 ms of a cold start. Do it on a second thread while the settings are read;
    // the logger then finds it loaded.
    final Thread localeInit =
        new Thread(
            () ->
                new java.text.SimpleDateFormat("yyyy-MM-dd'T'HH:mm:ss.SSSXXX")
                    .format(new java.util.Date()),
            "stele-locale-init");
    localeInit.setDaemon(true);
    localeInit.start();
    final Configuration config;
    final Node node;
    try {
      config = Configuration.load(args, env);
      node = new Node(config);
    } catch (final ConfigException e) {
      err.println("stele: " + e.getMessage());
      return ExitCode.USAGE;
    }

    final CountDownLatch stop = new CountDownLatch(1);
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
