package io.stele.replication.raft;

/**
 * One Raft log entry. In Stele an entry is a shard-log record batch: {@code payload} is an opaque
 * reference the node chooses (the batch buffer, or a handle to its position in a segment) so the
 * bytes on the wire are the bytes on disk and nothing is re-encoded; the core only uses {@code
 * sizeBytes} for flow control. Immutable.
 */
public final class Entry {
  private final long index;
  private final long term;
  private final EntryType type;
  private final Object payload;
  private final int sizeBytes;

  /**
   * Creates an entry.
   *
   * @param index log index, at least 1
   * @param term term of the leader that created it, at least 1
   * @param type what the entry carries
   * @param payload opaque reference for {@link EntryType#NORMAL}, a {@link Membership} for {@link
   *     EntryType#CONFIG}, may be null for {@link EntryType#NOOP}
   * @param sizeBytes encoded size, used to bound messages and in-flight windows
   */
  public Entry(
      final long index,
      final long term,
      final EntryType type,
      final Object payload,
      final int sizeBytes) {
    if (index < 1 || term < 1 || sizeBytes < 0) {
      throw new IllegalArgumentException("index=" + index + " term=" + term + " size=" + sizeBytes);
    }
    if (type == EntryType.CONFIG && !(payload instanceof Membership)) {
      throw new IllegalArgumentException("config entry needs a Membership payload");
    }
    this.index = index;
    this.term = term;
    this.type = type;
    this.payload = payload;
    this.sizeBytes = sizeBytes;
  }

  /**
   * Returns the log index.
   *
   * @return the index
   */
  public long index() {
    return index;
  }

  /**
   * Returns the term.
   *
   * @return the term
   */
  public long term() {
    return term;
  }

  /**
   * Returns the entry type.
   *
   * @return the type
   */
  public EntryType type() {
    return type;
  }

  /**
   * Returns the opaque payload reference.
   *
   * @return the payload, possibly null
   */
  public Object payload() {
    return payload;
  }

  /**
   * Returns the size in bytes used for flow control.
   *
   * @return the size
   */
  public int sizeBytes() {
    return sizeBytes;
  }

  @Override
  public String toString() {
    return index + "@" + term + (type == EntryType.NORMAL ? ":" + payload : ":" + type);
  }
}
