package io.stele.engine;

/** Receives the completion of a topic operation or offset commit, on an engine thread. */
@FunctionalInterface
public interface TopicListener {
  /**
   * @param description the topic after the operation, or {@code null} if there is none
   */
  void onComplete(TopicStatus status, TopicDescription description);
}
