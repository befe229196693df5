package io.stele.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cluster settings: what parses, and one precise line and exit 2 for what does not. */
class ClusterSettingsTest {
  @TempDir Path dir;

  private static final String PEERS = "1=127.0.0.1:7071:7171,2=127.0.0.1:7072:7172,3=h3:7073:7173";

  @Test
  void shouldParsePeersAndDialOverrides() {
    final Peers p = Peers.parse(PEERS, 2);
    assertEquals(3, p.byNode().size());
    assertEquals("http://127.0.0.1:7072", p.byNode().get(2).httpBase());
    assertEquals(7173, p.raftAddresses().get(3).getPort());
    assertEquals("h3", p.raftAddresses().get(3).getHostString());
    assertEquals(9001, p.parseDial("1=127.0.0.1:9001").get(1).getPort());
    assertTrue(p.parseDial("").isEmpty());
  }

  @Test
  void shouldExitTwoWithOneLineForEachBadClusterSetting() {
    final String[][] cases = {
      {"--node-id", "1"},
      {"--peers", PEERS},
      {"--node-id", "4", "--peers", PEERS},
      {"--node-id", "1", "--peers", "1=a:1:2,2=b:1:2"},
      {"--node-id", "1", "--peers", "1=a:x:2,2=b:1:2,3=c:1:2"},
      {"--node-id", "1", "--peers", "1=a:1:2,1=b:1:2,3=c:1:2"},
      {"--node-id", "1", "--peers", "1=a:1:2,2=b:1:2,3=c:1:2", "--peer-dial", "9=x:1"},
      {"--node-id", "1", "--peers", "1=a:1:2,2=b:1:2,3=c:1:2", "--peer-dial", "2=x"},
      {"--node-id", "256", "--peers", PEERS},
      {"--node-id", "1", "--peers", PEERS, "--shards", "2"},
    };
    final String[] expected = {
      "needs --peers",
      "--peers needs --node-id",
      "not among the peers",
      "odd number",
      "'x' in peer '1=a:x:2'",
      "listed twice",
      "names node 9",
      "is not N=HOST:PORT",
      "invalid node-id",
      "a cluster node has one shard",
    };
    for (int i = 0; i < cases.length; i++) {
      final List<String> args = new ArrayList<>(List.of("serve"));
      args.addAll(List.of(cases[i]));
      args.addAll(List.of("--data-dir", dir.resolve("d" + i).toString(), "--port", "0"));
      final ByteArrayOutputStream out = new ByteArrayOutputStream();
      final ByteArrayOutputStream err = new ByteArrayOutputStream();
      final int code =
          Main.run(
              args.toArray(new String[0]),
              Map.of(),
              new PrintStream(out, true, StandardCharsets.UTF_8),
              new PrintStream(err, true, StandardCharsets.UTF_8));
      final String e = err.toString(StandardCharsets.UTF_8);
      assertEquals(ExitCode.USAGE, code, String.join(" ", cases[i]) + " -> " + e);
      assertEquals(1, e.strip().split("\n").length, e);
      assertTrue(e.contains(expected[i]), "expected '" + expected[i] + "' in: " + e);
      assertFalse(e.contains("Exception"), e);
    }
  }
}
