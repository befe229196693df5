package io.stele.net.api;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.stele.engine.RecordVisitor;
import org.agrona.DirectBuffer;

/**
 * Collects visited records as NDJSON lines {@code {"offset":…,"timestamp":…,"key":…,"value":…}} (or
 * SSE events) in one buffer. Values that are not UTF-8 come as {@code value_b64}.
 */
class RecordPage implements RecordVisitor {
  private final ByteBuf out;
  private final int maxBytes;
  private final boolean sse;
  private int count;
  private long lastOffset = -1;

  RecordPage(final ByteBufAllocator alloc, final int maxBytes) {
    this(alloc, maxBytes, false);
  }

  RecordPage(final ByteBufAllocator alloc, final int maxBytes, final boolean sse) {
    this.out = alloc.buffer(Math.min(maxBytes, 64 * 1024) + 256);
    this.maxBytes = maxBytes;
    this.sse = sse;
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
    if (sse) {
      Utf8Json.ascii(out, "id: ");
      Utf8Json.number(out, offset);
      Utf8Json.ascii(out, "\ndata: ");
    }
    Utf8Json.ascii(out, "{\"offset\":");
    Utf8Json.number(out, offset);
    Utf8Json.ascii(out, ",\"timestamp\":");
    Utf8Json.number(out, timestampMs);
    Utf8Json.member(out, "key", buffer, keyOffset, keyLength);
    Utf8Json.member(out, "value", buffer, valueOffset, valueLength);
    out.writeByte('}').writeByte('\n');
    if (sse) {
      out.writeByte('\n');
    }
    count++;
    lastOffset = offset;
    return out.readableBytes() < maxBytes;
  }

  int count() {
    return count;
  }

  long lastOffset() {
    return lastOffset;
  }

  /** The collected bytes; ownership passes to the caller. */
  ByteBuf content() {
    return out;
  }

  void release() {
    out.release();
  }
}
