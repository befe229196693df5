package io.stele.net.streams;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.base64.Base64;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.stele.engine.ReadStatus;
import io.stele.engine.TopicDescription;
import io.stele.net.Exchange;
import io.stele.net.TailWaiters;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * One SSE response (protocol §5.7): catch-up in batches of about {@code maxReadBytes}, each a
 * {@code data} event followed by a {@code control} event carrying {@code streamNextOffset}, {@code
 * streamCursor} and {@code upToDate}; then tails through {@link TailWaiters}; ends with a final
 * control event ({@code streamClosed}) when the stream is closed, or when its lifetime ends.
 *
 * <p>Payload lines are split at CR, LF and CRLF and each sent as its own {@code data:} line, so no
 * payload can end an event or forge one; non-text streams are sent as base64 (header {@code
 * Stream-SSE-Data-Encoding: base64}). Confined to the connection's event loop.
 */
final class SseSession {
  /** Pause before reading more when the connection's outbound buffer is full. */
  private static final long BACKOFF_MS = 5;

  private final StreamsHandler owner;
  private final Exchange ex;
  private final StreamState state;
  private final String cursor;
  private final long deadlineMs;
  private long pos;
  private boolean sentControl;
  private boolean finished;
  private TailWaiters.Handle waiting;

  SseSession(
      final StreamsHandler owner,
      final Exchange ex,
      final StreamState state,
      final long pos,
      final String cursor,
      final long deadlineMs) {
    this.owner = owner;
    this.ex = ex;
    this.state = state;
    this.pos = pos;
    this.cursor = cursor;
    this.deadlineMs = deadlineMs;
  }

  void start() {
    final HttpResponse head =
        new DefaultHttpResponse(ex.request().protocolVersion(), HttpResponseStatus.OK);
    final HttpHeaders h = head.headers();
    StreamHeaders.decorate(h);
    h.set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream");
    h.set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
    if (state.base64Sse) {
      h.set(StreamHeaders.STREAM_SSE_DATA_ENCODING, "base64");
    }
    ex.startStream(head);
    ex.onClose(this::onConnectionClosed);
    pump();
  }

  private void onConnectionClosed() {
    finished = true;
    if (waiting != null) {
      waiting.cancel();
    }
  }

  /** Sends what is there, then waits for more. */
  private void pump() {
    waiting = null;
    if (finished || !ex.isOpen()) {
      return;
    }
    final TopicDescription d = owner.engine().describeTopic(state.topic);
    if (d == null || owner.current(state) == null) {
      finish();
      return;
    }
    final long end = StreamsHandler.logicalEnd(state, d);
    final StreamsHandler.LoopScratch sc = owner.scratch();
    final ByteBuf data = ex.alloc().buffer(256);
    if (state.json) {
      data.writeByte('[');
    }
    final ReadCollector c = sc.collector;
    c.reset(data, state.json, pos, owner.config().maxReadBytes());
    final ReadStatus status;
    try {
      status = owner.readLogical(state, pos, Long.MAX_VALUE, c, true);
    } finally {
      c.clear();
    }
    if (status != ReadStatus.OK) {
      data.release();
      finish();
      return;
    }
    if (state.json) {
      data.writeByte(']');
    }
    final long next = c.next;
    final int messages = c.messages;
    pos = next;
    // An attached reader keeps a TTL stream alive, as its reads would.
    state.lastAccessMs = System.currentTimeMillis();
    final boolean closedAtTail = c.sawMarker || (state.closedEnd >= 0 && next >= state.closedEnd);
    final boolean upToDate = next >= end;
    if (messages > 0) {
      final ByteBuf event = ex.alloc().buffer(data.readableBytes() + 64);
      writeDataEvent(event, data);
      data.release();
      if (!closedAtTail) {
        writeControl(event, next, upToDate, false);
      } else {
        writeControl(event, next, true, true);
      }
      ex.writeChunk(event);
      sentControl = true;
    } else {
      data.release();
      if (closedAtTail || !sentControl) {
        final ByteBuf event = ex.alloc().buffer(128);
        writeControl(event, next, true, closedAtTail);
        ex.writeChunk(event);
        sentControl = true;
      }
    }
    if (closedAtTail) {
      finish();
      return;
    }
    final long remaining = deadlineMs - System.currentTimeMillis();
    if (remaining <= 0) {
      finish();
      return;
    }
    if (!upToDate) {
      if (ex.isWritable()) {
        ex.executor().execute(this::pump);
      } else {
        // The client reads slower than the catch-up: let the socket drain before reading more.
        ex.executor().schedule(this::pump, BACKOFF_MS, TimeUnit.MILLISECONDS);
      }
      return;
    }
    awaitData();
  }

  /** Waits for the tail to move, sending a keep-alive comment at every keep-alive interval. */
  private void awaitData() {
    final long remaining = deadlineMs - System.currentTimeMillis();
    if (remaining <= 0) {
      finish();
      return;
    }
    final long wait = Math.min(remaining, owner.config().sseKeepAliveMs());
    waiting =
        owner
            .waiters()
            .await(
                state.topic,
                0,
                pos - state.base,
                ex.executor(),
                wait,
                timedOut -> {
                  if (finished || !ex.isOpen()) {
                    return;
                  }
                  if (!timedOut) {
                    pump();
                  } else if (System.currentTimeMillis() >= deadlineMs) {
                    finish();
                  } else {
                    final ByteBuf comment = ex.alloc().buffer(4);
                    comment.writeCharSequence(":\n\n", StandardCharsets.US_ASCII);
                    ex.writeChunk(comment);
                    awaitData();
                  }
                });
  }

  private void finish() {
    if (!finished) {
      finished = true;
      ex.endStream();
    }
  }

  private void writeDataEvent(final ByteBuf out, final ByteBuf data) {
    out.writeCharSequence("event: data\n", StandardCharsets.US_ASCII);
    if (state.base64Sse) {
      final ByteBuf encoded = Base64.encode(data, false);
      try {
        out.writeCharSequence("data:", StandardCharsets.US_ASCII);
        out.writeBytes(encoded);
        out.writeByte('\n');
      } finally {
        encoded.release();
      }
    } else {
      writeLines(out, data);
    }
    out.writeByte('\n');
  }

  /**
   * Writes {@code data} as {@code data:} lines, splitting at CRLF, CR and LF. A line starting with
   * a space gets one more, since readers strip one after the colon.
   */
  private static void writeLines(final ByteBuf out, final ByteBuf data) {
    final int end = data.writerIndex();
    int lineStart = data.readerIndex();
    int i = lineStart;
    while (true) {
      final boolean atEnd = i >= end;
      final int b = atEnd ? -1 : data.getByte(i);
      if (atEnd || b == '\n' || b == '\r') {
        out.writeCharSequence("data:", StandardCharsets.US_ASCII);
        if (i > lineStart && data.getByte(lineStart) == ' ') {
          out.writeByte(' ');
        }
        out.writeBytes(data, lineStart, i - lineStart);
        out.writeByte('\n');
        if (atEnd) {
          return;
        }
        if (b == '\r' && i + 1 < end && data.getByte(i + 1) == '\n') {
          i++;
        }
        lineStart = i + 1;
      }
      i++;
    }
  }

  private void writeControl(
      final ByteBuf out, final long next, final boolean upToDate, final boolean closed) {
    final StringBuilder json = new StringBuilder(96);
    json.append("event: control\ndata:{\"streamNextOffset\":\"")
        .append(StreamOffsets.format(next))
        .append('"');
    if (closed) {
      json.append(",\"streamClosed\":true");
    } else {
      json.append(",\"streamCursor\":\"").append(cursor).append('"');
    }
    if (upToDate) {
      json.append(",\"upToDate\":true");
    }
    json.append("}\n\n");
    out.writeCharSequence(json, StandardCharsets.US_ASCII);
  }
}
