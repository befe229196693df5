package io.stele.net;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.stele.engine.PartitionObserver;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Long-poll and SSE tails: requests parked until a partition's end offset passes the offset they
 * wait for, or their deadline. The engine tells it of end-offset advances ({@link #onEndOffset}, on
 * an engine thread); waiters are woken on their own event loop.
 *
 * <p>No lost wake-up: {@link #onEndOffset} publishes the new end before scanning waiters, and
 * {@link #await} inserts the waiter before reading the published end, so either the scan sees the
 * waiter or the waiter sees the end.
 */
public final class TailWaiters implements PartitionObserver {

  /** Called once, on the waiter's event loop. */
  @FunctionalInterface
  public interface Waiter {
    /**
     * @param timedOut true if the deadline passed first
     */
    void onWake(boolean timedOut);
  }

  /** A parked waiter; cancel it when its connection closes. */
  public static final class Handle {
    private final Key key;
    private final Waiter waiter;
    private final EventExecutor loop;
    private final long offset;
    private final AtomicBoolean done = new AtomicBoolean();
    private final TailWaiters owner;
    private ScheduledFuture<?> timeout;

    private Handle(
        final TailWaiters owner,
        final Key key,
        final long offset,
        final EventExecutor loop,
        final Waiter waiter) {
      this.owner = owner;
      this.key = key;
      this.offset = offset;
      this.loop = loop;
      this.waiter = waiter;
    }

    /** Removes the waiter without waking it. Idempotent. */
    public void cancel() {
      if (done.compareAndSet(false, true)) {
        owner.remove(this);
        if (timeout != null) {
          timeout.cancel(false);
        }
      }
    }

    private void wake(final boolean timedOut) {
      if (done.compareAndSet(false, true)) {
        owner.remove(this);
        if (!timedOut && timeout != null) {
          timeout.cancel(false);
        }
        // Always a fresh task, never inline: the waiter may be inside await() or an engine
        // callback.
        loop.execute(() -> waiter.onWake(timedOut));
      }
    }
  }

  private record Key(String topic, int partition) {}

  private final Map<Key, Set<Handle>> waiters = new ConcurrentHashMap<>();
  private final Map<Key, AtomicLong> knownEnd = new ConcurrentHashMap<>();

  /**
   * Parks a waiter until the partition's end offset is greater than {@code offset} or {@code
   * timeoutMs} passes. Call on {@code loop}.
   */
  public Handle await(
      final String topic,
      final int partition,
      final long offset,
      final EventExecutor loop,
      final long timeoutMs,
      final Waiter waiter) {
    final Key key = new Key(topic, partition);
    final Handle handle = new Handle(this, key, offset, loop, waiter);
    waiters.computeIfAbsent(key, k -> ConcurrentHashMap.newKeySet()).add(handle);
    handle.timeout = loop.schedule(() -> handle.wake(true), timeoutMs, TimeUnit.MILLISECONDS);
    final AtomicLong end = knownEnd.get(key);
    if (end != null && end.get() > offset) {
      handle.wake(false);
    }
    return handle;
  }

  @Override
  public void onEndOffset(final String topic, final int partition, final long endOffset) {
    final Key key = new Key(topic, partition);
    knownEnd.computeIfAbsent(key, k -> new AtomicLong(-1)).accumulateAndGet(endOffset, Math::max);
    final Set<Handle> set = waiters.get(key);
    if (set == null) {
      return;
    }
    for (final Handle h : set) {
      if (h.offset < endOffset) {
        h.wake(false);
      }
    }
  }

  /** Forgets a topic's partitions (after it is deleted), waking its waiters so they re-check. */
  public void forget(final String topic) {
    knownEnd.keySet().removeIf(k -> k.topic.equals(topic));
    waiters.forEach(
        (k, set) -> {
          if (k.topic.equals(topic)) {
            for (final Handle h : set) {
              h.wake(false);
            }
          }
        });
  }

  private void remove(final Handle handle) {
    final Set<Handle> set = waiters.get(handle.key);
    if (set != null) {
      set.remove(handle);
    }
  }
}
