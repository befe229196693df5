package io.stele.server;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code stele cluster local --nodes 3}: starts a cluster of child {@code stele serve} processes on
 * loopback (HTTP ports from {@code --base-port}, peer ports 100 above), each with its own data
 * directory and log file under {@code --dir}, prints their addresses, and stops them on
 * SIGTERM/SIGINT. For trying a cluster out and for tests.
 */
final class ClusterLocal {
  static final String USAGE =
      "usage: stele cluster local [--nodes 3] [--base-port 7071] [--dir ./cluster]"
          + " [serve options...]\n"
          + "  starts N nodes on 127.0.0.1: node i has HTTP port base+i-1, peer port base+i+99,\n"
          + "  data in DIR/node-i, output in DIR/node-i.log; stops them on SIGTERM/SIGINT\n";

  private ClusterLocal() {}

  static int run(final List<String> args, final PrintStream out, final PrintStream err) {
    if (args.isEmpty() || !args.get(0).equals("local") || args.contains("--help")) {
      (args.contains("--help") ? out : err).print(USAGE);
      return args.contains("--help") ? ExitCode.OK : ExitCode.USAGE;
    }
    int nodes = 3;
    int basePort = 7071;
    Path dir = Path.of("cluster");
    final List<String> extra = new ArrayList<>();
    try {
      for (int i = 1; i < args.size(); i++) {
        final String a = args.get(i);
        if (a.equals("--nodes") && i + 1 < args.size()) {
          nodes = Integer.parseInt(args.get(++i));
        } else if (a.equals("--base-port") && i + 1 < args.size()) {
          basePort = Integer.parseInt(args.get(++i));
        } else if (a.equals("--dir") && i + 1 < args.size()) {
          dir = Path.of(args.get(++i));
        } else {
          extra.add(a);
        }
      }
    } catch (final NumberFormatException e) {
      err.println("stele: " + e.getMessage() + "\n" + USAGE);
      return ExitCode.USAGE;
    }
    if (nodes < 1 || nodes > 9 || nodes % 2 == 0 || basePort < 1 || basePort + nodes + 99 > 65535) {
      err.println("stele: --nodes must be odd, 1..9, and the ports must fit\n" + USAGE);
      return ExitCode.USAGE;
    }
    final String peers = loopbackPeers(nodes, basePort);
    final List<Process> children = new ArrayList<>();
    try {
      Files.createDirectories(dir);
      for (int n = 1; n <= nodes; n++) {
        final List<String> cmd = new ArrayList<>(javaCommand());
        cmd.addAll(
            List.of(
                "serve",
                "--node-id",
                Integer.toString(n),
                "--peers",
                peers,
                "--port",
                Integer.toString(basePort + n - 1),
                "--data-dir",
                dir.resolve("node-" + n).toString()));
        cmd.addAll(extra);
        final Path log = dir.resolve("node-" + n + ".log");
        children.add(
            new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(java.lang.ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start());
        out.println(
            "node "
                + n
                + ": http://127.0.0.1:"
                + (basePort + n - 1)
                + " (pid "
                + children.get(n - 1).pid()
                + ", log "
                + log
                + ")");
      }
    } catch (final IOException e) {
      err.println("stele: cannot start the cluster: " + e.getMessage());
      stopAll(children);
      return ExitCode.FATAL;
    }
    out.println("peers: " + peers);
    out.println("cluster status: curl -s http://127.0.0.1:" + basePort + "/v1/cluster");
    out.flush();
    final CountDownLatch stop = new CountDownLatch(1);
    if (!Signals.install(signal -> stop.countDown())) {
      Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "stele-cluster-stop"));
    }
    try {
      stop.await();
    } catch (final InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    stopAll(children);
    return ExitCode.OK;
  }

  private static void stopAll(final List<Process> children) {
    for (final Process p : children) {
      p.destroy();
    }
    for (final Process p : children) {
      try {
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      } catch (final InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * The {@code --peers} of a loopback cluster: node i serves HTTP on {@code basePort + i - 1} and
   * Raft on {@code basePort + i + 99}.
   */
  static String loopbackPeers(final int nodes, final int basePort) {
    final StringBuilder peers = new StringBuilder();
    for (int n = 1; n <= nodes; n++) {
      peers
          .append(n > 1 ? "," : "")
          .append(n)
          .append("=127.0.0.1:")
          .append(basePort + n - 1)
          .append(':')
          .append(basePort + n + 99);
    }
    return peers.toString();
  }

  /** The command that runs this same JVM and class path with {@link Main}. */
  static List<String> javaCommand() {
    final List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // Agrona needs it whether or not this JVM got it (java -jar does not pass it on)
    cmd.add("--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED");
    for (final String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("--enable-native-access")
          || a.startsWith("-Xm")
          || a.startsWith("-XX:")
          || a.startsWith("-Dstele.")
          || a.startsWith("-Dio.netty.")) {
        cmd.add(a);
      }
    }
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(Main.class.getName());
    return cmd;
  }
}
