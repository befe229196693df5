package io.stele.engine.internal;

/** Last appended (epoch, seq) of one idempotent producer on one partition. Writer thread only. */
final class ProducerState {
  long epoch;
  long seq;
  long baseOffset;

  ProducerState(final long epoch, final long seq, final long baseOffset) {
    this.epoch = epoch;
    this.seq = seq;
    this.baseOffset = baseOffset;
  }
}
