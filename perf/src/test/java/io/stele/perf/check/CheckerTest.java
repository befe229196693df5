package io.stele.perf.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stele.perf.check.Op.Outcome;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Each anomaly type on a crafted history, and the legitimate cases that must stay clean. */
class CheckerTest {
  private static Op ok(
      final long id, final String payload, final long inv, final long comp, final long off) {
    return Op.produce(id % 3, id, "t", 0, payload, Outcome.OK, inv, comp, off);
  }

  private static Op op(
      final long id, final String payload, final Outcome o, final long inv, final long comp) {
    return Op.produce(id % 3, id, "t", 0, payload, o, inv, comp, -1);
  }

  private static Op read(
      final long id,
      final long inv,
      final long comp,
      final long from,
      final long end,
      final LogEntry... got) {
    return Op.read(9, id, "t", 0, Outcome.OK, inv, comp, from, end, List.of(got));
  }

  private static ReplicaLog replica(final String name, final String... payloads) {
    final ReplicaLog.Builder b = ReplicaLog.builder(name);
    for (int i = 0; i < payloads.length; i++) {
      b.append("t", 0, i, payloads[i]);
    }
    return b.build();
  }

  private static Anomaly only(final Report r, final AnomalyType type, final long... opIds) {
    assertEquals(1, r.anomalyCount(), r::toString);
    final Anomaly a = r.anomalies().get(0);
    assertEquals(type, a.type(), r::toString);
    for (final long id : opIds) {
      assertTrue(a.opIds().contains(id), () -> "op " + id + " not named: " + a);
      assertTrue(a.description().contains("op " + id), () -> "op " + id + " not described: " + a);
    }
    return a;
  }

  private static final List<Op> CLEAN =
      List.of(
          ok(1, "a", 0, 10, 0),
          ok(2, "b", 5, 30, 2),
          ok(3, "c", 6, 25, 1),
          op(4, "d", Outcome.UNKNOWN, 7, 40),
          op(5, "e", Outcome.UNKNOWN, 8, 12),
          op(6, "f", Outcome.FAIL, 9, 11),
          ok(7, "g", 31, 40, 4),
          read(8, 26, 45, 0, 3, new LogEntry(0, "a"), new LogEntry(1, "c"), new LogEntry(2, "b")));

  @Test
  void cleanHistoryWithLaggingReplicasReportsNothing() {
    final Report r =
        Checker.check(
            CLEAN,
            List.of(
                replica("n1", "a", "c", "b", "d", "g"), replica("n2", "a", "c"), replica("n3")));
    assertTrue(r.clean(), r::toString);
    assertEquals(4, r.acked());
    assertEquals(4, r.verified());
    assertEquals(2, r.unknown());
    assertEquals(1, r.unknownLanded());
    assertEquals(1, r.failed());
    assertEquals(1, r.reads());
    assertEquals(
        "acked=4 verified=4 lost=0 wrongOffset=0 duplicates=0 conflicts=0 orderViolations=0"
            + " divergent=0 phantoms=0 staleReads=0 malformed=0 failed=1 unknown=2"
            + " unknownLanded=1 reads=1 replicas=3 records=5 anomalies=0",
        r.summary());
  }

  @Test
  void lostAck() {
    final Report r =
        Checker.check(
            List.of(ok(1, "a", 0, 10, 0), ok(2, "b", 20, 30, 1)),
            List.of(replica("n1", "a"), replica("n2", "a")));
    final Anomaly a = only(r, AnomalyType.LOST_ACK, 2);
    assertTrue(a.description().contains("t/0@1"), a::toString);
    assertEquals(1, r.lost());
    assertEquals(1, r.verified());
  }

  @Test
  void lostAckWhenAnotherRecordSitsAtTheOffset() {
    final Report r =
        Checker.check(
            List.of(ok(1, "a", 0, 10, 0), op(2, "x", Outcome.UNKNOWN, 1, 2)),
            List.of(replica("n1", "x")));
    assertTrue(only(r, AnomalyType.LOST_ACK, 1).description().contains("'x'"));
  }

  @Test
  void wrongOffset() {
    final Report r =
        Checker.check(
            List.of(ok(1, "a", 0, 10, 0), op(2, "u", Outcome.UNKNOWN, 0, 1)),
            List.of(replica("n1", "u", "a")));
    assertTrue(only(r, AnomalyType.WRONG_OFFSET, 1).description().contains("t/0@1"));
  }

  @Test
  void unknownLandingInAnotherPartitionIsWrongOffset() {
    final Report r =
        Checker.check(
            List.of(op(1, "u", Outcome.UNKNOWN, 0, 1)),
            List.of(ReplicaLog.builder("n1").append("t", 3, 0, "u").build()));
    only(r, AnomalyType.WRONG_OFFSET, 1);
  }

  @Test
  void duplicate() {
    final Report r =
        Checker.check(
            List.of(ok(1, "a", 0, 10, 0), ok(2, "b", 0, 10, 1)),
            List.of(replica("n1", "a", "b", "a")));
    final Anomaly a = only(r, AnomalyType.DUPLICATE, 1);
    assertTrue(a.description().contains("t/0@0") && a.description().contains("t/0@2"), a::toString);
  }

  @Test
  void conflict() {
    final Report r =
        Checker.check(
            List.of(ok(1, "a", 0, 10, 0), ok(2, "b", 0, 10, 0), ok(3, "c", 0, 10, 1)),
            List.of(replica("n1", "a", "c")));
    assertEquals(1, r.count(AnomalyType.CONFLICT), r::toString);
    final Anomaly a = r.anomalies(AnomalyType.CONFLICT).get(0);
    assertTrue(a.opIds().containsAll(List.of(1L, 2L)), a::toString);
    assertEquals(1, r.lost(), "b is not in the log either");
  }

  @Test
  void orderViolation() {
    // 1 acked before 2 began, yet 2 sits at the lower offset.
    final Report r =
        Checker.check(
            List.of(ok(1, "a", 0, 10, 1), ok(2, "b", 11, 20, 0)), List.of(replica("n1", "b", "a")));
    only(r, AnomalyType.ORDER_VIOLATION, 1, 2);
  }

  @Test
  void overlappingProducesMayLandInEitherOrder() {
    final Report r =
        Checker.check(
            List.of(ok(1, "a", 0, 10, 1), ok(2, "b", 10, 20, 0), ok(3, "c", 2, 9, 2)),
            List.of(replica("n1", "b", "a", "c")));
    // 1 and 2 overlap at instant 10; 3 and 1 overlap. But 3 completed (9) before 2 began (10).
    only(r, AnomalyType.ORDER_VIOLATION, 3, 2);
    final Report fine =
        Checker.check(
            List.of(ok(1, "a", 0, 10, 1), ok(2, "b", 10, 20, 0), ok(3, "c", 2, 10, 2)),
            List.of(replica("n1", "b", "a", "c")));
    assertTrue(fine.clean(), fine::toString);
  }

  @Test
  void unknownThatLandsBeforeAnEarlierAckIsAnOrderViolation() {
    final Report r =
        Checker.check(
            List.of(ok(1, "a", 0, 10, 1), op(2, "u", Outcome.UNKNOWN, 11, 12)),
            List.of(replica("n1", "u", "a")));
    only(r, AnomalyType.ORDER_VIOLATION, 1, 2);
  }

  @Test
  void divergentPrefix() {
    final Report r =
        Checker.check(
            List.of(ok(1, "a", 0, 10, 0), ok(2, "b", 0, 10, 1), op(3, "x", Outcome.UNKNOWN, 0, 1)),
            List.of(replica("n1", "a", "b"), replica("n2", "a", "x")));
    final Anomaly a = only(r, AnomalyType.DIVERGENT_PREFIX, 2, 3);
    assertTrue(a.description().contains("n2") && a.description().contains("offset 1"), a::toString);
  }

  @Test
  void replicaWithAHoleDiverges() {
    final ReplicaLog holed =
        ReplicaLog.builder("n2").append("t", 0, 0, "a").append("t", 0, 2, "c").build();
    final Report r =
        Checker.check(
            List.of(ok(1, "a", 0, 10, 0), ok(2, "b", 0, 10, 1), ok(3, "c", 0, 10, 2)),
            List.of(replica("n1", "a", "b", "c"), holed));
    only(r, AnomalyType.DIVERGENT_PREFIX, 2);
  }

  @Test
  void phantomNeverAttempted() {
    final Report r =
        Checker.check(List.of(ok(1, "a", 0, 10, 0)), List.of(replica("n1", "a", "ghost")));
    assertTrue(only(r, AnomalyType.PHANTOM).description().contains("'ghost'"));
  }

  @Test
  void phantomThatAppearsTwiceIsAlsoADuplicate() {
    final Report r =
        Checker.check(List.of(ok(1, "a", 0, 10, 0)), List.of(replica("n1", "a", "ghost", "ghost")));
    assertEquals(1, r.count(AnomalyType.PHANTOM), r::toString);
    assertEquals(1, r.count(AnomalyType.DUPLICATE), r::toString);
    assertEquals(2, r.anomalyCount(), r::toString);
  }

  @Test
  void phantomOfADefiniteFailure() {
    final Report r =
        Checker.check(
            List.of(ok(1, "a", 0, 10, 0), op(2, "f", Outcome.FAIL, 0, 5)),
            List.of(replica("n1", "a", "f")));
    only(r, AnomalyType.PHANTOM, 2);
  }

  @Test
  void staleRead() {
    // Read began at 11, after op 1 was acked at offset 0 (10), and covered offset 0 but missed it.
    final Report r =
        Checker.check(
            List.of(
                ok(1, "a", 0, 10, 0),
                ok(2, "b", 0, 10, 1),
                read(3, 11, 20, 0, 2, new LogEntry(1, "b"))),
            List.of(replica("n1", "a", "b")));
    only(r, AnomalyType.STALE_READ, 3, 1);
  }

  @Test
  void readConcurrentWithProduceMayMissIt() {
    final Report r =
        Checker.check(
            List.of(ok(1, "a", 0, 10, 0), read(2, 10, 20, 0, 1), read(3, 5, 20, 0, 1)),
            List.of(replica("n1", "a")));
    assertTrue(r.clean(), r::toString);
  }

  @Test
  void dirtyReadOfARecordThatVanished() {
    final Report r =
        Checker.check(
            List.of(
                ok(1, "a", 0, 10, 0),
                op(2, "u", Outcome.UNKNOWN, 0, 3),
                read(3, 1, 2, 0, 2, new LogEntry(0, "a"), new LogEntry(1, "u"))),
            List.of(replica("n1", "a")));
    final Anomaly a = only(r, AnomalyType.STALE_READ, 3, 2);
    assertTrue(a.description().startsWith("dirty read"), a::toString);
  }

  @Test
  void malformedInput() {
    final List<Op> history =
        List.of(
            ok(1, "a", 0, 10, 0),
            ok(1, "b", 0, 10, 1),
            ok(3, "a", 0, 10, 2),
            ok(4, "c", 0, 10, -1));
    final ReplicaLog backwards =
        ReplicaLog.builder("n1")
            .append("t", 0, 0, "a")
            .append("t", 0, 1, "b")
            .append("t", 0, 1, "z")
            .build();
    final Report r = Checker.check(history, List.of(backwards));
    assertEquals(4, r.count(AnomalyType.MALFORMED), r::toString);
  }

  @Test
  void detailsAreCappedButCountsAreExact() {
    final List<Op> history = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      history.add(ok(i, "p" + i, 0, 10, i));
    }
    final Report r = Checker.check(history, List.of(), 5);
    assertEquals(50, r.lost());
    assertEquals(5, r.anomalies().size());
    assertTrue(r.summary().contains("lost=50") && r.summary().endsWith("anomalies=50"));
  }

  @Test
  void partitionsAreCheckedIndependently() {
    final List<Op> history =
        List.of(
            Op.produce(1, 1, "t", 0, "a", Outcome.OK, 0, 10, 0),
            Op.produce(1, 2, "t", 1, "b", Outcome.OK, 20, 30, 0),
            Op.produce(1, 3, "u", 0, "c", Outcome.OK, 40, 50, 0));
    final ReplicaLog n1 =
        ReplicaLog.builder("n1")
            .append("t", 0, 0, "a")
            .append("t", 1, 0, "b")
            .append("u", 0, 0, "c")
            .build();
    final Report r = Checker.check(history, List.of(n1));
    assertTrue(r.clean(), r::toString);
    assertEquals(3, r.verified());
  }

  @Test
  void orderIsAStableSort() {
    final Random rnd = new Random(7);
    for (int n = 0; n < 300; n++) {
      final long[] keys = new long[n];
      final List<Integer> expected = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        keys[i] = rnd.nextInt(Math.max(1, n / 3)) - n / 6;
        expected.add(i);
      }
      expected.sort(Comparator.comparingLong(i -> keys[i]));
      final List<Integer> actual = new ArrayList<>();
      for (final int i : Checker.order(keys)) {
        actual.add(i);
      }
      assertEquals(expected, actual);
    }
  }
}
