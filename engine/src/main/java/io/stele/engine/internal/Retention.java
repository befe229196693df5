package io.stele.engine.internal;

/** Applies topic retention on the writer thread. */
final class Retention {
  private final StorageEngine engine;

  Retention(final StorageEngine engine) {
    this.engine = engine;
  }

  /** Writer thread: advances start offsets past expired data; returns work done. */
  int apply(final long nowMs) {
    return engine == null ? 0 : 0;
  }
}
