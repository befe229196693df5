package io.stele.perf;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.nio.charset.StandardCharsets;

/**
 * A tailing Server-Sent-Events reader: sends one GET with {@code Accept: text/event-stream} and,
 * for every {@code data:} line, finds the timestamp slot ({@code t=} and 19 digits) the producer
 * wrote into the record and records the delivery latency from the record's intended send time.
 *
 * <p>Threading: confined to its event loop. Lines are bounded by {@link #MAX_LINE_BYTES}: a longer
 * line is scanned only in its first part.
 */
final class SseTail extends ChannelInboundHandlerAdapter implements ResponseListener {
  static final int MAX_LINE_BYTES = 65536;
  private static final byte[] DATA = "data:".getBytes(StandardCharsets.US_ASCII);

  private final byte[] request;
  private final LoadStats stats;
  private final long originNs;
  private final HttpResponseParser parser = new HttpResponseParser(this, true);
  private final byte[] line = new byte[MAX_LINE_BYTES];
  private int lineLength;
  private volatile int status = -1;

  SseTail(final String request, final LoadStats stats, final long originNs) {
    this.request = request.getBytes(StandardCharsets.US_ASCII);
    this.stats = stats;
    this.originNs = originNs;
  }

  /** The status of the tail's response, once it ended; -1 while it streams. */
  int status() {
    return status;
  }

  @Override
  public void channelActive(final ChannelHandlerContext ctx) {
    ctx.writeAndFlush(ctx.alloc().directBuffer(request.length).writeBytes(request));
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(final ChannelHandlerContext ctx, final Object msg) {
    final ByteBuf in = (ByteBuf) msg;
    try {
      parser.feed(in);
    } catch (final ResponseParser.ProtocolException e) {
      stats.statusCounts.incrementAndGet(LoadStats.NO_STATUS);
      ctx.close();
    } finally {
      in.release();
    }
  }

  @Override
  public void onResponse(final int status, final long bodyLines, final long nextOffset) {
    this.status = status; // a tail that ends (error or lifetime) is reported by the run
    stats.statusCounts.incrementAndGet(status >= 0 && status < 600 ? status : 0);
  }

  @Override
  public void onBodyBytes(final ByteBuf buf, final int index, final int length) {
    final long now = System.nanoTime();
    for (int i = index, end = index + length; i < end; i++) {
      final byte b = buf.getByte(i);
      if (b == '\n') {
        onLine(now);
        lineLength = 0;
      } else if (lineLength < MAX_LINE_BYTES) {
        line[lineLength++] = b;
      }
    }
  }

  private void onLine(final long now) {
    if (lineLength < DATA.length) {
      return;
    }
    for (int i = 0; i < DATA.length; i++) {
      if (line[i] != DATA[i]) {
        return;
      }
    }
    final long sentOffset = timestamp(line, DATA.length, lineLength);
    if (sentOffset >= 0) {
      stats.onDelivery(originNs + sentOffset, now);
    }
  }

  /** The number in the first {@code t=} slot of {@code bytes[from, to)}, or -1 when none. */
  static long timestamp(final byte[] bytes, final int from, final int to) {
    final int last = to - RequestEncoder.TIMESTAMP_DIGITS - 2;
    for (int i = from; i <= last; i++) {
      if (bytes[i] == 't' && bytes[i + 1] == '=') {
        long v = 0;
        int j = i + 2;
        final int end = j + RequestEncoder.TIMESTAMP_DIGITS;
        for (; j < end; j++) {
          final byte d = bytes[j];
          if (d < '0' || d > '9') {
            break;
          }
          v = v * 10 + (d - '0');
        }
        if (j == end) {
          return v;
        }
      }
    }
    return -1;
  }

  @Override
  public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause) {
    stats.statusCounts.incrementAndGet(LoadStats.NO_STATUS);
    ctx.close();
  }
}
