package io.stele.replication.raft;

/**
 * A seeded, deterministic {@link RandomSource} (SplitMix64, Steele et al. 2014). Pure arithmetic:
 * the same seed always yields the same sequence, which is what the simulator relies on to replay a
 * failing run.
 */
public final class SplitMix64 implements RandomSource {
  private long state;

  /**
   * Creates a generator.
   *
   * @param seed any value; equal seeds give equal sequences
   */
  public SplitMix64(final long seed) {
    this.state = seed;
  }

  /**
   * Returns the next 64 random bits.
   *
   * @return the next value
   */
  public long nextLong() {
    long z = (state += 0x9E3779B97F4A7C15L);
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  @Override
  public int nextInt(final int bound) {
    if (bound <= 0) {
      throw new IllegalArgumentException("bound must be positive: " + bound);
    }
    return (int) Long.remainderUnsigned(nextLong(), bound);
  }

  /**
   * Returns true with the given probability.
   *
   * @param probability in {@code [0, 1]}
   * @return whether the event happens
   */
  public boolean chance(final double probability) {
    return (nextLong() >>> 11) * 0x1.0p-53 < probability;
  }
}
