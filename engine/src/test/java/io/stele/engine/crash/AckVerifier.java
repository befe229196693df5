package io.stele.engine.crash;

import io.stele.engine.Engine;
import io.stele.engine.ReadStatus;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Accumulates acknowledgements printed by {@link CrashChild} and checks a recovered engine against
 * them: every acknowledged record present at its offset, byte-identical, and no gaps.
 */
final class AckVerifier {
  /** partition -> offset -> value. */
  final Map<Integer, TreeMap<Long, String>> acked = new HashMap<>();

  long count() {
    return acked.values().stream().mapToLong(Map::size).sum();
  }

  /** Parses "A p base count v1 v2 ..." lines. */
  void addAcks(final List<String> lines) {
    for (final String line : lines) {
      if (!line.startsWith("A ")) {
        continue;
      }
      final String[] f = line.split(" ");
      final int partition = Integer.parseInt(f[1]);
      final long base = Long.parseLong(f[2]);
      final int count = Integer.parseInt(f[3]);
      if (f.length != 4 + count) {
        throw new AssertionError("malformed ack line: " + line);
      }
      for (int i = 0; i < count; i++) {
        final String prev =
            acked.computeIfAbsent(partition, k -> new TreeMap<>()).put(base + i, f[4 + i]);
        if (prev != null && !prev.equals(f[4 + i])) {
          throw new AssertionError(
              "offset "
                  + (base + i)
                  + " of partition "
                  + partition
                  + " acked twice: "
                  + prev
                  + " and "
                  + f[4 + i]);
        }
      }
    }
  }

  /**
   * Checks the engine; returns the list of problems (empty when every ack survived).
   *
   * @param partitions number of partitions of the topic
   */
  List<String> verify(final Engine e, final String topic, final int partitions) {
    final List<String> problems = new ArrayList<>();
    if (e.describeTopic(topic) == null) {
      if (count() > 0) {
        problems.add("topic " + topic + " missing; " + count() + " acked records lost");
      }
      return problems;
    }
    for (int p = 0; p < partitions; p++) {
      final TreeMap<Long, String> found = new TreeMap<>();
      final long[] expectNext = {0};
      final int part = p;
      final ReadStatus s =
          e.read(
              topic,
              p,
              0,
              Integer.MAX_VALUE,
              Integer.MAX_VALUE,
              (offset, ts, b, ko, kl, vo, vl) -> {
                if (offset != expectNext[0]) {
                  problems.add(
                      "partition "
                          + part
                          + ": gap, offset "
                          + offset
                          + " after "
                          + (expectNext[0] - 1));
                }
                expectNext[0] = offset + 1;
                found.put(offset, b.getStringWithoutLengthAscii(vo, vl));
                return true;
              });
      if (s != ReadStatus.OK) {
        problems.add("partition " + p + ": read " + s);
      }
      final long end = e.describeTopic(topic).partitions().get(p).endOffset();
      if (end != found.size()) {
        problems.add("partition " + p + ": end offset " + end + " but read " + found.size());
      }
      for (final Map.Entry<Long, String> a : acked.getOrDefault(p, new TreeMap<>()).entrySet()) {
        final String v = found.get(a.getKey());
        if (v == null) {
          problems.add("partition " + p + ": acked offset " + a.getKey() + " lost");
        } else if (!v.equals(a.getValue())) {
          problems.add(
              "partition "
                  + p
                  + ": offset "
                  + a.getKey()
                  + " holds "
                  + v
                  + " but acked "
                  + a.getValue());
        }
      }
    }
    return problems;
  }
}
