package io.stele.net.api;

import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.stele.engine.Durability;
import io.stele.engine.Engine;
import io.stele.engine.TopicDescription;
import io.stele.engine.TopicStatus;
import io.stele.net.Exchange;
import io.stele.net.Json;
import io.stele.net.JsonObjectReader;
import io.stele.net.RouteHandler;
import io.stele.net.TopicNames;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * Consumer-group offsets under {@code /v1/groups}: {@code PUT /v1/groups/{g}/offsets/{t}/{p}} with
 * {@code {"offset": N}} commits through the log; {@code GET /v1/groups/{g}/offsets/{t}} reads them.
 * Group names follow the topic name rules.
 */
public final class GroupsHandler implements RouteHandler {
  static final String PREFIX = "/v1/groups";

  private final Engine engine;

  public GroupsHandler(final Engine engine) {
    this.engine = engine;
  }

  @Override
  public void handle(final Exchange ex) {
    ex.route("groups");
    final String rest =
        ex.path().length() > PREFIX.length() + 1 ? ex.path().substring(PREFIX.length() + 1) : "";
    final String[] parts = rest.split("/", -1);
    if (parts.length < 3 || !parts[1].equals("offsets") || parts.length > 4) {
      ex.problem(HttpResponseStatus.NOT_FOUND, "not-found", "no route " + ex.path());
      return;
    }
    final String group = parts[0];
    final String topic = parts[2];
    final String badGroup = TopicNames.invalidReason(group);
    if (badGroup != null) {
      ex.problem(
          HttpResponseStatus.BAD_REQUEST,
          "invalid-group-name",
          badGroup.replace("topic name", "group name"));
      return;
    }
    final String badTopic = TopicNames.invalidReason(topic);
    if (badTopic != null) {
      ex.problem(HttpResponseStatus.BAD_REQUEST, "invalid-topic-name", badTopic);
      return;
    }
    final HttpMethod method = ex.request().method();
    if (parts.length == 3) {
      if (method.equals(HttpMethod.GET) || method.equals(HttpMethod.HEAD)) {
        read(ex, group, topic);
      } else {
        ex.methodNotAllowed("GET, HEAD");
      }
      return;
    }
    if (!method.equals(HttpMethod.PUT)) {
      ex.methodNotAllowed("PUT");
      return;
    }
    final int partition = Api.parsePartition(parts[3]);
    if (partition < 0) {
      ex.problem(
          HttpResponseStatus.BAD_REQUEST,
          "invalid-partition",
          "partition must be a non-negative integer, got '" + parts[3] + "'");
      return;
    }
    commit(ex, group, topic, partition);
  }

  private void read(final Exchange ex, final String group, final String topic) {
    final TopicDescription d = engine.describeTopic(topic);
    if (d == null) {
      Api.unknownTopic(ex, topic);
      return;
    }
    final Map<Integer, Long> offsets = new TreeMap<>(engine.committedOffsets(group, topic));
    final StringBuilder json = new StringBuilder(128).append("{\"group\":");
    Json.appendString(json, group);
    json.append(",\"topic\":");
    Json.appendString(json, topic);
    json.append(",\"offsets\":{");
    boolean first = true;
    for (final Map.Entry<Integer, Long> e : offsets.entrySet()) {
      if (!first) {
        json.append(',');
      }
      first = false;
      json.append('"').append(e.getKey()).append("\":").append(e.getValue());
    }
    ex.respondJson(HttpResponseStatus.OK, json.append("}}\n"));
  }

  private void commit(
      final Exchange ex, final String group, final String topic, final int partition) {
    final Durability durability = Api.durability(ex);
    if (durability == null) {
      return;
    }
    final Map<String, Object> body;
    try {
      body = JsonObjectReader.parse(ex.request().content().toString(StandardCharsets.UTF_8));
    } catch (final IllegalArgumentException e) {
      ex.problem(
          HttpResponseStatus.BAD_REQUEST,
          "invalid-json",
          "expected {\"offset\": N}: " + e.getMessage());
      return;
    }
    final Object offset = body.get("offset");
    if (body.size() != 1 || !(offset instanceof Long) || (Long) offset < 0) {
      ex.problem(
          HttpResponseStatus.BAD_REQUEST,
          "invalid-offset-commit",
          "expected {\"offset\": N} with N a non-negative integer");
      return;
    }
    final long value = (Long) offset;
    engine.commitOffset(
        group,
        topic,
        partition,
        value,
        durability,
        (status, description) -> {
          if (status == TopicStatus.OK) {
            final StringBuilder json = new StringBuilder(128).append("{\"group\":");
            Json.appendString(json, group);
            json.append(",\"topic\":");
            Json.appendString(json, topic);
            json.append(",\"partition\":")
                .append(partition)
                .append(",\"offset\":")
                .append(value)
                .append("}\n");
            ex.respondJson(HttpResponseStatus.OK, json);
          } else if (status == TopicStatus.NOT_FOUND
              && description != null
              && partition >= description.partitions().size()) {
            Api.unknownPartition(ex, topic, partition, description.partitions().size());
          } else {
            Api.topicFailure(ex, status, topic);
          }
        });
  }
}
