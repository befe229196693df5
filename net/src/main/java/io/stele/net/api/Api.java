package io.stele.net.api;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.stele.engine.AppendStatus;
import io.stele.engine.Durability;
import io.stele.engine.Engine;
import io.stele.engine.ReadStatus;
import io.stele.engine.TopicDescription;
import io.stele.engine.TopicStatus;
import io.stele.net.Exchange;
import io.stele.net.Problem;
import java.nio.charset.StandardCharsets;

/** Request parsing and the mapping of engine outcomes to HTTP, shared by the native handlers. */
final class Api {
  private Api() {}

  static FullHttpResponse json(
      final Exchange ex, final HttpResponseStatus status, final CharSequence json) {
    final ByteBuf body = ex.alloc().buffer(json.length() + 8);
    body.writeCharSequence(json, StandardCharsets.UTF_8);
    final FullHttpResponse r = ex.newResponse(status, body);
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
    return r;
  }

  /**
   * The requested durability (query parameter {@code durability} or header {@code Durability}),
   * {@code quorum} by default; answers 400 and returns null when it is not one of the three.
   */
  static Durability durability(final Exchange ex) {
    String value = ex.queryParam("durability");
    if (value == null) {
      value = ex.request().headers().get("Durability");
    }
    if (value == null) {
      return Durability.QUORUM;
    }
    final Durability d = Durability.fromWireName(value);
    if (d == null) {
      ex.problem(
          HttpResponseStatus.BAD_REQUEST,
          "invalid-durability",
          "durability must be memory, local or quorum, got '" + value + "'");
    }
    return d;
  }

  /** A partition number, or -1 if {@code s} is not a non-negative int in decimal. */
  static int parsePartition(final String s) {
    final long v = parseOffset(s);
    return v < 0 || v > Integer.MAX_VALUE ? -1 : (int) v;
  }

  /** A non-negative decimal long without sign or leading zeros (other than "0"), or -2. */
  static long parseOffset(final String s) {
    if (s == null || s.isEmpty() || s.length() > 19) {
      return -2;
    }
    if (s.equals("-1")) {
      return -1;
    }
    if (s.length() > 1 && s.charAt(0) == '0') {
      return -2;
    }
    long v = 0;
    for (int i = 0; i < s.length(); i++) {
      final char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -2;
      }
      v = v * 10 + (c - '0');
      if (v < 0) {
        return -2;
      }
    }
    return v;
  }

  /**
   * An integer query parameter in {@code [min, max]}, {@code def} when absent; answers 400 and
   * returns {@link Long#MIN_VALUE} when it is malformed or out of range.
   */
  static long longParam(
      final Exchange ex, final String name, final long def, final long min, final long max) {
    final String s = ex.queryParam(name);
    if (s == null) {
      return def;
    }
    final long v = parseOffset(s);
    if (v < min || v > max) {
      ex.problem(
          HttpResponseStatus.BAD_REQUEST,
          "invalid-parameter",
          name + " must be an integer in [" + min + ", " + max + "], got '" + s + "'");
      return Long.MIN_VALUE;
    }
    return v;
  }

  static void unknownTopic(final Exchange ex, final String topic) {
    ex.problem(HttpResponseStatus.NOT_FOUND, "unknown-topic", "topic " + topic + " does not exist");
  }

  static void unknownPartition(
      final Exchange ex, final String topic, final int partition, final int partitions) {
    ex.problem(
        HttpResponseStatus.NOT_FOUND,
        "unknown-partition",
        "topic "
            + topic
            + " has "
            + partitions
            + " partition(s); "
            + partition
            + " does not exist");
  }

  private static final String NOT_LEADER_DETAIL =
      "this node is not the cluster's leader (or lost leadership before the write committed);"
          + " the write did not happen: retry, GET /v1/cluster names the leader";

  static void topicFailure(final Exchange ex, final TopicStatus status, final String topic) {
    switch (status) {
      case NOT_FOUND:
        unknownTopic(ex, topic);
        break;
      case BACKPRESSURE:
        ex.unavailable("overloaded", "the write pipeline is full; retry");
        break;
      case STORAGE_FAILED:
        ex.unavailable("storage-failed", "this node's storage failed; it acknowledges nothing");
        break;
      case NOT_LEADER:
        ex.unavailable("not-leader", NOT_LEADER_DETAIL);
        break;
      default:
        ex.problem(
            HttpResponseStatus.INTERNAL_SERVER_ERROR,
            "internal-error",
            "unexpected topic status " + status);
    }
  }

  static void appendFailure(
      final Exchange ex, final AppendStatus status, final String topic, final int partition) {
    switch (status) {
      case UNKNOWN_TOPIC:
        unknownTopic(ex, topic);
        break;
      case UNKNOWN_PARTITION:
        ex.problem(
            HttpResponseStatus.NOT_FOUND,
            "unknown-partition",
            "topic " + topic + " has no partition " + partition);
        break;
      case TOO_LARGE:
        ex.problem(
            HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
            "batch-too-large",
            "the encoded records exceed the largest batch the log accepts");
        break;
      case BACKPRESSURE:
        ex.unavailable("overloaded", "the write pipeline is full; retry");
        break;
      case CLOSED:
        ex.problem(HttpResponseStatus.CONFLICT, "topic-closed", "topic " + topic + " is closed");
        break;
      case STORAGE_FAILED:
        ex.unavailable("storage-failed", "this node's storage failed; it acknowledges nothing");
        break;
      case NOT_LEADER:
        ex.unavailable("not-leader", NOT_LEADER_DETAIL);
        break;
      default:
        ex.problem(
            HttpResponseStatus.INTERNAL_SERVER_ERROR,
            "internal-error",
            "unexpected append status " + status);
    }
  }

  static void readFailure(
      final Exchange ex,
      final Engine engine,
      final ReadStatus status,
      final String topic,
      final int partition,
      final long offset) {
    switch (status) {
      case UNKNOWN_TOPIC:
        unknownTopic(ex, topic);
        break;
      case UNKNOWN_PARTITION:
        final TopicDescription d = engine.describeTopic(topic);
        unknownPartition(ex, topic, partition, d == null ? 0 : d.partitions().size());
        break;
      case OFFSET_GONE:
        final TopicDescription g = engine.describeTopic(topic);
        final FullHttpResponse gone =
            Problem.response(
                ex.alloc(),
                ex.request().protocolVersion(),
                HttpResponseStatus.GONE,
                "offset-gone",
                "offset "
                    + offset
                    + " is below the partition's start offset"
                    + (g == null || partition >= g.partitions().size()
                        ? ""
                        : " " + g.partitions().get(partition).startOffset())
                    + " (removed by retention)");
        if (g != null && partition < g.partitions().size()) {
          gone.headers()
              .set(TopicsHandler.HEADER_START, g.partitions().get(partition).startOffset());
        }
        ex.respond(gone);
        break;
      case OFFSET_OUT_OF_RANGE:
        final TopicDescription e = engine.describeTopic(topic);
        final FullHttpResponse range =
            Problem.response(
                ex.alloc(),
                ex.request().protocolVersion(),
                HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE,
                "offset-out-of-range",
                "offset " + offset + " is beyond the partition's end offset");
        if (e != null && partition < e.partitions().size()) {
          range.headers().set(TopicsHandler.HEADER_END, e.partitions().get(partition).endOffset());
        }
        ex.respond(range);
        break;
      default:
        ex.problem(
            HttpResponseStatus.INTERNAL_SERVER_ERROR,
            "internal-error",
            "unexpected read status " + status);
    }
  }
}
