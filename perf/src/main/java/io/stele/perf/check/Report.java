package io.stele.perf.check;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What the {@link Checker} found: anomalies (details capped per type, counts exact) and tallies of
 * the history and logs.
 */
public final class Report {
  private final int maxDetailsPerType;
  private final List<Anomaly> anomalies = new ArrayList<>();
  private final Map<AnomalyType, Long> counts = new EnumMap<>(AnomalyType.class);
  long acked;
  long verified;
  long failed;
  long unknown;
  long unknownLanded;
  long reads;
  long replicas;
  long records;

  Report(final int maxDetailsPerType) {
    this.maxDetailsPerType = maxDetailsPerType;
    for (final AnomalyType t : AnomalyType.values()) {
      counts.put(t, 0L);
    }
  }

  void add(final AnomalyType type, final String description, final List<Long> opIds) {
    final long n = counts.merge(type, 1L, Long::sum);
    if (n <= maxDetailsPerType) {
      anomalies.add(new Anomaly(type, description, opIds));
    }
  }

  /** Anomalies found, at most {@code maxDetailsPerType} of each type, in detection order. */
  public List<Anomaly> anomalies() {
    return Collections.unmodifiableList(anomalies);
  }

  /** Anomalies of one type, as kept. */
  public List<Anomaly> anomalies(final AnomalyType type) {
    final List<Anomaly> out = new ArrayList<>();
    for (final Anomaly a : anomalies) {
      if (a.type() == type) {
        out.add(a);
      }
    }
    return out;
  }

  /** Exact number of anomalies of one type, including any whose details were not kept. */
  public long count(final AnomalyType type) {
    return counts.get(type);
  }

  /** Exact number of anomalies of all types. */
  public long anomalyCount() {
    long n = 0;
    for (final long c : counts.values()) {
      n += c;
    }
    return n;
  }

  /** True when no anomaly was found. */
  public boolean clean() {
    return anomalyCount() == 0;
  }

  /** Produces acknowledged OK. */
  public long acked() {
    return acked;
  }

  /** Acknowledged produces found in the reference log at their acknowledged offset. */
  public long verified() {
    return verified;
  }

  /** Acknowledged produces found nowhere in the reference log. */
  public long lost() {
    return count(AnomalyType.LOST_ACK);
  }

  /** Produces that definitely failed. */
  public long failed() {
    return failed;
  }

  /** Produces with an unknown outcome. */
  public long unknown() {
    return unknown;
  }

  /** Produces with an unknown outcome whose record is in the reference log. */
  public long unknownLanded() {
    return unknownLanded;
  }

  /** Successful reads checked. */
  public long reads() {
    return reads;
  }

  /** Replica logs given. */
  public long replicas() {
    return replicas;
  }

  /** Records in the reference log, over all partitions. */
  public long records() {
    return records;
  }

  /** A one-line receipt of the tallies and anomaly counts. */
  public String summary() {
    return "acked="
        + acked
        + " verified="
        + verified
        + " lost="
        + lost()
        + " wrongOffset="
        + count(AnomalyType.WRONG_OFFSET)
        + " duplicates="
        + count(AnomalyType.DUPLICATE)
        + " conflicts="
        + count(AnomalyType.CONFLICT)
        + " orderViolations="
        + count(AnomalyType.ORDER_VIOLATION)
        + " divergent="
        + count(AnomalyType.DIVERGENT_PREFIX)
        + " phantoms="
        + count(AnomalyType.PHANTOM)
        + " staleReads="
        + count(AnomalyType.STALE_READ)
        + " malformed="
        + count(AnomalyType.MALFORMED)
        + " failed="
        + failed
        + " unknown="
        + unknown
        + " unknownLanded="
        + unknownLanded
        + " reads="
        + reads
        + " replicas="
        + replicas
        + " records="
        + records
        + " anomalies="
        + anomalyCount();
  }

  @Override
  public String toString() {
    final StringBuilder sb = new StringBuilder(summary());
    for (final Anomaly a : anomalies) {
      sb.append('\n').append(a);
    }
    return sb.toString();
  }
}
