package io.stele.replication.raft.sim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Per-push randomized simulation: thousands of seeds, every step checked. */
class SimulationTest {
  static final int SEEDS_3 = Integer.getInteger("stele.sim.seeds3", 800);
  static final int SEEDS_5 = Integer.getInteger("stele.sim.seeds5", 300);

  @Test
  void shouldKeepEveryInvariantAcrossSeedsWithThreeNodes() {
    final Stats s = runSeeds(SimOptionsFor.threeNodes(), 1_000_000L, SEEDS_3);
    assertTrue(s.acked > 0, "runs acknowledged writes");
  }

  @Test
  void shouldKeepEveryInvariantAcrossSeedsWithFiveNodes() {
    final Stats s = runSeeds(SimOptionsFor.fiveNodes(), 2_000_000L, SEEDS_5);
    assertTrue(s.acked > 0, "runs acknowledged writes");
  }

  static final class Stats {
    long steps;
    long acked;
    long maxLiveness;
    long seeds;
  }

  static Stats runSeeds(final SimOptions opts, final long firstSeed, final int count) {
    final Stats s = new Stats();
    final long start = System.nanoTime();
    for (long seed = firstSeed; seed < firstSeed + count; seed++) {
      final SimCluster.Result r = SimCluster.randomized(opts, seed).run();
      s.steps += r.steps();
      s.acked += r.acked();
      s.maxLiveness = Math.max(s.maxLiveness, r.livenessTicks());
      s.seeds++;
    }
    System.out.printf(
        "nodes=%d seeds=%d steps=%d acked=%d max-liveness-ticks=%d time=%.1fs%n",
        opts.nodes, s.seeds, s.steps, s.acked, s.maxLiveness, (System.nanoTime() - start) / 1e9);
    return s;
  }
}
