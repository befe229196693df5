package io.stele.perf.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Valid generated histories check clean; one random mutation of each kind is always caught. */
class RandomHistoryTest {
  private static final int SEEDS = 20;

  enum Mutation {
    DROP_ACKED(AnomalyType.LOST_ACK),
    SWAP_OFFSETS(AnomalyType.WRONG_OFFSET),
    DUPLICATE_RECORD(AnomalyType.DUPLICATE),
    CONFLICTING_ACK(AnomalyType.CONFLICT),
    REORDER(AnomalyType.ORDER_VIOLATION),
    DIVERGE_REPLICA(AnomalyType.DIVERGENT_PREFIX),
    PHANTOM_RECORD(AnomalyType.PHANTOM),
    FAILED_LANDS(AnomalyType.PHANTOM),
    STALE_READ(AnomalyType.STALE_READ),
    DIRTY_READ(AnomalyType.STALE_READ);

    final AnomalyType expected;

    Mutation(final AnomalyType expected) {
      this.expected = expected;
    }
  }

  @Test
  void generatedHistoriesAreClean() {
    for (long seed = 1; seed <= SEEDS; seed++) {
      final HistoryGen.World w = HistoryGen.generate(seed, 4000, 12, 3, 0.15);
      final Report r = Checker.check(w.history, w.replicas());
      final long s = seed;
      assertTrue(r.clean(), () -> "seed " + s + ": " + r);
      assertTrue(r.acked() > 2000, r::summary);
      assertEquals(r.acked(), r.verified(), r::summary);
      assertTrue(r.unknownLanded() > 0 && r.unknownLanded() < r.unknown(), r::summary);
      assertTrue(r.reads() > 300, r::summary);
    }
  }

  @ParameterizedTest
  @EnumSource(Mutation.class)
  void everyMutationIsCaught(final Mutation mutation) {
    for (long seed = 1; seed <= SEEDS; seed++) {
      final HistoryGen.World w = HistoryGen.generate(seed, 3000, 8, 3, 0.15);
      final List<ReplicaLog> clean = w.replicas();
      assertTrue(Checker.check(w.history, clean).clean(), "seed " + seed + " before mutation");
      final Random rnd = new Random(seed * 31 + mutation.ordinal());
      final long[] named = new long[] {-1};
      final List<ReplicaLog> replicas = mutate(mutation, w, rnd, named);
      final Report r = Checker.check(w.history, replicas);
      final long s = seed;
      final List<Anomaly> found = r.anomalies(mutation.expected);
      assertTrue(!found.isEmpty(), () -> mutation + " seed " + s + " not flagged:\n" + r);
      if (named[0] >= 0) {
        final long id = named[0];
        assertTrue(
            found.stream().anyMatch(a -> a.opIds().contains(id)),
            () ->
                mutation
                    + " seed "
                    + s
                    + ": no "
                    + mutation.expected
                    + " names op "
                    + id
                    + ":\n"
                    + r);
      }
    }
  }

  private static List<ReplicaLog> mutate(
      final Mutation m, final HistoryGen.World w, final Random rnd, final long[] named) {
    switch (m) {
      case DROP_ACKED -> {
        final Op op = randomAcked(w, rnd);
        final List<LogEntry> log = w.log.get(op.topicPartition());
        log.removeIf(e -> e.payloadId().equals(op.payloadId()));
        named[0] = op.opId();
      }
      case SWAP_OFFSETS -> {
        final Op a = randomAcked(w, rnd);
        Op b;
        do {
          b = randomAcked(w, rnd);
        } while (!b.topicPartition().equals(a.topicPartition()) || b == a);
        final List<LogEntry> log = w.log.get(a.topicPartition());
        final int ia = (int) a.ackedOffset();
        final int ib = (int) b.ackedOffset();
        log.set(ia, new LogEntry(ia, b.payloadId()));
        log.set(ib, new LogEntry(ib, a.payloadId()));
        named[0] = a.opId();
      }
      case DUPLICATE_RECORD -> {
        final Op op = randomAcked(w, rnd);
        final List<LogEntry> log = w.log.get(op.topicPartition());
        log.add(new LogEntry(log.size(), op.payloadId()));
        named[0] = op.opId();
      }
      case CONFLICTING_ACK -> {
        final Op a = randomAcked(w, rnd);
        Op b;
        do {
          b = randomAcked(w, rnd);
        } while (!b.topicPartition().equals(a.topicPartition()) || b == a);
        w.replace(b, HistoryGen.produce(b, a.ackedOffset()));
        named[0] = b.opId();
      }
      case REORDER -> {
        Op a;
        Op b = null;
        do {
          a = randomAcked(w, rnd);
          for (final Op o : w.history) {
            if (o.kind() == Op.Kind.PRODUCE
                && o.outcome() == Op.Outcome.OK
                && o.topicPartition().equals(a.topicPartition())
                && o.invokeNanos() > a.completeNanos()) {
              b = o;
              break;
            }
          }
        } while (b == null);
        final List<LogEntry> log = w.log.get(a.topicPartition());
        final int ia = (int) a.ackedOffset();
        final int ib = (int) b.ackedOffset();
        log.set(ia, new LogEntry(ia, b.payloadId()));
        log.set(ib, new LogEntry(ib, a.payloadId()));
        w.replace(a, HistoryGen.produce(a, ib));
        w.replace(b, HistoryGen.produce(b, ia));
        named[0] = b.opId();
      }
      case DIVERGE_REPLICA -> {
        final List<ReplicaLog> replicas = new ArrayList<>(w.replicas());
        final ReplicaLog victim = replicas.get(1 + rnd.nextInt(replicas.size() - 1));
        final ReplicaLog.Builder b = ReplicaLog.builder(victim.replica());
        final List<TopicPartition> tps = new ArrayList<>(victim.logs().keySet());
        tps.removeIf(tp -> victim.log(tp).isEmpty());
        final TopicPartition bad = tps.get(rnd.nextInt(tps.size()));
        final int at = rnd.nextInt(victim.log(bad).size());
        for (final Map.Entry<TopicPartition, List<LogEntry>> e : victim.logs().entrySet()) {
          for (int i = 0; i < e.getValue().size(); i++) {
            final LogEntry entry = e.getValue().get(i);
            b.append(
                e.getKey(),
                e.getKey().equals(bad) && i == at
                    ? new LogEntry(entry.offset(), "diverged")
                    : entry);
          }
        }
        replicas.set(replicas.indexOf(victim), b.build());
        return replicas;
      }
      case PHANTOM_RECORD -> {
        final List<LogEntry> log = w.log.values().iterator().next();
        log.add(new LogEntry(log.size(), "never-produced"));
      }
      case FAILED_LANDS -> {
        final List<Op> failed = new ArrayList<>();
        for (final Op o : w.history) {
          if (o.kind() == Op.Kind.PRODUCE && o.outcome() == Op.Outcome.FAIL) {
            failed.add(o);
          }
        }
        final Op op = failed.get(rnd.nextInt(failed.size()));
        final List<LogEntry> log = w.log.get(op.topicPartition());
        log.add(new LogEntry(log.size(), op.payloadId()));
        named[0] = op.opId();
      }
      case STALE_READ -> {
        final List<Op> reads = readsWithRecords(w);
        for (int tries = 0; tries < 10_000; tries++) {
          final Op read = reads.get(rnd.nextInt(reads.size()));
          final LogEntry e = read.records().get(rnd.nextInt(read.records().size()));
          final Op p = producerOf(w, e.payloadId());
          if (p.outcome() == Op.Outcome.OK && p.completeNanos() < read.invokeNanos()) {
            final List<LogEntry> kept = new ArrayList<>(read.records());
            kept.remove(e);
            w.replace(read, withRecords(read, kept));
            named[0] = read.opId();
            return w.replicas();
          }
        }
        fail("no read saw an earlier acknowledged produce");
      }
      case DIRTY_READ -> {
        final List<Op> reads = readsWithRecords(w);
        final Op read = reads.get(rnd.nextInt(reads.size()));
        final List<LogEntry> changed = new ArrayList<>(read.records());
        final int i = rnd.nextInt(changed.size());
        changed.set(i, new LogEntry(changed.get(i).offset(), "uncommitted"));
        w.replace(read, withRecords(read, changed));
        named[0] = read.opId();
      }
    }
    return w.replicas();
  }

  private static Op randomAcked(final HistoryGen.World w, final Random rnd) {
    while (true) {
      final Op op = w.history.get(rnd.nextInt(w.history.size()));
      if (op.kind() == Op.Kind.PRODUCE && op.outcome() == Op.Outcome.OK) {
        return op;
      }
    }
  }

  private static List<Op> readsWithRecords(final HistoryGen.World w) {
    final List<Op> reads = new ArrayList<>();
    for (final Op o : w.history) {
      if (o.kind() == Op.Kind.READ && !o.records().isEmpty()) {
        reads.add(o);
      }
    }
    return reads;
  }

  private static Op producerOf(final HistoryGen.World w, final String payload) {
    for (final Op o : w.history) {
      if (payload.equals(o.payloadId())) {
        return o;
      }
    }
    throw new IllegalArgumentException(payload);
  }

  private static Op withRecords(final Op read, final List<LogEntry> records) {
    return Op.read(
        read.clientId(),
        read.opId(),
        read.topic(),
        read.partition(),
        read.outcome(),
        read.invokeNanos(),
        read.completeNanos(),
        read.readFrom(),
        read.readEnd(),
        records);
  }
}
