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
        exchange.unavailable(
            "no-leader",
            "the cluster has no leader right now (an election is running); retry shortly");
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
   * The handler of {@code /v1/cluster}: every node answers {@code GET} with its own view; {@code
   * POST /v1/cluster/voters/{node}?incarnation=I} adds a voter and {@code DELETE
   * /v1/cluster/voters/{node}} removes one, on the leader (followers redirect), answering once the
   * change has committed.
   *
   * @param view the cluster
   * @return the handler
   */
  public static RouteHandler status(final ClusterView view) {
    final RouteHandler voters = leaderOnly(view, exchange -> changeVoter(view, exchange));
    return exchange -> {
      if (exchange.path().startsWith(VOTERS)) {
        voters.handle(exchange);
        return;
      }
      exchange.route("cluster");
      final HttpMethod m = exchange.request().method();
      if (!exchange.path().equals("/v1/cluster")) {
        exchange.problem(HttpResponseStatus.NOT_FOUND, "not-found", "no route " + exchange.path());
      } else if (!HttpMethod.GET.equals(m) && !HttpMethod.HEAD.equals(m)) {
        exchange.methodNotAllowed("GET, HEAD");
      } else {
        exchange.respondJson(HttpResponseStatus.OK, view.describe());
      }
    };
  }

  private static final String VOTERS = "/v1/cluster/voters/";

  private static void changeVoter(final ClusterView view, final Exchange exchange) {
    exchange.route("cluster-voters");
    final HttpMethod m = exchange.request().method();
    final boolean add = HttpMethod.POST.equals(m);
    if (!add && !HttpMethod.DELETE.equals(m)) {
      exchange.methodNotAllowed("POST, DELETE");
      return;
    }
    final int node = parse(exchange.path().substring(VOTERS.length()), 1, 255);
    final String inc = exchange.queryParam("incarnation");
    final int incarnation = inc == null ? 0 : parse(inc, 0, Integer.MAX_VALUE);
    if (node < 0 || incarnation < 0) {
      exchange.problem(
          HttpResponseStatus.BAD_REQUEST,
          "invalid-voter",
          "expected /v1/cluster/voters/{node 1..255}[?incarnation=0..2147483647]");
      return;
    }
    view.changeVoter(add, node, incarnation)
        .whenComplete(
            (index, error) -> {
              if (error == null) {
                exchange.respondJson(
                    HttpResponseStatus.OK,
                    "{\"node\":"
                        + node
                        + ",\""
                        + (add ? "added" : "removed")
                        + "\":true,\"index\":"
                        + index
                        + "}\n");
              } else {
                final Throwable cause =
                    error instanceof java.util.concurrent.CompletionException
                            && error.getCause() != null
                        ? error.getCause()
                        : error;
                exchange.problem(
                    cause instanceof IllegalArgumentException
                        ? HttpResponseStatus.BAD_REQUEST
                        : HttpResponseStatus.CONFLICT,
                    "membership-change-refused",
                    String.valueOf(cause.getMessage()));
              }
            });
  }

  private static int parse(final String s, final int min, final int max) {
    try {
      final long v = Long.parseLong(s);
      return v >= min && v <= max ? (int) v : -1;
    } catch (final NumberFormatException e) {
      return -1;
    }
  }
}
