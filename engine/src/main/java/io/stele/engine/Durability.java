package io.stele.engine;

import java.util.Locale;

/**
 * How durable an acknowledged write is (DESIGN §3). An acknowledgement reports what was achieved,
 * never more.
 */
public enum Durability {
  /** Accepted into the log (page cache), not flushed; lost on power failure. */
  MEMORY,
  /** fsync'd on the node that accepted it. */
  LOCAL,
  /** fsync'd on a majority of the cluster; on a single node the same as {@link #LOCAL}. */
  QUORUM;

  private final String wireName = name().toLowerCase(Locale.ROOT);

  /** The name used on the wire: {@code memory}, {@code local}, {@code quorum}. */
  public String wireName() {
    return wireName;
  }

  /** Parses a wire name; returns {@code null} for anything else. */
  public static Durability fromWireName(final String name) {
    for (final Durability d : values()) {
      if (d.wireName.equals(name)) {
        return d;
      }
    }
    return null;
  }
}
