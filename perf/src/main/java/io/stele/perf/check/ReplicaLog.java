package io.stele.perf.check;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/** The final committed log of one replica: per topic/partition, its records in offset order. */
public record ReplicaLog(String replica, Map<TopicPartition, List<LogEntry>> logs) {

  /** Validates and copies. */
  public ReplicaLog {
    Objects.requireNonNull(replica, "replica");
    final Map<TopicPartition, List<LogEntry>> copy = new TreeMap<>();
    logs.forEach((tp, entries) -> copy.put(tp, List.copyOf(entries)));
    logs = Collections.unmodifiableMap(copy);
  }

  /** The records of one partition, empty when this replica has none. */
  public List<LogEntry> log(final TopicPartition tp) {
    return logs.getOrDefault(tp, List.of());
  }

  /** Number of records over all partitions. */
  public long size() {
    long n = 0;
    for (final List<LogEntry> l : logs.values()) {
      n += l.size();
    }
    return n;
  }

  /** A builder for the named replica. */
  public static Builder builder(final String replica) {
    return new Builder(replica);
  }

  /** Accumulates records, in the order they appear in the replica's log. */
  public static final class Builder {
    private final String replica;
    private final Map<TopicPartition, List<LogEntry>> logs = new TreeMap<>();

    private Builder(final String replica) {
      this.replica = Objects.requireNonNull(replica, "replica");
    }

    /** Appends one record to a partition. */
    public Builder append(
        final String topic, final int partition, final long offset, final String payloadId) {
      return append(new TopicPartition(topic, partition), new LogEntry(offset, payloadId));
    }

    /** Appends one record to a partition. */
    public Builder append(final TopicPartition tp, final LogEntry entry) {
      logs.computeIfAbsent(tp, k -> new ArrayList<>()).add(entry);
      return this;
    }

    /** Builds the replica log. */
    public ReplicaLog build() {
      return new ReplicaLog(replica, logs);
    }
  }
}
