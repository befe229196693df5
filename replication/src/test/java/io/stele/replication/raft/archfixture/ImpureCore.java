package io.stele.replication.raft.archfixture;

import java.util.Random;

/** Breaks the core purity rule on purpose (wall clock and {@code Random}); never used. */
final class ImpureCore {
  private final Random random = new Random();

  long electionDeadlineNs() {
    return System.nanoTime() + random.nextInt(150);
  }
}
