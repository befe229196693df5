package io.stele.perf;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * One connection of the load: sends its share of the open-loop schedule, keeps up to {@code window}
 * requests in flight (pipelining depth; 1 = wait for each answer), and matches answers to requests
 * in order (HTTP/1.1 and RESP both answer in order).
 *
 * <p>Threading: everything here runs on the channel's event loop; the fields are confined to it.
 * The in-flight ring stores two longs per request (intended and actual send time) in preallocated
 * arrays, so a request costs no garbage beyond the pooled buffer it is written into.
 */
final class LoadConnection extends ChannelInboundHandlerAdapter implements ResponseListener {
  private final RequestEncoder encoder;
  private final LoadStats stats;
  private final int window;
  private final long recordsPerRequest;
  private final ResponseParser parser;
  private final long[] intendedRing;
  private final long[] sentRing;
  private int head;
  private int inflight;

  private ChannelHandlerContext ctx;
  private OpenLoopSchedule schedule;
  private long endNs;
  private long nextIndex;
  private boolean stopped;
  private boolean broken;

  /**
   * @param recordsPerRequest records one successful answer stands for; 0 to count body lines
   * @param resp whether the peer speaks RESP (Redis) rather than HTTP
   */
  LoadConnection(
      final RequestEncoder encoder,
      final LoadStats stats,
      final int window,
      final long recordsPerRequest,
      final boolean resp) {
    this.encoder = encoder;
    this.stats = stats;
    this.window = window;
    this.recordsPerRequest = recordsPerRequest;
    this.parser = resp ? new RespReplyParser(this) : new HttpResponseParser(this, false);
    this.intendedRing = new long[window];
    this.sentRing = new long[window];
  }

  @Override
  public void handlerAdded(final ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  /** Arms the schedule; called on the event loop before the first tick. */
  void start(final OpenLoopSchedule schedule, final long endNs) {
    this.schedule = schedule;
    this.endNs = endNs;
  }

  /**
   * Sends every request that is due by {@code nowNs} and fits the window, then flushes once.
   *
   * @return the intended time of the next request to send, or {@link Long#MAX_VALUE} when none is
   *     pending on the clock (window full, stopped, or past the end)
   */
  long sendDue(final long nowNs) {
    if (schedule == null || stopped || broken) {
      return Long.MAX_VALUE;
    }
    boolean wrote = false;
    long next = Long.MAX_VALUE;
    while (inflight < window) {
      final long intended = schedule.closedLoop() ? nowNs : schedule.intendedNs(nextIndex);
      if (intended >= endNs || nowNs >= endNs && schedule.closedLoop()) {
        break;
      }
      if (intended > nowNs) {
        next = intended;
        break;
      }
      final ByteBuf buf = ctx.alloc().directBuffer(encoder.sizeHint());
      encoder.encode(buf, intended);
      ctx.write(buf, ctx.voidPromise());
      final int slot = (head + inflight) % window;
      intendedRing[slot] = intended;
      sentRing[slot] = nowNs;
      inflight++;
      nextIndex++;
      stats.sent.increment();
      stats.inflight.increment();
      wrote = true;
    }
    if (wrote) {
      ctx.flush();
    }
    return next;
  }

  /** Requests of this connection that were due before the end but never sent (saturation). */
  long missed() {
    if (schedule == null || schedule.closedLoop()) {
      return 0;
    }
    return Math.max(0, schedule.dueCount(endNs - 1) - nextIndex);
  }

  /** Stops sending; whatever is still in flight is counted as failed by {@link #abandon()}. */
  void stop() {
    stopped = true;
  }

  /** Counts the requests still in flight as failures (the run is over). */
  void abandon() {
    while (inflight > 0) {
      inflight--;
      stats.onFailure();
    }
  }

  @Override
  public void channelRead(final ChannelHandlerContext ctx, final Object msg) {
    final ByteBuf in = (ByteBuf) msg;
    try {
      if (!broken) {
        parser.feed(in);
      }
    } catch (final ResponseParser.ProtocolException e) {
      broken = true;
      abandon();
      ctx.close();
    } finally {
      in.release();
    }
  }

  @Override
  public void onResponse(final int status, final long bodyLines, final long nextOffset) {
    if (inflight == 0) {
      throw new ResponseParser.ProtocolException("answer without a request");
    }
    final long now = System.nanoTime();
    final long intended = intendedRing[head];
    final long sent = sentRing[head];
    head = (head + 1) % window;
    inflight--;
    stats.onResponse(
        intended, sent, now, status, recordsPerRequest > 0 ? recordsPerRequest : bodyLines);
  }

  @Override
  public void channelReadComplete(final ChannelHandlerContext ctx) {
    // Answers freed window slots: send what is due now (late requests leave here).
    sendDue(System.nanoTime());
  }

  @Override
  public void channelInactive(final ChannelHandlerContext ctx) {
    broken = true;
    abandon();
  }

  @Override
  public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause) {
    broken = true;
    abandon();
    ctx.close();
  }
}
