package io.stele.engine.internal;

import org.agrona.concurrent.Agent;
import org.agrona.concurrent.IdleStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one {@link Agent} on its own thread: {@code doWork()} in a loop, idling with the given
 * strategy when there was no work, and {@code onClose()} on the same thread when stopped. Unlike
 * Agrona's AgentRunner it never interrupts the thread: an interrupt during {@code FileChannel} I/O
 * closes the channel, which here would turn a clean shutdown into a storage failure.
 */
final class AgentThread {
  private static final Logger LOG = LoggerFactory.getLogger(AgentThread.class);

  private final Agent agent;
  private final IdleStrategy idle;
  private final Thread thread;
  private volatile boolean running = true;
  private volatile Throwable crash;

  AgentThread(final Agent agent, final IdleStrategy idle, final Runnable onCrash) {
    this.agent = agent;
    this.idle = idle;
    this.thread =
        new Thread(
            () -> {
              try {
                agent.onStart();
                while (running) {
                  idle.idle(agent.doWork());
                }
              } catch (final Throwable t) {
                crash = t;
                LOG.error("agent {} crashed", agent.roleName(), t);
                onCrash.run();
              } finally {
                try {
                  agent.onClose();
                } catch (final Throwable t) {
                  LOG.error("agent {} failed to close", agent.roleName(), t);
                }
              }
            },
            agent.roleName());
    thread.setDaemon(true);
  }

  AgentThread start() {
    thread.start();
    return this;
  }

  Throwable crash() {
    return crash;
  }

  boolean isCurrentThread() {
    return Thread.currentThread() == thread;
  }

  /**
   * Stops the loop and waits (bounded) for {@code onClose} to finish.
   *
   * @return true if the thread ended
   */
  boolean stop(final long timeoutMs) {
    running = false;
    try {
      thread.join(timeoutMs);
    } catch (final InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (thread.isAlive()) {
      LOG.warn("agent {} did not stop within {} ms", agent.roleName(), timeoutMs);
      return false;
    }
    return true;
  }
}
