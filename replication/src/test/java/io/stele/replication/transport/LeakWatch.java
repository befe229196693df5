package io.stele.replication.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.internal.logging.InternalLoggerFactory;
import io.netty.util.internal.logging.JdkLoggerFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Turns Netty's leak reports into test failures: Netty logs a "LEAK:" line when a tracked buffer is
 * garbage-collected unreleased; this watch routes Netty's logging to java.util.logging, records
 * those lines, and {@link #assertNoLeaks()} forces collection and a few tracked allocations so
 * pending reports are emitted before it checks.
 */
public final class LeakWatch {
  private static final List<String> LEAKS = new ArrayList<>();
  private static boolean installed;

  private LeakWatch() {}

  /** Routes Netty's leak reports here; idempotent. */
  public static synchronized void install() {
    if (installed) {
      return;
    }
    installed = true;
    InternalLoggerFactory.setDefaultFactory(JdkLoggerFactory.INSTANCE);
    ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
    final Logger logger = Logger.getLogger(ResourceLeakDetector.class.getName());
    logger.addHandler(
        new Handler() {
          @Override
          public void publish(final LogRecord record) {
            final String msg = record.getMessage();
            if (msg != null && msg.contains("LEAK")) {
              synchronized (LEAKS) {
                LEAKS.add(msg);
              }
            }
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        });
  }

  /** Emits pending leak reports and fails if any was recorded since the last call. */
  public static void assertNoLeaks() {
    for (int i = 0; i < 3; i++) {
      System.gc();
      System.runFinalization();
      for (int j = 0; j < 16; j++) {
        final ByteBuf a = PooledByteBufAllocator.DEFAULT.directBuffer(16);
        final ByteBuf b = UnpooledByteBufAllocator.DEFAULT.heapBuffer(16);
        a.release();
        b.release();
      }
    }
    synchronized (LEAKS) {
      if (!LEAKS.isEmpty()) {
        final String first = LEAKS.get(0);
        LEAKS.clear();
        throw new AssertionError("Netty buffer leak reported: " + first);
      }
    }
  }
}
