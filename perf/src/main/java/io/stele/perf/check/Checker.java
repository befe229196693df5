package io.stele.perf.check;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Checks a history of client operations against the final logs of every replica.
 *
 * <p>Per topic/partition the <em>reference log</em> is the replica log reaching the highest offset
 * (ties: more records, then the earlier replica). Every other replica must agree with it on the
 * offsets it spans (it may lag, or start later). Every acknowledged produce must be in the
 * reference log at its acknowledged offset; definite failures and unattempted payloads must not be
 * there; produces with an unknown outcome may or may not be. Acknowledged produces must keep real
 * time order, and successful reads must see every produce acknowledged before they began and
 * nothing the reference log does not hold. Runs in O(n log n).
 */
public final class Checker {
  /** Details kept per anomaly type unless told otherwise; counts are always exact. */
  public static final int DEFAULT_MAX_DETAILS_PER_TYPE = 1000;

  private static final int MAX_LISTED = 10;

  private Checker() {}

  /** Checks {@code history} against {@code replicas}. */
  public static Report check(final List<Op> history, final List<ReplicaLog> replicas) {
    return check(history, replicas, DEFAULT_MAX_DETAILS_PER_TYPE);
  }

  /** Checks {@code history} against {@code replicas}, keeping at most that many details a type. */
  public static Report check(
      final List<Op> history, final List<ReplicaLog> replicas, final int maxDetailsPerType) {
    return new Run(history, replicas, new Report(maxDetailsPerType)).run();
  }

  /** One partition log of one replica, as parallel arrays with strictly increasing offsets. */
  private static final class Part {
    final String replica;
    final long[] offsets;
    final String[] payloads;

    Part(final String replica, final long[] offsets, final String[] payloads) {
      this.replica = replica;
      this.offsets = offsets;
      this.payloads = payloads;
    }

    int size() {
      return offsets.length;
    }

    long end() {
      return offsets.length == 0 ? 0 : offsets[offsets.length - 1] + 1;
    }

    String at(final long offset) {
      final int i = Arrays.binarySearch(offsets, offset);
      return i >= 0 ? payloads[i] : null;
    }
  }

  private record Loc(TopicPartition tp, long offset) {
    @Override
    public String toString() {
      return tp + "@" + offset;
    }
  }

  private record Landed(Op op, long offset) {}

  private static final class Run {
    private final List<Op> history;
    private final List<ReplicaLog> replicas;
    private final Report report;
    private final PayloadIndex payloads;
    private final List<TopicPartition> tpIds = new ArrayList<>();
    private final Map<TopicPartition, List<Op>> ackedByTp = new TreeMap<>();
    private final List<Op> okReads = new ArrayList<>();
    private final Map<TopicPartition, Part> refs = new TreeMap<>();
    private final Map<TopicPartition, List<Landed>> unknownLanded = new HashMap<>();

    Run(final List<Op> history, final List<ReplicaLog> replicas, final Report report) {
      this.history = history;
      this.replicas = replicas;
      this.report = report;
      this.payloads = new PayloadIndex(history.toArray(new Op[0]));
    }

    Report run() {
      indexHistory();
      buildReferenceLogs();
      indexReferenceLogs();
      verifyAcked();
      for (final Map.Entry<TopicPartition, List<Op>> e : ackedByTp.entrySet()) {
        final List<Op> acked = e.getValue();
        final long[] offsets = new long[acked.size()];
        for (int i = 0; i < offsets.length; i++) {
          offsets[i] = acked.get(i).ackedOffset();
        }
        final Op[] sorted = new Op[offsets.length];
        final int[] order = order(offsets);
        for (int i = 0; i < order.length; i++) {
          sorted[i] = acked.get(order[i]);
        }
        acked.clear();
        acked.addAll(Arrays.asList(sorted));
        checkConflicts(e.getKey(), acked);
        checkOrder(e.getKey(), acked);
      }
      checkReads();
      return report;
    }

    private void indexHistory() {
      final long[] ids = new long[history.size()];
      int n = 0;
      for (final Op op : history) {
        ids[n++] = op.opId();
        if (op.kind() == Op.Kind.READ) {
          if (op.outcome() == Op.Outcome.OK) {
            report.reads++;
            okReads.add(op);
          }
          continue;
        }
        if (op.outcome() != Op.Outcome.UNKNOWN && op.completeNanos() < op.invokeNanos()) {
          report.add(
              AnomalyType.MALFORMED,
              "op " + op.opId() + " completes before it is invoked",
              List.of(op.opId()));
        }
        final int slot = payloads.addOp(n - 1);
        final Op prev = slot < 0 ? payloads.op(-slot - 1) : null;
        if (prev != null) {
          report.add(
              AnomalyType.MALFORMED,
              "payload '"
                  + op.payloadId()
                  + "' produced by both op "
                  + prev.opId()
                  + " and op "
                  + op.opId(),
              List.of(prev.opId(), op.opId()));
        }
        switch (op.outcome()) {
          case OK -> {
            report.acked++;
            if (op.ackedOffset() < 0) {
              report.add(
                  AnomalyType.MALFORMED,
                  "op " + op.opId() + " is OK but has no acked offset (" + op.ackedOffset() + ")",
                  List.of(op.opId()));
            } else {
              ackedByTp.computeIfAbsent(op.topicPartition(), k -> new ArrayList<>()).add(op);
            }
          }
          case FAIL -> report.failed++;
          case UNKNOWN -> report.unknown++;
        }
      }
      Arrays.sort(ids);
      for (int i = 1; i < ids.length; i++) {
        if (ids[i] == ids[i - 1] && (i == 1 || ids[i - 2] != ids[i])) {
          report.add(
              AnomalyType.MALFORMED,
              "op id " + ids[i] + " appears more than once",
              List.of(ids[i]));
        }
      }
    }

    private Part sanitize(final String replica, final TopicPartition tp, final List<LogEntry> log) {
      final long[] offsets = new long[log.size()];
      final String[] payloads = new String[log.size()];
      int n = 0;
      int dropped = 0;
      long firstBad = -1;
      for (final LogEntry e : log) {
        if (n > 0 && e.offset() <= offsets[n - 1]) {
          if (dropped++ == 0) {
            firstBad = e.offset();
          }
          continue;
        }
        offsets[n] = e.offset();
        payloads[n] = e.payloadId();
        n++;
      }
      if (dropped > 0) {
        report.add(
            AnomalyType.MALFORMED,
            "replica "
                + replica
                + " "
                + tp
                + ": offsets not strictly increasing, first at offset "
                + firstBad
                + " ("
                + dropped
                + " records ignored)",
            List.of());
      }
      return new Part(replica, Arrays.copyOf(offsets, n), Arrays.copyOf(payloads, n));
    }

    private void buildReferenceLogs() {
      report.replicas = replicas.size();
      final Map<TopicPartition, List<Part>> byTp = new TreeMap<>();
      for (final ReplicaLog r : replicas) {
        for (final Map.Entry<TopicPartition, List<LogEntry>> e : r.logs().entrySet()) {
          byTp.computeIfAbsent(e.getKey(), k -> new ArrayList<>())
              .add(sanitize(r.replica(), e.getKey(), e.getValue()));
        }
      }
      for (final Map.Entry<TopicPartition, List<Part>> e : byTp.entrySet()) {
        Part ref = null;
        for (final Part p : e.getValue()) {
          if (ref == null
              || p.end() > ref.end()
              || (p.end() == ref.end() && p.size() > ref.size())) {
            ref = p;
          }
        }
        refs.put(e.getKey(), ref);
        for (final Part p : e.getValue()) {
          if (p != ref) {
            compareWithReference(e.getKey(), ref, p);
          }
        }
      }
    }

    private void compareWithReference(final TopicPartition tp, final Part ref, final Part other) {
      if (other.size() == 0) {
        return;
      }
      final long hi = other.offsets[other.size() - 1];
      int i = lowerBound(ref.offsets, other.offsets[0]);
      int j = 0;
      long mismatches = 0;
      long firstOffset = -1;
      String refPayload = null;
      String otherPayload = null;
      while (j < other.size() || (i < ref.size() && ref.offsets[i] <= hi)) {
        final long offset;
        final String rp;
        final String op;
        if (j < other.size() && i < ref.size() && ref.offsets[i] == other.offsets[j]) {
          offset = ref.offsets[i];
          rp = ref.payloads[i++];
          op = other.payloads[j++];
          if (rp.equals(op)) {
            continue;
          }
        } else if (j >= other.size() || (i < ref.size() && ref.offsets[i] < other.offsets[j])) {
          offset = ref.offsets[i];
          rp = ref.payloads[i++];
          op = null;
        } else {
          offset = other.offsets[j];
          rp = null;
          op = other.payloads[j++];
        }
        if (mismatches++ == 0) {
          firstOffset = offset;
          refPayload = rp;
          otherPayload = op;
        }
      }
      if (mismatches > 0) {
        final List<Long> ids = new ArrayList<>();
        addOpId(ids, refPayload);
        addOpId(ids, otherPayload);
        report.add(
            AnomalyType.DIVERGENT_PREFIX,
            "replica "
                + other.replica
                + " disagrees with reference replica "
                + ref.replica
                + " on "
                + tp
                + " at "
                + mismatches
                + " offset(s); first at offset "
                + firstOffset
                + ": "
                + ref.replica
                + " has "
                + describe(refPayload)
                + ", "
                + other.replica
                + " has "
                + describe(otherPayload)
                + producedBy(refPayload)
                + producedBy(otherPayload),
            ids);
      }
    }

    private void indexReferenceLogs() {
      final Map<String, List<Loc>> duplicates = new LinkedHashMap<>();
      for (final Map.Entry<TopicPartition, Part> e : refs.entrySet()) {
        final TopicPartition tp = e.getKey();
        final Part ref = e.getValue();
        final int tpId = tpIds.size();
        tpIds.add(tp);
        report.records += ref.size();
        for (int i = 0; i < ref.size(); i++) {
          final String payload = ref.payloads[i];
          int slot = payloads.find(payload);
          if (slot < 0) {
            slot = payloads.addStranger(payload);
          }
          if (payloads.tp(slot) >= 0) {
            final Loc first = new Loc(tpIds.get(payloads.tp(slot)), payloads.offset(slot));
            duplicates
                .computeIfAbsent(payload, k -> new ArrayList<>(List.of(first)))
                .add(new Loc(tp, ref.offsets[i]));
            continue;
          }
          payloads.locate(slot, tpId, ref.offsets[i]);
          final Op op = payloads.op(slot);
          if (op == null) {
            report.add(
                AnomalyType.PHANTOM,
                "record "
                    + describe(payload)
                    + " at "
                    + new Loc(tp, ref.offsets[i])
                    + " (replica "
                    + ref.replica
                    + ") was never produced by any client",
                List.of());
          } else if (op.outcome() == Op.Outcome.FAIL) {
            report.add(
                AnomalyType.PHANTOM,
                "op "
                    + op.opId()
                    + " failed to produce "
                    + describe(payload)
                    + " but it is at "
                    + new Loc(tp, ref.offsets[i])
                    + " (replica "
                    + ref.replica
                    + ")",
                List.of(op.opId()));
          } else if (op.outcome() == Op.Outcome.UNKNOWN) {
            report.unknownLanded++;
            if (op.topicPartition().equals(tp)) {
              unknownLanded
                  .computeIfAbsent(tp, k -> new ArrayList<>())
                  .add(new Landed(op, ref.offsets[i]));
            } else {
              report.add(
                  AnomalyType.WRONG_OFFSET,
                  "op "
                      + op.opId()
                      + " (outcome unknown) produced "
                      + describe(payload)
                      + " to "
                      + op.topicPartition()
                      + " but it is at "
                      + new Loc(tp, ref.offsets[i])
                      + " (replica "
                      + ref.replica
                      + ")",
                  List.of(op.opId()));
            }
          }
        }
      }
      for (final Map.Entry<String, List<Loc>> e : duplicates.entrySet()) {
        final List<Long> ids = new ArrayList<>();
        addOpId(ids, e.getKey());
        final List<Loc> locs = e.getValue();
        report.add(
            AnomalyType.DUPLICATE,
            "payload "
                + describe(e.getKey())
                + (ids.isEmpty() ? "" : " of op " + ids.get(0))
                + " appears "
                + locs.size()
                + " times in the reference log: "
                + listed(locs),
            ids);
      }
    }

    private void verifyAcked() {
      for (final Map.Entry<TopicPartition, List<Op>> e : ackedByTp.entrySet()) {
        final TopicPartition tp = e.getKey();
        final Part ref = refs.get(tp);
        for (final Op op : e.getValue()) {
          final String at = ref == null ? null : ref.at(op.ackedOffset());
          if (op.payloadId().equals(at)) {
            report.verified++;
            continue;
          }
          final String acked =
              "op "
                  + op.opId()
                  + " acked "
                  + describe(op.payloadId())
                  + " at "
                  + tp
                  + "@"
                  + op.ackedOffset();
          final String there =
              at == null ? "" : "; offset " + op.ackedOffset() + " holds " + describe(at);
          final int slot = payloads.find(op.payloadId());
          final Loc loc =
              payloads.tp(slot) < 0
                  ? null
                  : new Loc(tpIds.get(payloads.tp(slot)), payloads.offset(slot));
          if (loc != null) {
            report.add(
                AnomalyType.WRONG_OFFSET,
                acked + " but the reference log has it at " + loc + there,
                List.of(op.opId()));
          } else {
            report.add(
                AnomalyType.LOST_ACK,
                acked
                    + " but no replica has it; "
                    + (ref == null
                        ? "no replica has " + tp
                        : "reference replica " + ref.replica + " ends at offset " + ref.end())
                    + there,
                List.of(op.opId()));
          }
        }
      }
    }

    private void checkConflicts(final TopicPartition tp, final List<Op> acked) {
      int i = 0;
      while (i < acked.size()) {
        int j = i + 1;
        while (j < acked.size() && acked.get(j).ackedOffset() == acked.get(i).ackedOffset()) {
          j++;
        }
        if (j - i > 1) {
          final List<Op> group = acked.subList(i, j);
          final List<Long> ids = new ArrayList<>();
          final List<String> named = new ArrayList<>();
          for (final Op op : group) {
            ids.add(op.opId());
            named.add("op " + op.opId() + " " + describe(op.payloadId()));
          }
          report.add(
              AnomalyType.CONFLICT,
              group.size()
                  + " produces acked at "
                  + tp
                  + "@"
                  + acked.get(i).ackedOffset()
                  + ": "
                  + listed(named),
              ids);
        }
        i = j;
      }
    }

    private void checkOrder(final TopicPartition tp, final List<Op> acked) {
      final int n = acked.size();
      final long[] completes = new long[n];
      for (int i = 0; i < n; i++) {
        completes[i] = acked.get(i).completeNanos();
      }
      final int[] byComplete = order(completes);
      final List<Landed> landed = unknownLanded.getOrDefault(tp, List.of());
      final Landed[] later = new Landed[n + landed.size()];
      final long[] invokes = new long[later.length];
      for (int i = 0; i < later.length; i++) {
        later[i] = i < n ? new Landed(acked.get(i), acked.get(i).ackedOffset()) : landed.get(i - n);
        invokes[i] = later[i].op().invokeNanos();
      }
      int next = 0;
      Op max = null;
      for (final int k : order(invokes)) {
        final Landed b = later[k];
        final long invoke = invokes[k];
        while (next < n && completes[byComplete[next]] < invoke) {
          final Op a = acked.get(byComplete[next++]);
          if (max == null || a.ackedOffset() > max.ackedOffset()) {
            max = a;
          }
        }
        if (max != null && max != b.op() && max.ackedOffset() >= b.offset()) {
          final Op bop = b.op();
          report.add(
              AnomalyType.ORDER_VIOLATION,
              "op "
                  + max.opId()
                  + " acked "
                  + describe(max.payloadId())
                  + " at "
                  + tp
                  + "@"
                  + max.ackedOffset()
                  + " (completed "
                  + max.completeNanos()
                  + ") before op "
                  + bop.opId()
                  + " was invoked ("
                  + invoke
                  + "), yet op "
                  + bop.opId()
                  + " "
                  + describe(bop.payloadId())
                  + (bop.outcome() == Op.Outcome.OK ? " was acked at" : " landed at")
                  + " offset "
                  + b.offset(),
              List.of(max.opId(), bop.opId()));
        }
      }
    }

    private void checkReads() {
      final Map<TopicPartition, long[]> ackedOffsets = new HashMap<>();
      for (final Map.Entry<TopicPartition, List<Op>> e : ackedByTp.entrySet()) {
        final List<Op> acked = e.getValue();
        final long[] offsets = new long[acked.size()];
        for (int i = 0; i < offsets.length; i++) {
          offsets[i] = acked.get(i).ackedOffset();
        }
        ackedOffsets.put(e.getKey(), offsets);
      }
      for (final Op read : okReads) {
        final TopicPartition tp = read.topicPartition();
        final Part ref = refs.get(tp);
        List<LogEntry> entries = read.records();
        for (int i = 1; i < entries.size(); i++) {
          if (entries.get(i).offset() <= entries.get(i - 1).offset()) {
            entries = new ArrayList<>(entries);
            entries.sort(Comparator.comparingLong(LogEntry::offset));
            break;
          }
        }
        final long[] got = new long[entries.size()];
        for (int i = 0; i < got.length; i++) {
          got[i] = entries.get(i).offset();
        }
        checkDirty(read, tp, ref, entries);
        final long from =
            read.readFrom() >= 0 ? read.readFrom() : got.length == 0 ? Long.MAX_VALUE : got[0];
        final long end =
            read.readEnd() >= 0
                ? read.readEnd()
                : got.length == 0 ? Long.MIN_VALUE : got[got.length - 1] + 1;
        final List<Op> acked = ackedByTp.get(tp);
        if (acked == null || from >= end) {
          continue;
        }
        final long[] offsets = ackedOffsets.get(tp);
        long missing = 0;
        Op first = null;
        String firstGot = null;
        for (int k = lowerBound(offsets, from); k < offsets.length && offsets[k] < end; k++) {
          final Op p = acked.get(k);
          if (p.completeNanos() >= read.invokeNanos()) {
            continue;
          }
          final int at = Arrays.binarySearch(got, p.ackedOffset());
          final String seen = at >= 0 ? entries.get(at).payloadId() : null;
          if (!p.payloadId().equals(seen) && missing++ == 0) {
            first = p;
            firstGot = seen;
          }
        }
        if (first != null) {
          report.add(
              AnomalyType.STALE_READ,
              "stale read: op "
                  + read.opId()
                  + " read "
                  + tp
                  + " ["
                  + from
                  + ", "
                  + end
                  + ") invoked at "
                  + read.invokeNanos()
                  + ", after op "
                  + first.opId()
                  + " acked "
                  + describe(first.payloadId())
                  + " at offset "
                  + first.ackedOffset()
                  + " (completed "
                  + first.completeNanos()
                  + "), but returned "
                  + describe(firstGot)
                  + " there"
                  + (missing > 1 ? " (" + missing + " such offsets)" : ""),
              List.of(read.opId(), first.opId()));
        }
      }
    }

    private void checkDirty(
        final Op read, final TopicPartition tp, final Part ref, final List<LogEntry> entries) {
      long bad = 0;
      LogEntry first = null;
      String inLog = null;
      for (final LogEntry e : entries) {
        final String at = ref == null ? null : ref.at(e.offset());
        if (!e.payloadId().equals(at) && bad++ == 0) {
          first = e;
          inLog = at;
        }
      }
      if (first != null) {
        final List<Long> ids = new ArrayList<>();
        ids.add(read.opId());
        addOpId(ids, first.payloadId());
        report.add(
            AnomalyType.STALE_READ,
            "dirty read: op "
                + read.opId()
                + " read "
                + describe(first.payloadId())
                + " at "
                + tp
                + "@"
                + first.offset()
                + " but the reference log"
                + (ref == null ? "" : " (replica " + ref.replica + ")")
                + " has "
                + describe(inLog)
                + " there"
                + (bad > 1 ? " (" + bad + " such records)" : "")
                + producedBy(first.payloadId()),
            ids);
      }
    }

    private Op producer(final String payload) {
      final int slot = payload == null ? -1 : payloads.find(payload);
      return slot < 0 ? null : payloads.op(slot);
    }

    private String producedBy(final String payload) {
      final Op op = producer(payload);
      return op == null
          ? ""
          : "; op " + op.opId() + " (" + op.outcome() + ") produced " + describe(payload);
    }

    private void addOpId(final List<Long> ids, final String payload) {
      if (payload == null) {
        return;
      }
      final Op op = producer(payload);
      if (op != null && !ids.contains(op.opId())) {
        ids.add(op.opId());
      }
    }
  }

  /** Indices of {@code keys} in ascending key order; stable. */
  static int[] order(final long[] keys) {
    final int n = keys.length;
    int[] a = new int[n];
    int[] b = new int[n];
    for (int i = 0; i < n; i++) {
      a[i] = i;
    }
    boolean sorted = true;
    for (int i = 1; i < n && sorted; i++) {
      sorted = keys[i - 1] <= keys[i];
    }
    if (sorted) {
      return a;
    }
    for (int width = 1; width < n; width *= 2) {
      for (int lo = 0; lo < n; lo += 2 * width) {
        final int mid = Math.min(lo + width, n);
        final int hi = Math.min(lo + 2 * width, n);
        int i = lo;
        int j = mid;
        int k = lo;
        while (i < mid && j < hi) {
          b[k++] = keys[a[j]] < keys[a[i]] ? a[j++] : a[i++];
        }
        while (i < mid) {
          b[k++] = a[i++];
        }
        while (j < hi) {
          b[k++] = a[j++];
        }
      }
      final int[] t = a;
      a = b;
      b = t;
    }
    return a;
  }

  private static int lowerBound(final long[] sorted, final long key) {
    int lo = 0;
    int hi = sorted.length;
    while (lo < hi) {
      final int mid = (lo + hi) >>> 1;
      if (sorted[mid] < key) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  private static String describe(final String payload) {
    return payload == null ? "nothing" : "'" + payload + "'";
  }

  private static String listed(final List<?> items) {
    final StringBuilder sb = new StringBuilder();
    final int n = Math.min(items.size(), MAX_LISTED);
    for (int i = 0; i < n; i++) {
      if (i > 0) {
        sb.append(", ");
      }
      sb.append(items.get(i));
    }
    if (items.size() > n) {
      sb.append(", ... (").append(items.size() - n).append(" more)");
    }
    return sb.toString();
  }
}
