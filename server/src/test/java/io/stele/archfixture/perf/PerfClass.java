package io.stele.archfixture.perf;

/** Breaks "perf imports nothing internal". */
public final class PerfClass {
  public io.stele.archfixture.engine.EngineUsingNetty engine;
}
