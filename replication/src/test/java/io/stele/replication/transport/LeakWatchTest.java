package io.stele.replication.transport;

import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;

class LeakWatchTest {
  /** Negative control of the leak checks the transport tests run in teardown. */
  @Test
  void shouldReportADeliberateLeak() {
    LeakWatch.install();
    PooledByteBufAllocator.DEFAULT.directBuffer(64).writeLong(1);
    assertThrows(AssertionError.class, LeakWatch::assertNoLeaks);
  }
}
