package io.stele.replication.raft.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Per-push randomized simulation: 1,000 seeds across five fault profiles, every invariant checked
 * after every step, liveness required after healing. A failure names its seed; rerun it with {@code
 * SimCluster.randomized(profile, seed).run()}.
 */
class SimulationTest {

  @Test
  void shouldKeepEveryInvariantWithThreeNodes() {
    final Stats s = runSeeds("3 nodes", SimOptionsFor.threeNodes(), 1_000_000L, 400);
    assertTrue(s.acked > 10_000, "runs acknowledged writes: " + s.acked);
  }

  @Test
  void shouldKeepEveryInvariantWithFiveNodes() {
    final Stats s = runSeeds("5 nodes", SimOptionsFor.fiveNodes(), 2_000_000L, 200);
    assertTrue(s.acked > 5_000, "runs acknowledged writes: " + s.acked);
  }

  @Test
  void shouldKeepEveryInvariantUnderFrequentCrashesWithSlowFlushes() {
    runSeeds("crashy 3 nodes", SimOptionsFor.crashy(3), 3_000_000L, 200);
    runSeeds("crashy 5 nodes", SimOptionsFor.crashy(5), 4_000_000L, 100);
  }

  @Test
  void shouldKeepReadsLinearizableWithoutCheckQuorum() {
    runSeeds("no check-quorum", SimOptionsFor.noCheckQuorum(3), 5_000_000L, 100);
  }

  @Test
  void shouldReplayARunExactlyFromItsSeed() {
    final SimCluster.Result a = SimCluster.randomized(SimOptionsFor.crashy(3), 77).run();
    final SimCluster.Result b = SimCluster.randomized(SimOptionsFor.crashy(3), 77).run();
    assertEquals(a, b);
    assertTrue(a.steps() > 1000);
  }

  /** Totals over a batch of seeds. */
  static final class Stats {
    long steps;
    long acked;
    long maxLiveness;
    long seeds;
  }

  static Stats runSeeds(
      final String name, final SimOptions opts, final long firstSeed, final int count) {
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
        "%s: seeds=%d steps=%d acked-writes=%d max-ticks-to-liveness=%d time=%.1fs%n",
        name, s.seeds, s.steps, s.acked, s.maxLiveness, (System.nanoTime() - start) / 1e9);
    assertEquals(count, s.seeds);
    assertTrue(s.maxLiveness <= opts.livenessTicks);
    return s;
  }
}
