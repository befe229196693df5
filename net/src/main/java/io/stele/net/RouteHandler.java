package io.stele.net;

/**
 * Serves the requests under one path prefix. Called on the connection's event loop; must not block.
 * It answers through the {@link Exchange}, at once or later (after an engine completion, or a
 * long-poll wake-up), from any thread.
 */
@FunctionalInterface
public interface RouteHandler {
  void handle(Exchange exchange);
}
