package io.stele.engine;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** Test helper: an append listener that queues completions, and topic-operation futures. */
public final class Completions implements AppendListener {
  /** One append completion. */
  public record Done(
      long correlationId,
      AppendStatus status,
      int partition,
      long baseOffset,
      int count,
      Durability achieved) {}

  /** One topic completion. */
  public record TopicDone(TopicStatus status, TopicDescription description) {}

  private final LinkedBlockingQueue<Done> queue = new LinkedBlockingQueue<>();

  @Override
  public void onComplete(
      final long correlationId,
      final AppendStatus status,
      final int partition,
      final long baseOffset,
      final int count,
      final Durability achieved) {
    queue.add(new Done(correlationId, status, partition, baseOffset, count, achieved));
  }

  /** The next completion, waiting at most 10 s. */
  public Done next() throws InterruptedException {
    final Done d = queue.poll(10, TimeUnit.SECONDS);
    assertNotNull(d, "no completion within 10 s");
    return d;
  }

  public Done poll() {
    return queue.poll();
  }

  public static CompletableFuture<TopicDone> topicFuture(
      final java.util.function.Consumer<TopicListener> op) {
    final CompletableFuture<TopicDone> f = new CompletableFuture<>();
    op.accept((s, d) -> f.complete(new TopicDone(s, d)));
    return f;
  }

  public static TopicDone await(final CompletableFuture<TopicDone> f) throws Exception {
    return f.get(10, TimeUnit.SECONDS);
  }
}
