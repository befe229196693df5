package io.stele.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stele.perf.check.Checker;
import io.stele.perf.check.HistoryIo;
import io.stele.perf.check.ReplicaLog;
import io.stele.perf.check.Report;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Fault scenarios on a real 3-node cluster (child processes, SIGKILL, SIGSTOP, peer links cut
 * through fault proxies), each under a quorum-produce load whose history the checker verifies
 * against every replica's log after the cluster is healed: no acknowledged write lost, no offset
 * given twice, real-time order kept, replicas identical. Per push: the leader SIGKILL; the rest
 * with several seeds in the slow suite.
 */
class ClusterFaultTest {
  private static final Duration LEADER_TIMEOUT = Duration.ofSeconds(30);

  @TempDir Path dir;

  /** What a scenario does to the cluster while the load runs. */
  @FunctionalInterface
  interface Fault {
    void inject(LocalCluster cluster, int leader) throws Exception;
  }

  private Report run(final String name, final long seed, final Fault fault) throws Exception {
    return run(name, seed, null, fault);
  }

  private Report run(final String name, final long seed, final NetnsNetwork net, final Fault fault)
      throws Exception {
    final Path base = dir.resolve(name + "-" + seed);
    try (LocalCluster cluster = new LocalCluster(base, 3, seed, net)) {
      try {
        cluster.startAll();
        cluster.awaitConverged(LEADER_TIMEOUT); // all three up before any fault
        final int leader = cluster.awaitLeader(LEADER_TIMEOUT);
        createTopic(cluster.base(leader));
        final Report report;
        final Workload load = new Workload(cluster, "t", 4, seed);
        try {
          cluster.await(
              "some acknowledged writes", Duration.ofSeconds(20), () -> load.ok.get() >= 200);
          fault.inject(cluster, leader);
          cluster.healAll();
          for (int n = 1; n <= 3; n++) {
            if (!cluster.isRunning(n)) {
              cluster.start(n);
            }
          }
          cluster.awaitLeader(LEADER_TIMEOUT);
          final long before = load.ok.get();
          cluster.await(
              "writes acknowledged after healing",
              Duration.ofSeconds(30),
              () -> load.ok.get() >= before + 200);
          load.stop();
          cluster.awaitConverged(LEADER_TIMEOUT);
          for (int n = 1; n <= 3; n++) {
            assertEquals(0, cluster.stop(n), "node " + n + " exit code after SIGTERM");
          }
          final List<ReplicaLog> replicas = cluster.readReplicas("t");
          HistoryIo.writeOps(base.resolve("history.ndjson"), load.history.ops());
          HistoryIo.writeReplicas(base.resolve("replicas.ndjson"), replicas);
          report = Checker.check(load.history.ops(), replicas);
        } finally {
          load.stop();
        }
        assertTrue(
            report.clean(),
            name + " seed " + seed + ": " + report.summary() + "\n" + report.anomalies());
        assertTrue(report.acked() >= 400, "too few acknowledged writes: " + report.summary());
        System.out.println(name + " seed " + seed + ": " + report.summary());
        return report;
      } catch (final AssertionError | Exception e) {
        throw new AssertionError(e.getMessage() + "\n" + cluster.logs(), e);
      }
    }
  }

  private static void createTopic(final String leaderBase) throws Exception {
    final HttpClient http = HttpClient.newHttpClient();
    final HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(leaderBase + "/v1/topics/t"))
                .PUT(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertTrue(r.statusCode() == 200 || r.statusCode() == 201, r.statusCode() + " " + r.body());
  }

  /**
   * Within two election timeouts (each randomized up to 2 x 30 ticks of 10 ms), polling included: a
   * new leader accepts writes that soon after the old one's death. Asserted by the slow runs
   * ({@code leaderKilledUnderLoadSeeds}).
   */
  private static final long FAILOVER_MS = 1_200;

  /**
   * The per-push bound: five election timeouts. A shared 2-core machine running three nodes, the
   * load and the build has stalled a failover past {@link #FAILOVER_MS} (1,311 and 1,450 ms in full
   * builds, 443–658 ms in six runs of this test alone); a failover that needs election after
   * election (a broken lease or pre-vote) still fails here.
   */
  private static final long FAILOVER_PER_PUSH_MS = 3_000;

  /** Leader SIGKILL under load; a new leader takes writes; the old one restarts and catches up. */
  @Test
  void leaderKilledUnderLoad() throws Exception {
    leaderKilled(1, FAILOVER_PER_PUSH_MS);
  }

  private void leaderKilled(final long seed, final long maxFailoverMs) throws Exception {
    final long[] failoverMs = new long[1];
    run(
        "leader-kill",
        seed,
        (cluster, leader) -> {
          final long t0 = System.nanoTime();
          cluster.kill(leader);
          final int next = cluster.awaitLeader(LEADER_TIMEOUT);
          failoverMs[0] = (System.nanoTime() - t0) / 1_000_000;
          assertTrue(next != leader);
          Thread.sleep(500);
        });
    System.out.println(
        "leader-kill seed " + seed + ": new ready leader after " + failoverMs[0] + " ms");
    assertTrue(
        failoverMs[0] <= maxFailoverMs,
        "failover took " + failoverMs[0] + " ms (at most " + maxFailoverMs + ")");
  }

  @Tag("slow")
  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4})
  void leaderKilledUnderLoadSeeds(final long seed) throws Exception {
    leaderKilled(seed, FAILOVER_MS);
  }

  /**
   * Cuts the leader off from both followers until the majority has a ready leader of its own, a
   * second longer, then heals: by proxies on loopback, by iptables in network namespaces.
   */
  private static final Fault ISOLATE_LEADER =
      (cluster, leader) -> {
        cluster.isolate(leader, true);
        cluster.await(
            "a new leader among the majority",
            LEADER_TIMEOUT,
            () -> {
              final int l = cluster.readyLeader();
              return l != 0 && l != leader;
            });
        Thread.sleep(1_000);
        cluster.isolate(leader, false);
      };

  /** The leader is cut off from both followers: it must acknowledge nothing it cannot commit. */
  @Tag("slow")
  @ParameterizedTest
  @ValueSource(longs = {1, 2})
  void leaderIsolated(final long seed) throws Exception {
    run("leader-isolated", seed, ISOLATE_LEADER);
  }

  /**
   * The leader is cut off from both followers by iptables rules in its own network namespace (each
   * node runs in one, joined by veths and a bridge), while clients still reach it: it must
   * acknowledge nothing it cannot commit. Root only (CI runs as root and installs iptables).
   */
  @Tag("slow")
  @ParameterizedTest
  @ValueSource(longs = {1, 2})
  void leaderIsolatedInItsNetworkNamespace(final long seed) throws Exception {
    final String why = NetnsNetwork.unavailableReason();
    org.junit.jupiter.api.Assumptions.assumeTrue(why == null, why);
    try (NetnsNetwork net = new NetnsNetwork(3, seed)) {
      run("netns-isolated", seed, net, ISOLATE_LEADER);
    }
  }

  /** Only the leader's outgoing links are cut: followers stop hearing it and elect another. */
  @Tag("slow")
  @ParameterizedTest
  @ValueSource(longs = {1, 2})
  void oneWayPartitionFromLeader(final long seed) throws Exception {
    run(
        "one-way",
        seed,
        (cluster, leader) -> {
          for (int n = 1; n <= 3; n++) {
            if (n != leader) {
              cluster.proxies[leader - 1][n - 1].blackhole(true);
            }
          }
          Thread.sleep(3_000);
        });
  }

  /** The leader is paused past the election timeout, then resumed. */
  @Tag("slow")
  @ParameterizedTest
  @ValueSource(longs = {1, 2})
  void leaderPaused(final long seed) throws Exception {
    run(
        "leader-paused",
        seed,
        (cluster, leader) -> {
          cluster.signal(leader, "STOP");
          try {
            cluster.await(
                "a new leader while the old one sleeps",
                LEADER_TIMEOUT,
                () -> {
                  final int l = cluster.readyLeader();
                  return l != 0 && l != leader;
                });
            Thread.sleep(500);
          } finally {
            cluster.signal(leader, "CONT");
          }
        });
  }

  /** The leader is stopped with SIGTERM under load: it hands leadership over before it exits. */
  @Tag("slow")
  @ParameterizedTest
  @ValueSource(longs = {1, 2})
  void leaderStoppedGracefully(final long seed) throws Exception {
    final long[] handOffMs = new long[1];
    run(
        "leader-sigterm",
        seed,
        (cluster, leader) -> {
          final long t0 = System.nanoTime();
          final Thread stopper =
              new Thread(
                  () -> {
                    try {
                      assertEquals(0, cluster.stop(leader), "exit code after SIGTERM");
                    } catch (final InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                  });
          stopper.start();
          cluster.await(
              "another ready leader",
              LEADER_TIMEOUT,
              () -> {
                final int l = cluster.readyLeader();
                return l != 0 && l != leader;
              });
          handOffMs[0] = (System.nanoTime() - t0) / 1_000_000;
          stopper.join(30_000);
        });
    System.out.println(
        "leader-sigterm seed " + seed + ": new ready leader after " + handOffMs[0] + " ms");
  }

  /**
   * A follower's disk is lost: it is removed from the voters, wiped, restarted as a new replica
   * (new incarnation) that joins the running group, added back, and catches up from the leader.
   */
  @Tag("slow")
  @ParameterizedTest
  @ValueSource(longs = {1, 2})
  void followerWipedAndReplaced(final long seed) throws Exception {
    final int[] wiped = new int[1];
    run(
        "follower-wiped",
        seed,
        (cluster, leader) -> {
          final int f = leader % 3 + 1;
          wiped[0] = f;
          final HttpResponse<String> removed =
              cluster.call("DELETE", leader, "/v1/cluster/voters/" + f);
          assertEquals(200, removed.statusCode(), removed.body());
          cluster.kill(f);
          cluster.wipe(f);
          cluster.start(f, "--cluster-state", "existing");
          final String[] replica = new String[1];
          cluster.await(
              "the new replica's identity",
              LEADER_TIMEOUT,
              () -> {
                final String j = cluster.clusterJson(f);
                final java.util.regex.Matcher m =
                    java.util.regex.Pattern.compile("\"replica\":\"n\\d+\\.(\\d+)\"")
                        .matcher(j == null ? "" : j);
                if (m.find()) {
                  replica[0] = m.group(1);
                }
                return replica[0] != null;
              });
          assertTrue(!replica[0].equals("0"), "a wiped node joins under a new incarnation");
          final HttpResponse<String> added =
              cluster.call(
                  "POST", leader, "/v1/cluster/voters/" + f + "?incarnation=" + replica[0]);
          assertEquals(200, added.statusCode(), added.body());
        });
    // it came back through a copy of the leader's files, not entry by entry
    final String log =
        Files.readString(
            dir.resolve("follower-wiped-" + seed).resolve("node-" + wiped[0] + ".log"));
    assertTrue(
        log.contains("installed a copy of the leader's log"),
        "the wiped node installed a copy of the leader's log");
  }

  /** All three SIGKILLed at once under load, then restarted from their disks. */
  @Tag("slow")
  @ParameterizedTest
  @ValueSource(longs = {1, 2})
  void allKilledAtOnce(final long seed) throws Exception {
    run(
        "all-killed",
        seed,
        (cluster, leader) -> {
          for (int n = 1; n <= 3; n++) {
            cluster.kill(n);
          }
        });
  }

  /** Peer traffic with flipped bits and delays: frames fail their CRC, nothing wrong lands. */
  @Tag("slow")
  @ParameterizedTest
  @ValueSource(longs = {1, 2})
  void corruptedAndDelayedPeerTraffic(final long seed) throws Exception {
    run(
        "corrupt",
        seed,
        (cluster, leader) -> {
          for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
              if (i != j) {
                cluster.proxies[i][j].corruptProbability(0.02);
                cluster.proxies[i][j].delay(Duration.ofMillis(2), Duration.ofMillis(3));
              }
            }
          }
          Thread.sleep(3_000);
        });
  }
}
