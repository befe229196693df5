package io.stele.engine;

/** Outcome of a read. */
public enum ReadStatus {
  /** Records (possibly none, at the end of the partition) were visited. */
  OK,
  UNKNOWN_TOPIC,
  UNKNOWN_PARTITION,
  /** The offset is below the partition's start offset (retention removed it): HTTP 410. */
  OFFSET_GONE,
  /** The offset is beyond the partition's end offset. */
  OFFSET_OUT_OF_RANGE
}
