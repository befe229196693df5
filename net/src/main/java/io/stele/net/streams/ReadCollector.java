package io.stele.net.streams;

import io.netty.buffer.ByteBuf;
import io.stele.engine.RecordVisitor;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Copies the messages of one read into a {@link ByteBuf}: bytes back to back, or for JSON streams
 * the messages separated by commas (the caller adds the brackets). Skips close markers. One per
 * event loop, reset for each read; copies through a reused {@link UnsafeBuffer} view, so a read
 * allocates nothing per record.
 */
final class ReadCollector implements RecordVisitor {
  private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
  private ByteBuf out;
  private boolean json;
  private long limitOffset;

  /** Offset after the last record visited (markers included); the read position if none. */
  long next;

  /** Data messages copied. */
  int messages;

  /** A close marker was visited. */
  boolean sawMarker;

  /**
   * Prepares for a read from {@code offset} into {@code out}, stopping before {@code limitOffset}
   * (exclusive; {@link Long#MAX_VALUE} for no limit).
   */
  void reset(final ByteBuf out, final boolean json, final long offset, final long limitOffset) {
    this.out = out;
    this.json = json;
    this.next = offset;
    this.messages = 0;
    this.sawMarker = false;
    this.limitOffset = limitOffset;
  }

  /** Drops the reference to the output buffer. */
  void clear() {
    this.out = null;
  }

  @Override
  public boolean onRecord(
      final long offset,
      final long timestampMs,
      final DirectBuffer buffer,
      final int keyOffset,
      final int keyLength,
      final int valueOffset,
      final int valueLength) {
    if (offset >= limitOffset) {
      return false;
    }
    next = offset + 1;
    if (Records.isCloseMarker(buffer, keyOffset, keyLength)) {
      sawMarker = true;
      return true;
    }
    if (json && messages > 0) {
      out.writeByte(',');
    }
    copy(buffer, valueOffset, valueLength);
    messages++;
    return true;
  }

  private void copy(final DirectBuffer src, final int index, final int length) {
    if (length == 0) {
      return;
    }
    out.ensureWritable(length);
    final int w = out.writerIndex();
    if (out.hasMemoryAddress()) {
      view.wrap(out.memoryAddress(), out.capacity());
      view.putBytes(w, src, index, length);
    } else if (out.hasArray()) {
      src.getBytes(index, out.array(), out.arrayOffset() + w, length);
    } else {
      for (int i = 0; i < length; i++) {
        out.setByte(w + i, src.getByte(index + i));
      }
    }
    out.writerIndex(w + length);
  }
}
