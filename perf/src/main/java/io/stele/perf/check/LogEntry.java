package io.stele.perf.check;

import java.util.Objects;

/** One record of a partition log, or one record a read returned: its offset and payload id. */
public record LogEntry(long offset, String payloadId) {

  /** Validates the payload id. */
  public LogEntry {
    Objects.requireNonNull(payloadId, "payloadId");
  }
}
