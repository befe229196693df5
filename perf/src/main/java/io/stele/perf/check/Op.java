package io.stele.perf.check;

import java.util.List;
import java.util.Objects;

/**
 * One client operation of a history.
 *
 * <p>A {@link Kind#PRODUCE} appends the record {@code payloadId} to {@code topic/partition}; when
 * its outcome is {@link Outcome#OK}, {@code ackedOffset} is the offset the server returned (-1
 * otherwise). A {@link Kind#READ} reads {@code topic/partition} over the offsets {@code [readFrom,
 * readEnd)} and returned {@code records}; a negative {@code readEnd} means "one past the last
 * returned offset". Times are monotonic nanoseconds from one clock; an {@link Outcome#UNKNOWN}
 * operation is treated as never completing.
 */
public record Op(
    long clientId,
    long opId,
    String payloadId,
    Kind kind,
    Outcome outcome,
    long invokeNanos,
    long completeNanos,
    int partition,
    long ackedOffset,
    String topic,
    long readFrom,
    long readEnd,
    List<LogEntry> records) {

  /** What the operation did. */
  public enum Kind {
    /** Append one record. */
    PRODUCE,
    /** Read a range of a partition. */
    READ
  }

  /** How the operation ended, as the client saw it. */
  public enum Outcome {
    /** Definitely happened. */
    OK,
    /** Definitely did not happen. */
    FAIL,
    /** Timeout or lost connection: may or may not have happened. */
    UNKNOWN
  }

  /** Validates and copies. */
  public Op {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(topic, "topic");
    if (kind == Kind.PRODUCE) {
      Objects.requireNonNull(payloadId, "payloadId");
    }
    records = records == null ? List.of() : List.copyOf(records);
  }

  /** A produce operation. */
  public static Op produce(
      final long clientId,
      final long opId,
      final String topic,
      final int partition,
      final String payloadId,
      final Outcome outcome,
      final long invokeNanos,
      final long completeNanos,
      final long ackedOffset) {
    return new Op(
        clientId,
        opId,
        payloadId,
        Kind.PRODUCE,
        outcome,
        invokeNanos,
        completeNanos,
        partition,
        outcome == Outcome.OK ? ackedOffset : -1,
        topic,
        -1,
        -1,
        List.of());
  }

  /** A read operation that returned {@code records} for offsets {@code [readFrom, readEnd)}. */
  public static Op read(
      final long clientId,
      final long opId,
      final String topic,
      final int partition,
      final Outcome outcome,
      final long invokeNanos,
      final long completeNanos,
      final long readFrom,
      final long readEnd,
      final List<LogEntry> records) {
    return new Op(
        clientId,
        opId,
        null,
        Kind.READ,
        outcome,
        invokeNanos,
        completeNanos,
        partition,
        -1,
        topic,
        readFrom,
        readEnd,
        records);
  }

  /** The topic and partition. */
  public TopicPartition topicPartition() {
    return new TopicPartition(topic, partition);
  }

  /** Completion time for ordering: {@link Long#MAX_VALUE} when the outcome is unknown. */
  public long effectiveCompleteNanos() {
    return outcome == Outcome.UNKNOWN ? Long.MAX_VALUE : completeNanos;
  }
}
