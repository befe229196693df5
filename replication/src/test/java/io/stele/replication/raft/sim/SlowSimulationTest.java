package io.stele.replication.raft.sim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The slow suite (tag {@code slow}, excluded by default): 100,000 seeds across the fault profiles
 * (hundreds of millions of checked steps), including long runs whose logs are compacted many times.
 * Run with {@code ./mvnw -pl replication test -Dstele.test.excludedGroups=
 * -Dstele.test.groups=slow}.
 */
@Tag("slow")
class SlowSimulationTest {

  @Test
  void shouldKeepEveryInvariantForAHundredThousandSeeds() {
    final long start = System.nanoTime();
    long steps = 0;
    long seeds = 0;
    final SimOptions longRuns = SimOptionsFor.threeNodes();
    longRuns.chaosTicks = 5_000;
    final Object[][] plan = {
      {"3 nodes", SimOptionsFor.threeNodes(), 10_000_000L, 40_000},
      {"5 nodes", SimOptionsFor.fiveNodes(), 20_000_000L, 20_000},
      {"crashy 3 nodes", SimOptionsFor.crashy(3), 30_000_000L, 15_000},
      {"crashy 5 nodes", SimOptionsFor.crashy(5), 40_000_000L, 10_000},
      {"no check-quorum", SimOptionsFor.noCheckQuorum(3), 50_000_000L, 14_000},
      {"long runs", longRuns, 60_000_000L, 1_000},
    };
    for (final Object[] p : plan) {
      final SimulationTest.Stats s =
          SimulationTest.runSeeds((String) p[0], (SimOptions) p[1], (Long) p[2], (Integer) p[3]);
      steps += s.steps;
      seeds += s.seeds;
    }
    System.out.printf(
        "slow suite: seeds=%d steps=%d time=%.1fs%n",
        seeds, steps, (System.nanoTime() - start) / 1e9);
    assertTrue(seeds >= 100_000L, "at least 100,000 seeds: " + seeds);
    assertTrue(steps >= 10_000_000L, "at least ten million checked steps: " + steps);
  }
}
