package io.stele.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class OpenLoopScheduleTest {

  @Test
  void shouldSpaceTheAggregateEvenlyAcrossConnections() {
    final int n = 4;
    final double rate = 1000; // one request per ms over all connections
    final List<Long> times = new ArrayList<>();
    for (int c = 0; c < n; c++) {
      final OpenLoopSchedule s = new OpenLoopSchedule(5_000, rate, c, n);
      for (int k = 0; k < 250; k++) {
        times.add(s.intendedNs(k));
      }
    }
    Collections.sort(times);
    for (int g = 0; g < times.size(); g++) {
      assertEquals(5_000 + g * 1_000_000L, times.get(g), "request " + g);
    }
  }

  @Test
  void shouldNotDriftOverLongRunsWithAnIntervalThatIsNotAWholeNanosecond() {
    final OpenLoopSchedule s = new OpenLoopSchedule(0, 3, 0, 1); // 333,333,333.33 ns apart
    assertEquals(1_000_000_000L * 1000, s.intendedNs(3 * 1000));
  }

  @Test
  void dueCountShouldAgreeWithIntendedTimes() {
    final Random random = new Random(42);
    for (int trial = 0; trial < 2000; trial++) {
      final int n = 1 + random.nextInt(64);
      final int c = random.nextInt(n);
      final double rate = 1 + random.nextInt(2_000_000);
      final long start = random.nextLong() / 4;
      final OpenLoopSchedule s = new OpenLoopSchedule(start, rate, c, n);
      final long now = start + (long) (random.nextDouble() * 2e9) - 1000;
      final long due = s.dueCount(now);
      if (due > 0) {
        assertTrue(s.intendedNs(due - 1) <= now, "last due request is not in the future");
      }
      assertTrue(
          s.intendedNs(due) > now, "first not-due request is in the future, seed trial " + trial);
    }
  }

  @Test
  void closedLoopShouldMakeEverythingDue() {
    final OpenLoopSchedule s = new OpenLoopSchedule(0, 0, 0, 1);
    assertTrue(s.closedLoop());
    assertEquals(Long.MAX_VALUE, s.dueCount(-5));
  }

  @Test
  void correctedLatencyShouldCountFromTheIntendedTimeWhenTheRequestLeftLate() {
    // Intended at 0, left at 900 (the connection was busy), answered at 1000.
    assertEquals(1000, OpenLoopSchedule.correctedNs(0, 900, 1000));
    assertEquals(100, OpenLoopSchedule.serviceNs(900, 1000));
    // A request never counts from before it left: corrected >= service time.
    assertEquals(100, OpenLoopSchedule.correctedNs(950, 900, 1000));
  }

  @Test
  void shouldRejectBadArguments() {
    assertThrows(IllegalArgumentException.class, () -> new OpenLoopSchedule(0, 1, 4, 4));
    assertThrows(IllegalArgumentException.class, () -> new OpenLoopSchedule(0, -1, 0, 1));
    assertThrows(IllegalArgumentException.class, () -> new OpenLoopSchedule(0, Double.NaN, 0, 1));
  }
}
