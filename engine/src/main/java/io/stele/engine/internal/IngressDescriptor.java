package io.stele.engine.internal;

/**
 * Layout of an append message in the ingress ring (little-endian). The producing thread encodes the
 * records section exactly as it will appear in the batch (see {@code RecordCodec}), so the writer
 * copies it with one memory copy.
 *
 * <pre>
 *   0  correlationId      int64
 *   8  timestampMs        int64  (0: the writer's clock)
 *  16  producerEpoch      int64  (-1: none)
 *  24  producerSeq        int64  (-1: none)
 *  32  topicId            int32
 *  36  partition          int32
 *  40  listenerId         int32
 *  44  recordCount        int32
 *  48  recordsLength      int32
 *  52  producerIdLength   uint16
 *  54  streamSeqLength    uint16
 *  56  durability         int8   (Durability ordinal)
 *  57  padding to 64
 *  64  producerId bytes | streamSeq bytes | records
 * </pre>
 */
final class IngressDescriptor {
  static final int MSG_APPEND = 1;
  static final int CORRELATION_ID = 0;
  static final int TIMESTAMP = 8;
  static final int PRODUCER_EPOCH = 16;
  static final int PRODUCER_SEQ = 24;
  static final int TOPIC_ID = 32;
  static final int PARTITION = 36;
  static final int LISTENER_ID = 40;
  static final int RECORD_COUNT = 44;
  static final int RECORDS_LENGTH = 48;
  static final int PRODUCER_ID_LENGTH = 52;
  static final int STREAM_SEQ_LENGTH = 54;
  static final int DURABILITY = 56;
  static final int HEADER_LENGTH = 64;

  private IngressDescriptor() {}
}
