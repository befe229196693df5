package io.stele.net.api;

import io.netty.util.concurrent.EventExecutor;
import io.stele.engine.AppendListener;
import io.stele.engine.AppendStatus;
import io.stele.engine.Durability;
import io.stele.net.Exchange;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.agrona.collections.Long2ObjectHashMap;

/**
 * The one long-lived {@link AppendListener} of an event loop: produce requests in flight on that
 * loop are kept by correlation id, and each completion (which arrives on the engine's sync thread)
 * is handed back to the loop, where the request is answered. The engine registers a bounded number
 * of listeners, so a listener per request is not an option.
 *
 * <p>Completions are queued and the loop is woken once per burst, not once per completion: the
 * engine completes a whole flush cycle's appends at once, and each wake-up of an event loop from
 * another thread costs a system call and a cross-core hand-off.
 *
 * <p>Threading: {@link #onComplete} runs on the engine thread and only enqueues; everything else
 * runs on the loop, which alone touches {@link #inFlight}. The queue holds at most the requests in
 * flight on the loop, which its connections' pipelining limit bounds.
 */
final class ProduceCompletions implements AppendListener {
  /** A produce request waiting for its completion. */
  static final class Pending {
    final Exchange exchange;
    final String topic;
    final long startNs;

    Pending(final Exchange exchange, final String topic, final long startNs) {
      this.exchange = exchange;
      this.topic = topic;
      this.startNs = startNs;
    }
  }

  /** What a completed append reports, carried from the engine thread to the loop. */
  private final class Completion implements Runnable {
    private final long correlationId;
    private final AppendStatus status;
    private final int partition;
    private final long baseOffset;
    private final int count;
    private final Durability achieved;

    Completion(
        final long correlationId,
        final AppendStatus status,
        final int partition,
        final long baseOffset,
        final int count,
        final Durability achieved) {
      this.correlationId = correlationId;
      this.status = status;
      this.partition = partition;
      this.baseOffset = baseOffset;
      this.count = count;
      this.achieved = achieved;
    }

    @Override
    public void run() {
      final Pending p = inFlight.remove(correlationId);
      if (p != null) {
        TopicsHandler.onAppended(
            p.exchange, p.topic, status, partition, baseOffset, count, achieved, p.startNs);
      }
    }
  }

  private final EventExecutor loop;
  private final Long2ObjectHashMap<Pending> inFlight = new Long2ObjectHashMap<>();
  private final Queue<Completion> completed = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean drainScheduled = new AtomicBoolean();
  private final Runnable drain = this::drain;
  private long nextCorrelationId;

  ProduceCompletions(final EventExecutor loop) {
    this.loop = loop;
  }

  EventExecutor loop() {
    return loop;
  }

  /** Registers a request about to be appended; returns its correlation id. Loop only. */
  long register(final Exchange exchange, final String topic, final long startNs) {
    final long id = ++nextCorrelationId;
    inFlight.put(id, new Pending(exchange, topic, startNs));
    return id;
  }

  /** Forgets a request the engine refused at once (no completion follows). Loop only. */
  void forget(final long correlationId) {
    inFlight.remove(correlationId);
  }

  @Override
  public void onComplete(
      final long correlationId,
      final AppendStatus status,
      final int partition,
      final long baseOffset,
      final int count,
      final Durability achieved) {
    completed.add(new Completion(correlationId, status, partition, baseOffset, count, achieved));
    if (drainScheduled.compareAndSet(false, true)) {
      loop.execute(drain);
    }
  }

  /** Answers every queued completion. Loop only. */
  private void drain() {
    // Cleared first: a completion queued from here on schedules another drain, none is missed.
    drainScheduled.set(false);
    Completion c;
    while ((c = completed.poll()) != null) {
      c.run();
    }
  }
}
