package io.stele.engine;

import org.agrona.DirectBuffer;

/**
 * A reusable description of one append: a topic partition, a durability, and up to {@link
 * #maxRecords()} records whose key and value bytes are ranges of caller buffers. Owned by one
 * thread; {@link Engine#append} copies everything it needs before returning, so the caller may
 * reset and reuse the request (and its buffers) at once. Steady-state use allocates nothing.
 */
public final class AppendRequest {
  private final int maxRecords;
  private final DirectBuffer[] buffers;
  private final int[] keyOffsets;
  private final int[] keyLengths;
  private final int[] valueOffsets;
  private final int[] valueLengths;
  private int count;

  private String topic;
  private int partition;
  private Durability durability = Durability.QUORUM;
  private long correlationId;
  private long timestampMs;
  private String producerId;
  private long producerEpoch = -1;
  private long producerSeq = -1;
  private String streamSeq;

  public AppendRequest(final int maxRecords) {
    this.maxRecords = maxRecords;
    this.buffers = new DirectBuffer[maxRecords];
    this.keyOffsets = new int[maxRecords];
    this.keyLengths = new int[maxRecords];
    this.valueOffsets = new int[maxRecords];
    this.valueLengths = new int[maxRecords];
  }

  /** Clears every field for reuse. */
  public AppendRequest reset() {
    for (int i = 0; i < count; i++) {
      buffers[i] = null;
    }
    count = 0;
    topic = null;
    partition = 0;
    durability = Durability.QUORUM;
    correlationId = 0;
    timestampMs = 0;
    producerId = null;
    producerEpoch = -1;
    producerSeq = -1;
    streamSeq = null;
    return this;
  }

  public AppendRequest topic(final String topic, final int partition) {
    this.topic = topic;
    this.partition = partition;
    return this;
  }

  public AppendRequest durability(final Durability durability) {
    this.durability = durability;
    return this;
  }

  public AppendRequest correlationId(final long correlationId) {
    this.correlationId = correlationId;
    return this;
  }

  /** Timestamp of every record in this request (milliseconds since the epoch). */
  public AppendRequest timestampMs(final long timestampMs) {
    this.timestampMs = timestampMs;
    return this;
  }

  /**
   * Idempotent producer state, checked and recorded atomically with the append: the engine keeps
   * the last (epoch, seq) per producer id and partition.
   */
  public AppendRequest producer(final String id, final long epoch, final long seq) {
    this.producerId = id;
    this.producerEpoch = epoch;
    this.producerSeq = seq;
    return this;
  }

  /** Writer-coordination token: must sort after the last token appended to the partition. */
  public AppendRequest streamSeq(final String streamSeq) {
    this.streamSeq = streamSeq;
    return this;
  }

  /**
   * Adds one record; a key length of -1 means no key.
   *
   * @return false when the request already holds {@link #maxRecords()} records
   */
  public boolean addRecord(
      final DirectBuffer buffer,
      final int keyOffset,
      final int keyLength,
      final int valueOffset,
      final int valueLength) {
    if (count == maxRecords) {
      return false;
    }
    buffers[count] = buffer;
    keyOffsets[count] = keyOffset;
    keyLengths[count] = keyLength;
    valueOffsets[count] = valueOffset;
    valueLengths[count] = valueLength;
    count++;
    return true;
  }

  public int maxRecords() {
    return maxRecords;
  }

  public int recordCount() {
    return count;
  }

  public String topic() {
    return topic;
  }

  public int partition() {
    return partition;
  }

  public Durability durability() {
    return durability;
  }

  public long correlationId() {
    return correlationId;
  }

  public long timestampMs() {
    return timestampMs;
  }

  public String producerId() {
    return producerId;
  }

  public long producerEpoch() {
    return producerEpoch;
  }

  public long producerSeq() {
    return producerSeq;
  }

  public String streamSeq() {
    return streamSeq;
  }

  public DirectBuffer buffer(final int i) {
    return buffers[i];
  }

  public int keyOffset(final int i) {
    return keyOffsets[i];
  }

  public int keyLength(final int i) {
    return keyLengths[i];
  }

  public int valueOffset(final int i) {
    return valueOffsets[i];
  }

  public int valueLength(final int i) {
    return valueLengths[i];
  }
}
