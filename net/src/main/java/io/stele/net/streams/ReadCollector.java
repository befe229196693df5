package io.stele.net.streams;

import io.netty.buffer.ByteBuf;
import io.stele.engine.RecordVisitor;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Copies the messages of one read into a {@link ByteBuf}: bytes back to back, or for JSON streams
 * the messages separated by commas (the caller adds the brackets). Skips close markers. A read of a
 * fork spans several topics (segments); offsets here are the stream's logical offsets, a segment's
 * engine offset plus its {@code delta}. One per event loop, reset for each read; copies through a
 * reused {@link UnsafeBuffer} view, so a read allocates nothing per record.
 */
final class ReadCollector implements RecordVisitor {
  private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
  private ByteBuf out;
  private boolean json;
  private long delta;
  private long limit;
  private boolean markersClose;
  private int maxBytes;

  /** Logical offset after the last record visited (markers included); the read position if none. */
  long next;

  /** Data messages copied. */
  int messages;

  /** Bytes of message data copied. */
  int bytes;

  /** A close marker of the stream itself (not of a fork's source) was visited. */
  boolean sawMarker;

  /** Prepares a read from logical {@code offset} into {@code out}, of about {@code maxBytes}. */
  void reset(final ByteBuf out, final boolean json, final long offset, final int maxBytes) {
    this.out = out;
    this.json = json;
    this.next = offset;
    this.messages = 0;
    this.bytes = 0;
    this.sawMarker = false;
    this.maxBytes = maxBytes;
  }

  /**
   * Starts a segment: engine offset + {@code delta} = logical offset; records at logical {@code
   * limit} or beyond are not visited; markers count as closure only if {@code markersClose}.
   */
  void segment(final long delta, final long limit, final boolean markersClose) {
    this.delta = delta;
    this.limit = limit;
    this.markersClose = markersClose;
  }

  /** Bytes still wanted in this read. */
  int remaining() {
    return Math.max(0, maxBytes - bytes);
  }

  /** Whether the byte budget is spent. */
  boolean full() {
    return bytes >= maxBytes && messages > 0;
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
    final long logical = offset + delta;
    if (logical >= limit) {
      return false;
    }
    next = logical + 1;
    if (Records.isCloseMarker(buffer, keyOffset, keyLength)) {
      if (markersClose) {
        sawMarker = true;
      }
      return true;
    }
    if (json && messages > 0) {
      out.writeByte(',');
    }
    copy(buffer, valueOffset, valueLength);
    messages++;
    bytes += valueLength;
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
