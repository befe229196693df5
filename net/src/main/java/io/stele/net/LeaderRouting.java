package io.stele.net;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * Routes the log's endpoints in a cluster: the leader serves them; a follower answers {@code 307
 * Temporary Redirect} to the same URI on the leader (the method and body are re-sent, so {@code
 * curl -L} follows it); while no leader is known the answer is {@code 503} with {@code
 * Retry-After}. Reads go to the leader too, so a reader never sees a record that is not committed.
 */
public final class LeaderRouting {
  private LeaderRouting() {}

  /**
   * Wraps a handler so only the leader runs it.
   *
   * @param view the cluster
   * @param inner the handler the leader runs
   * @return the routing handler
   */
  public static RouteHandler leaderOnly(final ClusterView view, final RouteHandler inner) {
    return exchange -> {
      final String base = view.leaderBase();
      if (base == null) {
        inner.handle(exchange);
      } else if (base.isEmpty()) {
        exchange.route("no-leader");
        final FullHttpResponse r =
            Problem.response(
                exchange.alloc(),
                exchange.request().protocolVersion(),
                HttpResponseStatus.SERVICE_UNAVAILABLE,
                "no-leader",
                "the cluster has no leader right now (an election is running); retry shortly");
        r.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
        exchange.respond(r);
      } else {
        exchange.route("redirect");
        final FullHttpResponse r =
            exchange.newResponse(HttpResponseStatus.TEMPORARY_REDIRECT, Unpooled.EMPTY_BUFFER);
        r.headers().set(HttpHeaderNames.LOCATION, base + exchange.request().uri());
        exchange.respond(r);
      }
    };
  }

  /**
   * The handler of {@code /v1/cluster}: every node answers with its own view.
   *
   * @param view the cluster
   * @return the handler
   */
  public static RouteHandler status(final ClusterView view) {
    return exchange -> {
      exchange.route("cluster");
      final HttpMethod m = exchange.request().method();
      if (!HttpMethod.GET.equals(m) && !HttpMethod.HEAD.equals(m)) {
        exchange.methodNotAllowed("GET, HEAD");
      } else {
        exchange.respondJson(HttpResponseStatus.OK, view.describe());
      }
    };
  }
}
