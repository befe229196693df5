package io.stele.perf.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A million-op history checks in seconds, and one lost record among them is still found. */
class ScaleTest {
  @Test
  void millionOps() {
    final HistoryGen.World w = HistoryGen.generate(42, 1_000_000, 64, 16, 0.05);
    final List<ReplicaLog> replicas = w.replicas();
    final long start = System.nanoTime();
    final Report r = Checker.check(w.history, replicas);
    final long millis = (System.nanoTime() - start) / 1_000_000;
    System.out.println("1M ops checked in " + millis + " ms: " + r.summary());
    assertTrue(r.clean(), r::summary);
    assertEquals(r.acked(), r.verified());
    assertTrue(millis < 30_000, "took " + millis + " ms");

    final List<ReplicaLog> damaged = new ArrayList<>();
    for (final ReplicaLog replica : replicas) {
      final ReplicaLog.Builder b = ReplicaLog.builder(replica.replica());
      replica
          .logs()
          .forEach(
              (tp, log) ->
                  log.stream()
                      .filter(
                          e -> !(tp.equals(new TopicPartition("orders", 0)) && e.offset() == 1000))
                      .forEach(e -> b.append(tp, e)));
      damaged.add(b.build());
    }
    final Report bad = Checker.check(w.history, damaged);
    assertTrue(!bad.clean(), bad::summary);
  }
}
