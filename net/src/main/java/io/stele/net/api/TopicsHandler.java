package io.stele.net.api;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.concurrent.FastThreadLocal;
import io.stele.engine.AppendRequest;
import io.stele.engine.AppendStatus;
import io.stele.engine.Durability;
import io.stele.engine.Engine;
import io.stele.engine.ReadStatus;
import io.stele.engine.TopicConfig;
import io.stele.engine.TopicDescription;
import io.stele.engine.TopicStatus;
import io.stele.net.Exchange;
import io.stele.net.Json;
import io.stele.net.JsonObjectReader;
import io.stele.net.RouteHandler;
import io.stele.net.TailWaiters;
import io.stele.net.TopicNames;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The native topics API under {@code /v1/topics}: create, list, describe, delete, produce (one
 * record or NDJSON), consume (NDJSON pages, long-poll, SSE tail). Runs on event loops; appends go
 * to the engine's ring and their completions come back through the {@link Exchange}.
 */
public final class TopicsHandler implements RouteHandler {
  static final String PREFIX = "/v1/topics";
  static final String NDJSON = "application/x-ndjson";
  static final String HEADER_NEXT = "Stele-Next-Offset";
  static final String HEADER_START = "Stele-Start-Offset";
  static final String HEADER_END = "Stele-End-Offset";

  private final Engine engine;
  private final TailWaiters waiters;
  private final ApiConfig config;
  private final AtomicInteger roundRobin = new AtomicInteger();

  /** One reusable append request and buffer view per event loop thread. */
  private final FastThreadLocal<AppendRequest> appendRequests;

  private final FastThreadLocal<UnsafeBuffer> bodyViews =
      new FastThreadLocal<>() {
        @Override
        protected UnsafeBuffer initialValue() {
          return new UnsafeBuffer(0, 0);
        }
      };

  /** One append listener per event loop (the engine registers a bounded number of listeners). */
  private final FastThreadLocal<ProduceCompletions> completions = new FastThreadLocal<>();

  private final FastThreadLocal<ExpandableArrayBuffer> scratchBuffers =
      new FastThreadLocal<>() {
        @Override
        protected ExpandableArrayBuffer initialValue() {
          return new ExpandableArrayBuffer(4096);
        }
      };

  public TopicsHandler(final Engine engine, final TailWaiters waiters, final ApiConfig config) {
    this.engine = engine;
    this.waiters = waiters;
    this.config = config;
    this.appendRequests =
        new FastThreadLocal<>() {
          @Override
          protected AppendRequest initialValue() {
            return new AppendRequest(config.maxRecordsPerRequest());
          }
        };
  }

  @Override
  public void handle(final Exchange ex) {
    final String path = ex.path();
    final HttpMethod method = ex.request().method();
    if (path.length() <= PREFIX.length() + 1) {
      ex.route("topics");
      if (method.equals(HttpMethod.GET) || method.equals(HttpMethod.HEAD)) {
        list(ex);
      } else {
        ex.methodNotAllowed("GET, HEAD");
      }
      return;
    }
    final String[] parts = path.substring(PREFIX.length() + 1).split("/", -1);
    final String topic = parts[0];
    final String invalid = TopicNames.invalidReason(topic);
    if (invalid != null) {
      ex.route("topic");
      ex.problem(HttpResponseStatus.BAD_REQUEST, "invalid-topic-name", invalid);
      return;
    }
    if (parts.length == 1) {
      ex.route("topic");
      if (method.equals(HttpMethod.PUT)) {
        create(ex, topic);
      } else if (method.equals(HttpMethod.GET) || method.equals(HttpMethod.HEAD)) {
        describe(ex, topic);
      } else if (method.equals(HttpMethod.DELETE)) {
        delete(ex, topic);
      } else {
        ex.methodNotAllowed("GET, HEAD, PUT, DELETE");
      }
      return;
    }
    if (parts.length == 2 && parts[1].equals("records")) {
      ex.route("produce");
      if (method.equals(HttpMethod.POST)) {
        produce(ex, topic);
      } else {
        ex.methodNotAllowed("POST");
      }
      return;
    }
    if (parts.length == 4 && parts[1].equals("partitions") && parts[3].equals("records")) {
      ex.route("consume");
      if (!method.equals(HttpMethod.GET)) {
        ex.methodNotAllowed("GET");
        return;
      }
      final int partition = Api.parsePartition(parts[2]);
      if (partition < 0) {
        ex.problem(
            HttpResponseStatus.BAD_REQUEST,
            "invalid-partition",
            "partition must be a non-negative integer, got '" + parts[2] + "'");
        return;
      }
      consume(ex, topic, partition);
      return;
    }
    ex.route("other");
    ex.problem(HttpResponseStatus.NOT_FOUND, "not-found", "no route " + path);
  }

  // ---------------------------------------------------------------- topics

  private void list(final Exchange ex) {
    final StringBuilder json = new StringBuilder(256).append("{\"topics\":[");
    boolean first = true;
    for (final TopicDescription d : engine.listTopics()) {
      if (d.name().startsWith(TopicNames.RESERVED_PREFIX)) {
        continue;
      }
      if (!first) {
        json.append(',');
      }
      first = false;
      Json.appendString(json, d.name());
    }
    ex.respondJson(HttpResponseStatus.OK, json.append("]}\n"));
  }

  private void create(final Exchange ex, final String topic) {
    if (reserved(ex, topic)) {
      return;
    }
    final Durability durability = Api.durability(ex);
    if (durability == null) {
      return;
    }
    int partitions = 1;
    long retentionMs = -1;
    long retentionBytes = -1;
    final ByteBuf body = ex.request().content();
    if (body.isReadable()) {
      final Map<String, Object> fields;
      try {
        fields = JsonObjectReader.parse(body.toString(StandardCharsets.UTF_8));
      } catch (final IllegalArgumentException e) {
        ex.problem(HttpResponseStatus.BAD_REQUEST, "invalid-json", e.getMessage());
        return;
      }
      for (final Map.Entry<String, Object> f : fields.entrySet()) {
        final Object v = f.getValue();
        switch (f.getKey()) {
          case "partitions":
            if (!(v instanceof Long) || (Long) v < 1 || (Long) v > config.maxPartitions()) {
              ex.problem(
                  HttpResponseStatus.BAD_REQUEST,
                  "invalid-topic-config",
                  "partitions must be an integer in [1, " + config.maxPartitions() + "]");
              return;
            }
            partitions = ((Long) v).intValue();
            break;
          case "retention_ms":
          case "retention_bytes":
            if (!(v instanceof Long) || ((Long) v < 1 && (Long) v != -1)) {
              ex.problem(
                  HttpResponseStatus.BAD_REQUEST,
                  "invalid-topic-config",
                  f.getKey() + " must be a positive integer, or -1 for no limit");
              return;
            }
            if (f.getKey().equals("retention_ms")) {
              retentionMs = (Long) v;
            } else {
              retentionBytes = (Long) v;
            }
            break;
          default:
            ex.problem(
                HttpResponseStatus.BAD_REQUEST,
                "invalid-topic-config",
                "unknown member \""
                    + f.getKey()
                    + "\"; accepted: partitions, retention_ms, retention_bytes");
            return;
        }
      }
    }
    final TopicConfig cfg = new TopicConfig(partitions, retentionMs, retentionBytes, Map.of());
    engine.createTopic(
        topic,
        cfg,
        durability,
        (status, description) -> {
          switch (status) {
            case CREATED:
            case EXISTS:
              final FullHttpResponse r =
                  Api.json(
                      ex,
                      status == TopicStatus.CREATED
                          ? HttpResponseStatus.CREATED
                          : HttpResponseStatus.OK,
                      describeJson(description));
              if (status == TopicStatus.CREATED) {
                r.headers().set(HttpHeaderNames.LOCATION, PREFIX + "/" + topic);
              }
              ex.respond(r);
              break;
            case CONFLICT:
              ex.problem(
                  HttpResponseStatus.CONFLICT,
                  "topic-exists",
                  "topic " + topic + " exists with a different configuration");
              break;
            default:
              Api.topicFailure(ex, status, topic);
          }
        });
  }

  /** Internal topics (Durable Streams) are not the native API's to create or delete. */
  private static boolean reserved(final Exchange ex, final String topic) {
    if (!topic.startsWith(TopicNames.RESERVED_PREFIX)) {
      return false;
    }
    ex.problem(
        HttpResponseStatus.BAD_REQUEST,
        "reserved-topic-name",
        "topic names starting with '__' are reserved");
    return true;
  }

  private void describe(final Exchange ex, final String topic) {
    final TopicDescription d = engine.describeTopic(topic);
    if (d == null) {
      Api.unknownTopic(ex, topic);
      return;
    }
    ex.respondJson(HttpResponseStatus.OK, describeJson(d));
  }

  static CharSequence describeJson(final TopicDescription d) {
    final StringBuilder json = new StringBuilder(256).append("{\"name\":");
    Json.appendString(json, d.name());
    json.append(",\"partitions\":[");
    final List<TopicDescription.PartitionState> ps = d.partitions();
    for (int i = 0; i < ps.size(); i++) {
      final TopicDescription.PartitionState p = ps.get(i);
      if (i > 0) {
        json.append(',');
      }
      json.append("{\"partition\":")
          .append(p.partition())
          .append(",\"start_offset\":")
          .append(p.startOffset())
          .append(",\"end_offset\":")
          .append(p.endOffset())
          .append(",\"leader\":\"self\"}");
    }
    return json.append("],\"retention_ms\":")
        .append(d.config().retentionMs())
        .append(",\"retention_bytes\":")
        .append(d.config().retentionBytes())
        .append("}\n");
  }

  private void delete(final Exchange ex, final String topic) {
    if (reserved(ex, topic)) {
      return;
    }
    final Durability durability = Api.durability(ex);
    if (durability == null) {
      return;
    }
    engine.deleteTopic(
        topic,
        durability,
        (status, description) -> {
          if (status == TopicStatus.OK) {
            waiters.forget(topic);
            ex.respondEmpty(HttpResponseStatus.NO_CONTENT);
          } else {
            Api.topicFailure(ex, status, topic);
          }
        });
  }

  // ---------------------------------------------------------------- produce

  private void produce(final Exchange ex, final String topic) {
    final Durability durability = Api.durability(ex);
    if (durability == null) {
      return;
    }
    final String key = ex.queryParam("key");
    int partition;
    final String partitionParam = ex.queryParam("partition");
    if (partitionParam != null) {
      partition = Api.parsePartition(partitionParam);
      if (partition < 0) {
        ex.problem(
            HttpResponseStatus.BAD_REQUEST,
            "invalid-partition",
            "partition must be a non-negative integer, got '" + partitionParam + "'");
        return;
      }
    } else {
      final TopicDescription d = engine.describeTopic(topic);
      if (d == null) {
        Api.unknownTopic(ex, topic);
        return;
      }
      final int n = d.partitions().size();
      partition =
          key != null
              ? Math.floorMod(Partitioner.hash(key), n)
              : Math.floorMod(roundRobin.getAndIncrement(), n);
    }

    final ByteBuf body = ex.request().content();
    final int length = body.readableBytes();
    if (length == 0) {
      ex.problem(
          HttpResponseStatus.BAD_REQUEST, "empty-body", "a produce request needs a non-empty body");
      return;
    }
    // A record's key and value are ranges of one buffer: without a key that is the body itself;
    // with one, the key and the body are copied side by side into this loop's scratch buffer.
    final DirectBuffer view;
    final int base;
    final int keyLength;
    if (key == null) {
      final UnsafeBuffer bodyView = bodyViews.get();
      if (body.hasMemoryAddress()) {
        bodyView.wrap(body.memoryAddress() + body.readerIndex(), length);
      } else if (body.hasArray()) {
        bodyView.wrap(body.array(), body.arrayOffset() + body.readerIndex(), length);
      } else {
        bodyView.wrap(body.nioBuffer());
      }
      view = bodyView;
      base = 0;
      keyLength = -1;
    } else {
      final ExpandableArrayBuffer scratch = scratchBuffers.get();
      keyLength = scratch.putStringWithoutLengthUtf8(0, key);
      scratch.checkLimit(keyLength + length);
      body.getBytes(body.readerIndex(), scratch.byteArray(), keyLength, length);
      view = scratch;
      base = keyLength;
    }

    final AppendRequest req = appendRequests.get().reset();
    req.topic(topic, partition).durability(durability).timestampMs(System.currentTimeMillis());
    final String contentType = ex.request().headers().get(HttpHeaderNames.CONTENT_TYPE);
    final boolean ndjson = contentType != null && contentType.startsWith(NDJSON);
    if (ndjson) {
      int start = 0;
      int line = 1;
      while (start < length) {
        int end = start;
        while (end < length && view.getByte(base + end) != '\n') {
          end++;
        }
        int valueEnd = end;
        if (valueEnd > start && view.getByte(base + valueEnd - 1) == '\r') {
          valueEnd--;
        }
        if (valueEnd == start) {
          req.reset();
          ex.problem(
              HttpResponseStatus.BAD_REQUEST,
              "empty-record",
              "NDJSON line " + line + " is empty; every line is one record");
          return;
        }
        if (!req.addRecord(
            view, keyLength < 0 ? -1 : 0, keyLength, base + start, valueEnd - start)) {
          tooMany(ex, req);
          return;
        }
        start = end + 1;
        line++;
      }
    } else if (!req.addRecord(view, keyLength < 0 ? -1 : 0, keyLength, base, length)) {
      tooMany(ex, req);
      return;
    }

    final long startNs = System.nanoTime();
    final int count = req.recordCount();
    ProduceCompletions listener = completions.get();
    if (listener == null || listener.loop() != ex.executor()) {
      listener = new ProduceCompletions(ex.executor());
      completions.set(listener);
    }
    final long correlationId = listener.register(ex, topic, startNs);
    req.correlationId(correlationId);
    final AppendStatus admitted = engine.append(req, listener);
    req.reset();
    if (admitted != AppendStatus.ACCEPTED) {
      listener.forget(correlationId);
      onAppended(ex, topic, admitted, partition, -1, count, null, startNs);
    }
  }

  private void tooMany(final Exchange ex, final AppendRequest req) {
    req.reset();
    ex.problem(
        HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
        "too-many-records",
        "a produce request may carry at most " + config.maxRecordsPerRequest() + " records");
  }

  static void onAppended(
      final Exchange ex,
      final String topic,
      final AppendStatus status,
      final int partition,
      final long baseOffset,
      final int count,
      final Durability achieved,
      final long startNs) {
    if (status == AppendStatus.OK) {
      final StringBuilder json = new StringBuilder(128).append("{\"topic\":");
      Json.appendString(json, topic);
      json.append(",\"partition\":")
          .append(partition)
          .append(",\"offset\":")
          .append(baseOffset)
          .append(",\"count\":")
          .append(count)
          .append(",\"durability\":\"")
          .append(achieved.wireName())
          .append("\"}\n");
      final FullHttpResponse r = Api.json(ex, HttpResponseStatus.OK, json);
      // presized: concatenation would grow a default-capacity StringBuilder on every produce
      r.headers()
          .set(
              "Server-Timing",
              new StringBuilder(32)
                  .append("append;dur=")
                  .append((System.nanoTime() - startNs) / 1000 / 1000.0)
                  .toString());
      ex.respond(r);
      return;
    }
    Api.appendFailure(ex, status, topic, partition);
  }

  // ---------------------------------------------------------------- consume

  private void consume(final Exchange ex, final String topic, final int partition) {
    final long waitMs = Api.longParam(ex, "wait_ms", 0, 0, config.maxWaitMs());
    final long limit =
        Api.longParam(ex, "limit", config.defaultReadRecords(), 1, config.maxReadRecords());
    final long maxBytes =
        Api.longParam(ex, "max_bytes", config.defaultReadBytes(), 1, config.maxReadBytes());
    if (waitMs == Long.MIN_VALUE || limit == Long.MIN_VALUE || maxBytes == Long.MIN_VALUE) {
      return;
    }
    final TopicDescription d = engine.describeTopic(topic);
    if (d == null) {
      Api.unknownTopic(ex, topic);
      return;
    }
    if (partition >= d.partitions().size()) {
      Api.unknownPartition(ex, topic, partition, d.partitions().size());
      return;
    }
    final TopicDescription.PartitionState state = d.partitions().get(partition);
    long offset = state.startOffset();
    final String lastEventId = ex.request().headers().get("Last-Event-ID");
    final String offsetParam = ex.queryParam("offset");
    final boolean sse =
        ex.request().headers().contains(HttpHeaderNames.ACCEPT, "text/event-stream", true)
            || "sse".equals(ex.queryParam("live"));
    if (sse && lastEventId != null) {
      final long last = Api.parseOffset(lastEventId);
      if (last < -1) {
        ex.problem(
            HttpResponseStatus.BAD_REQUEST,
            "invalid-offset",
            "Last-Event-ID must be an offset, got '" + lastEventId + "'");
        return;
      }
      offset = last + 1;
    } else if (offsetParam != null) {
      offset = Api.parseOffset(offsetParam);
      if (offset < 0) {
        ex.problem(
            HttpResponseStatus.BAD_REQUEST,
            "invalid-offset",
            "offset must be a non-negative integer, got '" + offsetParam + "'");
        return;
      }
    }
    if (sse) {
      new SseTail(engine, waiters, config, ex, topic, partition, offset).start();
      return;
    }
    new PageRead(engine, waiters, ex, topic, partition, offset, (int) limit, (int) maxBytes, waitMs)
        .run(false);
  }

  /** One consume request: read a page; if empty and wait_ms allows, park and read again. */
  static final class PageRead implements TailWaiters.Waiter {
    private final Engine engine;
    private final TailWaiters waiters;
    private final Exchange ex;
    private final String topic;
    private final int partition;
    private final long offset;
    private final int limit;
    private final int maxBytes;
    private final long deadlineNs;
    private TailWaiters.Handle handle;

    PageRead(
        final Engine engine,
        final TailWaiters waiters,
        final Exchange ex,
        final String topic,
        final int partition,
        final long offset,
        final int limit,
        final int maxBytes,
        final long waitMs) {
      this.engine = engine;
      this.waiters = waiters;
      this.ex = ex;
      this.topic = topic;
      this.partition = partition;
      this.offset = offset;
      this.limit = limit;
      this.maxBytes = maxBytes;
      this.deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMs);
    }

    void run(final boolean timedOut) {
      final RecordPage page = new RecordPage(ex.alloc(), maxBytes);
      final ReadStatus status = engine.read(topic, partition, offset, limit, maxBytes, page);
      if (status != ReadStatus.OK) {
        page.release();
        Api.readFailure(ex, engine, status, topic, partition, offset);
        return;
      }
      final long remainingNs = deadlineNs - System.nanoTime();
      if (page.count() == 0 && !timedOut && remainingNs > 0) {
        page.release();
        handle =
            waiters.await(
                topic,
                partition,
                offset,
                ex.executor(),
                Math.max(1, TimeUnit.NANOSECONDS.toMillis(remainingNs)),
                this);
        ex.onClose(handle::cancel);
        return;
      }
      final TopicDescription d = engine.describeTopic(topic);
      final FullHttpResponse r = ex.newResponse(HttpResponseStatus.OK, page.content());
      r.headers().set(HttpHeaderNames.CONTENT_TYPE, NDJSON);
      r.headers().set(HEADER_NEXT, page.count() == 0 ? offset : page.lastOffset() + 1);
      if (d != null && partition < d.partitions().size()) {
        r.headers().set(HEADER_START, d.partitions().get(partition).startOffset());
        r.headers().set(HEADER_END, d.partitions().get(partition).endOffset());
      }
      r.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
      ex.respond(r);
    }

    @Override
    public void onWake(final boolean timedOut) {
      ex.onClose(null);
      if (ex.isOpen()) {
        run(timedOut);
      }
    }
  }

  static HttpResponse sseHead(final Exchange ex) {
    final HttpResponse head =
        new DefaultHttpResponse(ex.request().protocolVersion(), HttpResponseStatus.OK);
    head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream");
    head.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE);
    return head;
  }
}
