package io.stele.perf.check;

import java.util.List;
import java.util.Objects;

/** One anomaly: its type, a description naming ops, offsets and replicas, and the ops' ids. */
public record Anomaly(AnomalyType type, String description, List<Long> opIds) {

  /** Validates and copies. */
  public Anomaly {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(description, "description");
    opIds = List.copyOf(opIds);
  }

  @Override
  public String toString() {
    return type + ": " + description;
  }
}
