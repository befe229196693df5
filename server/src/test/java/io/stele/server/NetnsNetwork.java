package io.stele.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One network namespace per node, each joined by a veth pair to a bridge in the test's namespace
 * (which holds {@code .1} of the subnet): the nodes reach each other across the bridge, the test
 * reaches every node directly. Cuts are iptables rules inside a node's namespace, so a node can be
 * isolated from its peers while clients still reach it. Root only; everything is removed on close
 * (and by a shutdown hook, should the test JVM die first).
 */
final class NetnsNetwork implements AutoCloseable {
  private final String tag;
  private final int size;
  private final String subnet;
  private final Thread cleanupHook = new Thread(this::cleanUp, "netns-cleanup");
  private boolean closed;

  /** Whether this machine can run it: root, {@code ip} and {@code iptables} present. */
  static String unavailableReason() {
    if (!"root".equals(System.getProperty("user.name"))) {
      return "network namespaces need root";
    }
    for (final String tool : List.of("ip", "iptables")) {
      try {
        if (new ProcessBuilder("sh", "-c", "command -v " + tool).start().waitFor() != 0) {
          return tool + " is not installed (.ci/run installs iptables and iproute2)";
        }
      } catch (final IOException e) {
        return "cannot run sh: " + e;
      } catch (final InterruptedException e) {
        Thread.currentThread().interrupt();
        return "interrupted";
      }
    }
    return null;
  }

  NetnsNetwork(final int size, final long seed) throws IOException, InterruptedException {
    this.size = size;
    this.tag = Integer.toHexString((int) ((System.nanoTime() ^ seed) & 0xfff) | 0x1000);
    final String routes = run(List.of("ip", "-4", "route", "show"));
    int octet = 0;
    for (int i = 0; i < 200 && octet == 0; i++) {
      final int candidate = 100 + (int) ((seed * 31 + i * 7 + System.nanoTime()) & 0x7f);
      if (!routes.contains("10.213." + candidate + ".")) {
        octet = candidate;
      }
    }
    if (octet == 0) {
      throw new IOException("no free 10.213.x.0/24 subnet");
    }
    this.subnet = "10.213." + octet + ".";
    Runtime.getRuntime().addShutdownHook(cleanupHook);
    final String br = "stbr" + tag;
    run(List.of("ip", "link", "add", br, "type", "bridge"));
    run(List.of("ip", "addr", "add", subnet + "1/24", "dev", br));
    run(List.of("ip", "link", "set", br, "up"));
    for (int n = 1; n <= size; n++) {
      final String ns = namespace(n);
      final String outside = "stv" + tag + n;
      final String inside = "stp" + tag + n;
      run(List.of("ip", "netns", "add", ns));
      run(List.of("ip", "link", "add", outside, "type", "veth", "peer", "name", inside));
      run(List.of("ip", "link", "set", inside, "netns", ns));
      run(List.of("ip", "link", "set", outside, "master", br));
      run(List.of("ip", "link", "set", outside, "up"));
      run(List.of("ip", "netns", "exec", ns, "ip", "addr", "add", host(n) + "/24", "dev", inside));
      run(List.of("ip", "netns", "exec", ns, "ip", "link", "set", inside, "up"));
      run(List.of("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up"));
    }
  }

  String namespace(final int node) {
    return "stele-" + tag + "-" + node;
  }

  /** The node's address (inside its namespace). */
  String host(final int node) {
    return subnet + (10 + node);
  }

  /** The command prefix that runs a process inside the node's namespace. */
  List<String> exec(final int node) {
    return List.of("ip", "netns", "exec", namespace(node));
  }

  /** Drops (or allows again) all traffic between {@code node} and every other node. */
  void isolate(final int node, final boolean cut) throws IOException, InterruptedException {
    if (!cut) {
      run(List.of("ip", "netns", "exec", namespace(node), "iptables", "-F"));
      return;
    }
    for (int m = 1; m <= size; m++) {
      if (m != node) {
        run(
            List.of(
                "ip",
                "netns",
                "exec",
                namespace(node),
                "iptables",
                "-A",
                "INPUT",
                "-s",
                host(m),
                "-j",
                "DROP"));
        run(
            List.of(
                "ip",
                "netns",
                "exec",
                namespace(node),
                "iptables",
                "-A",
                "OUTPUT",
                "-d",
                host(m),
                "-j",
                "DROP"));
      }
    }
  }

  /** Removes every rule of every node. */
  void healAll() throws IOException, InterruptedException {
    for (int n = 1; n <= size; n++) {
      run(List.of("ip", "netns", "exec", namespace(n), "iptables", "-F"));
    }
  }

  private static String run(final List<String> cmd) throws IOException, InterruptedException {
    final Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException(String.join(" ", cmd) + " failed: " + out);
    }
    return out;
  }

  private synchronized void cleanUp() {
    if (closed) {
      return;
    }
    closed = true;
    final List<List<String>> cmds = new ArrayList<>();
    for (int n = 1; n <= size; n++) {
      cmds.add(List.of("ip", "netns", "del", namespace(n))); // takes its veth end with it
    }
    cmds.add(List.of("ip", "link", "del", "stbr" + tag));
    for (final List<String> c : cmds) {
      try {
        new ProcessBuilder(c).redirectErrorStream(true).start().waitFor(20, TimeUnit.SECONDS);
      } catch (final IOException e) {
        // already gone
      } catch (final InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public void close() {
    cleanUp();
    try {
      Runtime.getRuntime().removeShutdownHook(cleanupHook);
    } catch (final IllegalStateException shuttingDown) {
      // the hook runs anyway
    }
  }
}
