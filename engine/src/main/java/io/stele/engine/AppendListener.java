package io.stele.engine;

/**
 * Receives append completions. Called on an engine thread (never the caller's): implementations
 * hand the completion back to their own thread and must not block. One long-lived listener per
 * producing thread, so completing allocates nothing.
 */
@FunctionalInterface
public interface AppendListener {
  /**
   * @param correlationId the id given with the request
   * @param status {@link AppendStatus#OK} or the reason it failed
   * @param partition the partition written
   * @param baseOffset offset of the first record (for {@link AppendStatus#DUPLICATE}: of the
   *     original append, or -1 if unknown); for {@link AppendStatus#STALE_EPOCH} the producer's
   *     current epoch; for {@link AppendStatus#SEQUENCE_GAP} the expected sequence; else -1
   * @param count records appended
   * @param achieved durability reached; never more than requested and really achieved
   */
  void onComplete(
      long correlationId,
      AppendStatus status,
      int partition,
      long baseOffset,
      int count,
      Durability achieved);
}
