package io.stele.engine;

import java.util.concurrent.locks.LockSupport;
import org.agrona.concurrent.IdleStrategy;

/**
 * An idle strategy for a thread that others hand work to: spin, then yield, then park with a
 * doubling timeout, and announce the park so a producer can {@link #wake()} it at once. The thread
 * costs next to nothing while idle and still reacts within microseconds to a hand-off; a wake that
 * races with the park is covered by the park's bounded timeout.
 */
public final class WakeableIdle implements IdleStrategy {
  private final int spins;
  private final int yields;
  private final long minParkNs;
  private final long maxParkNs;
  private volatile Thread owner;
  private volatile boolean parked;
  private int state;
  private long parkNs;

  /**
   * Creates the strategy.
   *
   * @param spins busy spins before yielding
   * @param yields yields before parking
   * @param minParkNs first park timeout
   * @param maxParkNs longest park timeout
   */
  public WakeableIdle(
      final int spins, final int yields, final long minParkNs, final long maxParkNs) {
    this.spins = spins;
    this.yields = yields;
    this.minParkNs = minParkNs;
    this.maxParkNs = maxParkNs;
    this.parkNs = minParkNs;
  }

  /** Unparks the owning thread if it is parked; any thread, cheap when it is not. */
  public void wake() {
    if (parked) {
      final Thread t = owner;
      if (t != null) {
        LockSupport.unpark(t);
      }
    }
  }

  @Override
  public void idle(final int workCount) {
    if (workCount > 0) {
      reset();
    } else {
      idle();
    }
  }

  @Override
  public void idle() {
    if (state < spins) {
      state++;
      Thread.onSpinWait();
    } else if (state < spins + yields) {
      state++;
      Thread.yield();
    } else {
      if (owner == null) {
        owner = Thread.currentThread();
      }
      parked = true;
      LockSupport.parkNanos(parkNs);
      parked = false;
      parkNs = Math.min(parkNs << 1, maxParkNs);
    }
  }

  @Override
  public void reset() {
    state = 0;
    parkNs = minParkNs;
  }

  @Override
  public String alias() {
    return "wakeable";
  }
}
