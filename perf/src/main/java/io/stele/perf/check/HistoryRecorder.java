package io.stele.perf.check;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/** Thread-safe collector of ops for a fault scenario; hands out unique op ids. */
public final class HistoryRecorder {
  private final AtomicLong nextOpId = new AtomicLong();
  private final ConcurrentLinkedQueue<Op> ops = new ConcurrentLinkedQueue<>();

  /** A fresh op id, unique within this recorder. */
  public long nextOpId() {
    return nextOpId.getAndIncrement();
  }

  /** Monotonic time for {@code invokeNanos} and {@code completeNanos}. */
  public long now() {
    return System.nanoTime();
  }

  /** Records one completed (or abandoned, as UNKNOWN) op. */
  public void record(final Op op) {
    ops.add(op);
  }

  /** The ops recorded so far, ordered by op id. */
  public List<Op> ops() {
    final List<Op> out = new ArrayList<>(ops);
    out.sort(Comparator.comparingLong(Op::opId));
    return out;
  }

  /** Writes the ops recorded so far as NDJSON. */
  public void writeTo(final Path file) throws IOException {
    HistoryIo.writeOps(file, ops());
  }
}
