package io.stele.perf.check;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Generates valid concurrent histories from a simulated linearizable log: each op takes effect at
 * one instant inside its invocation window; produces append in that order, reads see the prefix.
 */
final class HistoryGen {
  /** A generated history, the true log, and how far each lagging replica got. */
  static final class World {
    final List<Op> history = new ArrayList<>();
    final Map<TopicPartition, List<LogEntry>> log = new TreeMap<>();
    final Map<TopicPartition, Integer> lagged = new TreeMap<>();
    final Map<TopicPartition, Integer> trimmedHead = new TreeMap<>();

    /** Four replicas: two complete, one lagging, one lagging with its head trimmed. */
    List<ReplicaLog> replicas() {
      final ReplicaLog.Builder full = ReplicaLog.builder("n0");
      final ReplicaLog.Builder lag = ReplicaLog.builder("n1");
      final ReplicaLog.Builder copy = ReplicaLog.builder("n2");
      final ReplicaLog.Builder window = ReplicaLog.builder("n3");
      for (final Map.Entry<TopicPartition, List<LogEntry>> e : log.entrySet()) {
        final List<LogEntry> l = e.getValue();
        final int cut = Math.min(l.size(), lagged.getOrDefault(e.getKey(), l.size()));
        final int head = Math.min(cut, trimmedHead.getOrDefault(e.getKey(), 0));
        for (int i = 0; i < l.size(); i++) {
          full.append(e.getKey(), l.get(i));
          copy.append(e.getKey(), l.get(i));
          if (i < cut) {
            lag.append(e.getKey(), l.get(i));
            if (i >= head) {
              window.append(e.getKey(), l.get(i));
            }
          }
        }
      }
      return List.of(full.build(), lag.build(), copy.build(), window.build());
    }

    Op byOpId(final long opId) {
      for (final Op op : history) {
        if (op.opId() == opId) {
          return op;
        }
      }
      throw new IllegalArgumentException("no op " + opId);
    }

    void replace(final Op old, final Op now) {
      history.set(history.indexOf(old), now);
    }
  }

  private record Pending(Op op, long lin, boolean lands) {}

  private HistoryGen() {}

  static World generate(
      final long seed,
      final int ops,
      final int clients,
      final int partitions,
      final double readFraction) {
    final Random rnd = new Random(seed);
    final List<TopicPartition> tps = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      tps.add(new TopicPartition(p % 2 == 0 ? "orders" : "audit", p / 2));
    }
    final long[] clock = new long[clients];
    for (int c = 0; c < clients; c++) {
      clock[c] = rnd.nextInt(100);
    }
    final List<Pending> pending = new ArrayList<>(ops);
    for (int i = 0; i < ops; i++) {
      final int c = rnd.nextInt(clients);
      final long invoke = clock[c] + 1 + rnd.nextInt(50);
      final long duration = 1 + rnd.nextInt(200);
      final long complete = invoke + duration;
      clock[c] = complete;
      final TopicPartition tp = tps.get(rnd.nextInt(tps.size()));
      final long lin = invoke + (long) (rnd.nextDouble() * duration);
      if (rnd.nextDouble() < readFraction) {
        final Op read =
            Op.read(
                c, i, tp.topic(), tp.partition(), Op.Outcome.OK, invoke, complete, -1, -1, null);
        pending.add(new Pending(read, lin, false));
        continue;
      }
      final String payload = "c" + c + "-" + i;
      final double roll = rnd.nextDouble();
      if (roll < 0.84) {
        pending.add(
            new Pending(produce(c, i, tp, payload, Op.Outcome.OK, invoke, complete), lin, true));
      } else if (roll < 0.90) {
        pending.add(
            new Pending(produce(c, i, tp, payload, Op.Outcome.FAIL, invoke, complete), lin, false));
      } else {
        final boolean lands = rnd.nextBoolean();
        final long late = invoke + (long) (rnd.nextDouble() * duration * 3);
        pending.add(
            new Pending(
                produce(c, i, tp, payload, Op.Outcome.UNKNOWN, invoke, complete), late, lands));
      }
    }
    pending.sort(Comparator.comparingLong(Pending::lin).thenComparingLong(p -> p.op().opId()));
    final World w = new World();
    final Map<TopicPartition, List<Long>> linTimes = new HashMap<>();
    final List<Pending> reads = new ArrayList<>();
    for (final Pending p : pending) {
      final Op op = p.op();
      final TopicPartition tp = op.topicPartition();
      if (op.kind() == Op.Kind.READ) {
        reads.add(p);
        continue;
      }
      final List<LogEntry> log = w.log.computeIfAbsent(tp, k -> new ArrayList<>());
      if (!p.lands()) {
        w.history.add(op);
        continue;
      }
      final long offset = log.size();
      log.add(new LogEntry(offset, op.payloadId()));
      linTimes.computeIfAbsent(tp, k -> new ArrayList<>()).add(p.lin());
      w.history.add(op.outcome() == Op.Outcome.OK ? produce(op, offset) : op);
    }
    for (final Pending p : reads) {
      final Op op = p.op();
      final TopicPartition tp = op.topicPartition();
      final List<Long> times = linTimes.getOrDefault(tp, List.of());
      final int visible = countBelow(times, p.lin());
      final int from =
          rnd.nextBoolean() ? rnd.nextInt(visible + 1) : Math.max(0, visible - rnd.nextInt(8));
      final int end = Math.min(visible, from + rnd.nextInt(24));
      final List<LogEntry> records =
          new ArrayList<>(w.log.getOrDefault(tp, List.of()).subList(from, end));
      w.history.add(
          Op.read(
              op.clientId(),
              op.opId(),
              tp.topic(),
              tp.partition(),
              Op.Outcome.OK,
              op.invokeNanos(),
              op.completeNanos(),
              from,
              end,
              records));
    }
    for (final Map.Entry<TopicPartition, List<LogEntry>> e : w.log.entrySet()) {
      final int size = e.getValue().size();
      final int cut = size - rnd.nextInt(Math.min(size, 20) + 1);
      w.lagged.put(e.getKey(), cut);
      w.trimmedHead.put(e.getKey(), rnd.nextInt(Math.min(cut, 10) + 1));
    }
    Collections.shuffle(w.history, rnd);
    return w;
  }

  static Op produce(
      final long client,
      final long opId,
      final TopicPartition tp,
      final String payload,
      final Op.Outcome outcome,
      final long invoke,
      final long complete) {
    return Op.produce(
        client, opId, tp.topic(), tp.partition(), payload, outcome, invoke, complete, -1);
  }

  static Op produce(final Op op, final long ackedOffset) {
    return Op.produce(
        op.clientId(),
        op.opId(),
        op.topic(),
        op.partition(),
        op.payloadId(),
        op.outcome(),
        op.invokeNanos(),
        op.completeNanos(),
        ackedOffset);
  }

  private static int countBelow(final List<Long> sorted, final long t) {
    int lo = 0;
    int hi = sorted.size();
    while (lo < hi) {
      final int mid = (lo + hi) >>> 1;
      if (sorted.get(mid) < t) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
}
