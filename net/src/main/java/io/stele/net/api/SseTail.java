package io.stele.net.api;

import io.netty.buffer.ByteBuf;
import io.stele.engine.Engine;
import io.stele.engine.ReadStatus;
import io.stele.net.Exchange;
import io.stele.net.TailWaiters;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * An SSE tail of one partition: catch-up pages, then parked on {@link TailWaiters} until new
 * records arrive, a keep-alive comment is due, or the tail's lifetime ends (the client resumes with
 * {@code Last-Event-ID}). Each event is {@code id: <offset>} and {@code data: <record JSON>}. Runs
 * on the connection's event loop; pauses while the socket is not writable.
 */
final class SseTail implements TailWaiters.Waiter {
  private static final int PAGE_RECORDS = 1000;
  private static final int PAGE_BYTES = 256 * 1024;

  private final Engine engine;
  private final TailWaiters waiters;
  private final ApiConfig config;
  private final Exchange ex;
  private final String topic;
  private final int partition;
  private final long endNs;
  private long offset;
  private TailWaiters.Handle handle;
  private boolean done;

  SseTail(
      final Engine engine,
      final TailWaiters waiters,
      final ApiConfig config,
      final Exchange ex,
      final String topic,
      final int partition,
      final long offset) {
    this.engine = engine;
    this.waiters = waiters;
    this.config = config;
    this.ex = ex;
    this.topic = topic;
    this.partition = partition;
    this.offset = offset;
    this.endNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.sseMaxLifetimeMs());
  }

  void start() {
    // Validate before committing to a 200 stream: a bad offset gets a proper problem response.
    final RecordPage probe = new RecordPage(ex.alloc(), 1, true);
    final ReadStatus status = engine.read(topic, partition, offset, 1, 1, probe);
    probe.release();
    if (status != ReadStatus.OK) {
      Api.readFailure(ex, engine, status, topic, partition, offset);
      return;
    }
    ex.startStream(TopicsHandler.sseHead(ex));
    ex.onClose(this::stop);
    pump();
  }

  private void stop() {
    done = true;
    if (handle != null) {
      handle.cancel();
    }
  }

  private void pump() {
    if (done || !ex.isOpen()) {
      return;
    }
    if (System.nanoTime() >= endNs) {
      done = true;
      ex.endStream();
      return;
    }
    if (!ex.isWritable()) {
      ex.executor().schedule(this::pump, 5, TimeUnit.MILLISECONDS);
      return;
    }
    final RecordPage page = new RecordPage(ex.alloc(), PAGE_BYTES, true);
    final ReadStatus status = engine.read(topic, partition, offset, PAGE_RECORDS, PAGE_BYTES, page);
    if (status != ReadStatus.OK) {
      page.release();
      final ByteBuf err = ex.alloc().buffer();
      err.writeCharSequence(
          "event: error\ndata: {\"status\":\""
              + status.name().toLowerCase(java.util.Locale.ROOT)
              + "\"}\n\n",
          StandardCharsets.UTF_8);
      ex.writeChunk(err);
      done = true;
      ex.endStream();
      return;
    }
    if (page.count() > 0) {
      offset = page.lastOffset() + 1;
      ex.writeChunk(page.content());
      ex.executor().execute(this::pump);
      return;
    }
    page.release();
    final long remainingMs = TimeUnit.NANOSECONDS.toMillis(endNs - System.nanoTime());
    handle =
        waiters.await(
            topic,
            partition,
            offset,
            ex.executor(),
            Math.max(1, Math.min(config.sseKeepaliveMs(), remainingMs)),
            this);
  }

  @Override
  public void onWake(final boolean timedOut) {
    handle = null;
    if (done || !ex.isOpen()) {
      return;
    }
    if (timedOut && System.nanoTime() < endNs) {
      final ByteBuf ping = ex.alloc().buffer(16);
      ping.writeCharSequence(": keepalive\n\n", StandardCharsets.US_ASCII);
      ex.writeChunk(ping);
    }
    pump();
  }
}
