package io.stele.engine;

import org.agrona.DirectBuffer;

/** Visits records read from a partition, in offset order. The buffer is valid only in the call. */
@FunctionalInterface
public interface RecordVisitor {
  /**
   * @return {@code true} to continue, {@code false} to stop after this record
   */
  boolean onRecord(
      long offset,
      long timestampMs,
      DirectBuffer buffer,
      int keyOffset,
      int keyLength,
      int valueOffset,
      int valueLength);
}
