package io.stele.net.streams;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.concurrent.FastThreadLocal;
import io.stele.engine.AppendListener;
import io.stele.engine.AppendRequest;
import io.stele.engine.AppendStatus;
import io.stele.engine.Durability;
import io.stele.engine.Engine;
import io.stele.engine.ReadStatus;
import io.stele.engine.TopicConfig;
import io.stele.engine.TopicDescription;
import io.stele.engine.TopicStatus;
import io.stele.net.Exchange;
import io.stele.net.RouteHandler;
import io.stele.net.TailWaiters;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The Durable Streams protocol at {@code /v1/stream/{path}}: create (PUT), append and close (POST),
 * read (GET: catch-up, long-poll, SSE), metadata (HEAD), delete (DELETE) and CORS preflight
 * (OPTIONS). Each stream is a single-partition topic (see {@link StreamNames}); its configuration
 * lives in the topic attributes, its messages in records (see {@link Records}).
 *
 * <p>Threads: {@link #handle} runs on event loops and never blocks; appends and topic operations
 * complete on engine threads and answer through {@link Exchange#respond}; long-poll and SSE
 * wake-ups come back on the connection's event loop through {@link TailWaiters}.
 */
public final class StreamsHandler implements RouteHandler, AppendListener {
  /** Start of the cursor intervals (protocol §8.1): 2024-10-09T00:00:00Z. */
  static final long CURSOR_EPOCH_MS = 1_728_432_000_000L;

  static final long CURSOR_INTERVAL_MS = 20_000;

  /** Longest Stream-Seq token (characters); the engine bounds strings at 1 KiB of UTF-8. */
  static final int MAX_STREAM_SEQ = 256;

  private final Engine engine;
  private final TailWaiters waiters;
  private final StreamsConfig config;
  private final Durability durability;
  private final Map<String, StreamState> states = new ConcurrentHashMap<>();
  private final Map<Long, PendingAppend> pending = new ConcurrentHashMap<>();
  private final AtomicLong correlationIds = new AtomicLong();
  private final AtomicBoolean sweeperStarted = new AtomicBoolean();

  /** Whether the sweep has loaded every stored stream (the sweep runs on one event loop). */
  private boolean sweptAll;

  /** Per event loop scratch objects: single-thread owned, reused for every request. */
  private final FastThreadLocal<LoopScratch> scratch =
      new FastThreadLocal<>() {
        @Override
        protected LoopScratch initialValue() {
          return new LoopScratch(config.maxMessagesPerAppend() + 1);
        }
      };

  static final class LoopScratch {
    final AppendRequest request;
    final UnsafeBuffer body = new UnsafeBuffer(0, 0);
    final JsonScanner json = new JsonScanner();
    final ReadCollector collector = new ReadCollector();

    LoopScratch(final int maxRecords) {
      this.request = new AppendRequest(maxRecords);
    }
  }

  /** An append waiting for its completion. */
  private static final class PendingAppend {
    final Exchange exchange;
    final StreamState state;
    final String producerId;
    final long epoch;
    final long seq;
    final boolean close;
    final boolean closeOnly;
    final boolean create;

    PendingAppend(
        final Exchange exchange,
        final StreamState state,
        final String producerId,
        final long epoch,
        final long seq,
        final boolean close,
        final boolean closeOnly,
        final boolean create) {
      this.exchange = exchange;
      this.state = state;
      this.producerId = producerId;
      this.epoch = epoch;
      this.seq = seq;
      this.close = close;
      this.closeOnly = closeOnly;
      this.create = create;
    }
  }

  public StreamsHandler(
      final Engine engine, final TailWaiters waiters, final StreamsConfig config) {
    this.engine = engine;
    this.waiters = waiters;
    this.config = config;
    this.durability = config.durability();
  }

  @Override
  public void handle(final Exchange ex) {
    ex.route("streams");
    if (sweeperStarted.compareAndSet(false, true)) {
      ex.executor()
          .scheduleWithFixedDelay(
              this::sweep,
              config.sweepIntervalMs(),
              config.sweepIntervalMs(),
              TimeUnit.MILLISECONDS);
    }
    final HttpMethod method = ex.request().method();
    if (HttpMethod.OPTIONS.equals(method)) {
      preflight(ex);
      return;
    }
    final String streamPath;
    final String topic;
    try {
      streamPath = StreamNames.streamPath(ex.path());
      topic = StreamNames.topicOf(streamPath);
    } catch (final StreamNames.BadPathException e) {
      respondProblem(
          ex,
          e.tooLong ? HttpResponseStatus.BAD_REQUEST : HttpResponseStatus.NOT_FOUND,
          e.tooLong ? "stream-path-too-long" : "no-stream",
          e.getMessage());
      return;
    }
    if (HttpMethod.GET.equals(method)) {
      read(ex, topic, false);
    } else if (HttpMethod.HEAD.equals(method)) {
      read(ex, topic, true);
    } else if (HttpMethod.POST.equals(method)) {
      append(ex, topic);
    } else if (HttpMethod.PUT.equals(method)) {
      create(ex, topic);
    } else if (HttpMethod.DELETE.equals(method)) {
      delete(ex, topic);
    } else {
      final FullHttpResponse r =
          problem(
              ex,
              HttpResponseStatus.METHOD_NOT_ALLOWED,
              "method-not-allowed",
              method
                  + " is not a Durable Streams method; allowed: "
                  + StreamHeaders.ALLOWED_METHODS);
      r.headers().set(HttpHeaderNames.ALLOW, StreamHeaders.ALLOWED_METHODS);
      ex.respond(r);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Stream lookup, expiry
  // ---------------------------------------------------------------------------------------------

  /** The live state of a stream, or null if it does not exist or has expired. */
  private StreamState resolve(final String topic, final TopicDescription d, final long nowMs) {
    if (d == null) {
      states.remove(topic);
      return null;
    }
    final StreamState s = stateOf(d, nowMs);
    if (!s.softDeleted && s.isExpired(nowMs)) {
      expire(s);
      return null;
    }
    return s;
  }

  /** The state of a fork's source, whatever its condition (forks read soft-deleted sources). */
  private StreamState sourceOf(final StreamState s) {
    if (s.sourceTopic == null) {
      return null;
    }
    final TopicDescription d = engine.describeTopic(s.sourceTopic);
    return d == null ? null : stateOf(d, System.currentTimeMillis());
  }

  /** The logical end (tail offset) of a stream whose own topic is described by {@code d}. */
  static long logicalEnd(final StreamState s, final TopicDescription d) {
    return s.base + endOffset(d);
  }

  /**
   * Reads the records of {@code s} at logical offsets {@code [pos, limit)} into {@code c}, through
   * the fork chain: offsets below {@link StreamState#base} come from the source, recursively. Stops
   * early when the collector's byte budget is spent.
   */
  ReadStatus readLogical(
      final StreamState s,
      final long pos,
      final long limit,
      final ReadCollector c,
      final boolean own) {
    long at = pos;
    if (at < s.base) {
      final StreamState src = sourceOf(s);
      if (src == null) {
        return ReadStatus.UNKNOWN_TOPIC;
      }
      final long upTo = Math.min(limit, s.base);
      final ReadStatus st = readLogical(src, at, upTo, c, false);
      if (st != ReadStatus.OK || c.next < upTo || c.full()) {
        return st;
      }
      at = s.base;
    }
    if (at >= limit || c.full()) {
      return ReadStatus.OK;
    }
    c.segment(s.base, limit, own);
    return engine.read(s.topic, 0, at - s.base, Integer.MAX_VALUE, Math.max(1, c.remaining()), c);
  }

  private StreamState stateOf(final TopicDescription d, final long nowMs) {
    final String id = d.config().attributes().getOrDefault(StreamState.ATTR_ID, "0");
    final StreamState cached = states.get(d.name());
    if (cached != null && cached.id.equals(id)) {
      return cached;
    }
    final StreamState fresh = new StreamState(d.name(), d.config().attributes(), nowMs);
    final TopicDescription.PartitionState p = d.partitions().get(0);
    if (p.endOffset() > p.startOffset()) {
      final long[] marker = {-1};
      engine.read(
          d.name(),
          0,
          p.endOffset() - 1,
          1,
          64,
          (offset, ts, buffer, keyOffset, keyLength, valueOffset, valueLength) -> {
            if (Records.isCloseMarker(buffer, keyOffset, keyLength)) {
              marker[0] = offset + 1;
            }
            return false;
          });
      fresh.closedEnd = marker[0] < 0 ? -1 : fresh.base + marker[0];
    }
    final StreamState raced =
        states.compute(d.name(), (k, old) -> old != null && old.id.equals(id) ? old : fresh);
    return raced;
  }

  private void expire(final StreamState s) {
    if (s.expiring) {
      return;
    }
    s.expiring = true;
    retire(s, null);
  }

  /** Whether any fork reads from this incarnation of {@code s}. */
  private boolean hasForks(final StreamState s) {
    for (final TopicDescription t : engine.listTopics()) {
      final Map<String, String> a = t.config().attributes();
      if (s.topic.equals(a.get(StreamState.ATTR_FORK_SOURCE))
          && s.id.equals(a.get(StreamState.ATTR_FORK_SOURCE_ID))) {
        return true;
      }
    }
    return false;
  }

  /**
   * Deletes a stream (DELETE or expiry): soft-deletes it while forks read from it (it then answers
   * 410 and keeps its data), else deletes its topic and collects its source if that was only kept
   * for forks. Answers {@code ex} if given.
   */
  private void retire(final StreamState s, final Exchange ex) {
    if (hasForks(s)) {
      final Map<String, String> attrs = new HashMap<>(s.attributes);
      attrs.put(StreamState.ATTR_DELETED, "true");
      engine.updateTopicAttributes(
          s.topic,
          attrs,
          durability,
          (status, desc) -> {
            if (status == TopicStatus.OK) {
              s.softDeleted = true;
              waiters.forget(s.topic);
            }
            if (ex != null) {
              answerDeleted(ex, status);
            }
          });
      return;
    }
    engine.deleteTopic(
        s.topic,
        durability,
        (status, desc) -> {
          if (status == TopicStatus.OK) {
            states.remove(s.topic, s);
            waiters.forget(s.topic);
          }
          if (ex != null) {
            answerDeleted(ex, status);
          }
          if (status == TopicStatus.OK) {
            collect(s.sourceTopic);
          }
        });
  }

  /** Deletes a soft-deleted source once no fork reads from it, then its own source. */
  private void collect(final String sourceTopic) {
    if (sourceTopic == null) {
      return;
    }
    final TopicDescription d = engine.describeTopic(sourceTopic);
    if (d == null) {
      return;
    }
    final StreamState src = stateOf(d, System.currentTimeMillis());
    if (src.softDeleted && !hasForks(src)) {
      engine.deleteTopic(
          src.topic,
          durability,
          (status, desc) -> {
            if (status == TopicStatus.OK) {
              states.remove(src.topic, src);
              waiters.forget(src.topic);
              collect(src.sourceTopic);
            }
          });
    }
  }

  private static void answerDeleted(final Exchange ex, final TopicStatus status) {
    if (status == TopicStatus.OK) {
      final FullHttpResponse r =
          ex.newResponse(HttpResponseStatus.NO_CONTENT, Unpooled.EMPTY_BUFFER);
      StreamHeaders.decorate(r.headers());
      ex.respond(r);
    } else if (status == TopicStatus.NOT_FOUND) {
      respondNotFound(ex);
    } else if (status == TopicStatus.BACKPRESSURE) {
      respondBusy(ex);
    } else {
      ex.respond(unavailable(ex, "storage-failed", "the node cannot delete streams: " + status));
    }
  }

  static void respondGone(final Exchange ex) {
    respondProblem(
        ex,
        HttpResponseStatus.GONE,
        "stream-deleted",
        "the stream was deleted; forks of it still read its data");
  }

  /** Deletes expired streams in the background (they already answer 404 when touched). */
  private void sweep() {
    final long now = System.currentTimeMillis();
    if (!sweptAll) {
      // Once after start: learn the streams stored before, so their expiry is swept too.
      sweptAll = true;
      for (final TopicDescription d : engine.listTopics()) {
        if (d.name().startsWith(StreamNames.TOPIC_PREFIX)) {
          stateOf(d, now);
        }
      }
    }
    for (final StreamState s : states.values()) {
      if (!s.expiring && !s.softDeleted && s.isExpired(now)) {
        expire(s);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // PUT: create
  // ---------------------------------------------------------------------------------------------

  private void create(final Exchange ex, final String topic) {
    final FullHttpRequest req = ex.request();
    final HttpHeaders h = req.headers();
    final String ctHeader = h.get(HttpHeaderNames.CONTENT_TYPE);
    final String contentType =
        ctHeader == null || ctHeader.isBlank()
            ? "application/octet-stream"
            : StreamState.normalize(ctHeader);
    final String ttl = h.get(StreamHeaders.STREAM_TTL);
    final String expires = h.get(StreamHeaders.STREAM_EXPIRES_AT);
    if (ttl != null && expires != null) {
      respondProblem(
          ex,
          HttpResponseStatus.BAD_REQUEST,
          "ttl-and-expiry",
          "Stream-TTL and Stream-Expires-At are mutually exclusive");
      return;
    }
    long ttlSeconds = -1;
    if (ttl != null) {
      ttlSeconds = parseNonNegative(ttl.trim(), 12);
      if (ttlSeconds < 0) {
        respondProblem(
            ex,
            HttpResponseStatus.BAD_REQUEST,
            "bad-ttl",
            "Stream-TTL must be a non-negative integer number of seconds (at most 12 digits)"
                + " without sign or leading zeros");
        return;
      }
    }
    long expiresAtMs = -1;
    if (expires != null) {
      try {
        expiresAtMs = Math.max(0, OffsetDateTime.parse(expires.trim()).toInstant().toEpochMilli());
      } catch (final DateTimeParseException | ArithmeticException e) {
        respondProblem(
            ex,
            HttpResponseStatus.BAD_REQUEST,
            "bad-expires-at",
            "Stream-Expires-At must be an RFC 3339 timestamp");
        return;
      }
    }
    final boolean closed = isTrue(h.get(StreamHeaders.STREAM_CLOSED));
    final ByteBuf body = req.content();
    final LoopScratch sc = scratch.get();
    final Map<String, String> wanted = new HashMap<>();
    String effectiveType = contentType;
    byte[] prefix = null;
    final String forkedFrom = h.get(StreamHeaders.STREAM_FORKED_FROM);
    final String forkOffsetHeader = h.get(StreamHeaders.STREAM_FORK_OFFSET);
    final String subHeader = h.get(StreamHeaders.STREAM_FORK_SUB_OFFSET);
    if (forkedFrom == null) {
      if (forkOffsetHeader != null || subHeader != null) {
        respondProblem(
            ex,
            HttpResponseStatus.BAD_REQUEST,
            "fork-without-source",
            "Stream-Fork-Offset and Stream-Fork-Sub-Offset need Stream-Forked-From");
        return;
      }
    } else {
      // A fork: inherits the source's messages below the fork offset (see StreamState.base).
      final String sourceTopic;
      try {
        sourceTopic = StreamNames.topicOf(StreamNames.streamPathOfReference(forkedFrom));
      } catch (final StreamNames.BadPathException e) {
        respondProblem(ex, HttpResponseStatus.BAD_REQUEST, "bad-fork-source", e.getMessage());
        return;
      }
      final TopicDescription sd = engine.describeTopic(sourceTopic);
      final StreamState src = resolve(sourceTopic, sd, System.currentTimeMillis());
      if (src == null) {
        respondProblem(
            ex, HttpResponseStatus.NOT_FOUND, "no-fork-source", "no stream at Stream-Forked-From");
        return;
      }
      if (src.softDeleted) {
        respondProblem(
            ex,
            HttpResponseStatus.CONFLICT,
            "fork-source-deleted",
            "the source stream was deleted; it cannot be forked");
        return;
      }
      if (ctHeader == null || ctHeader.isBlank()) {
        effectiveType = src.contentType;
      } else if (!StreamState.essence(contentType).equals(StreamState.essence(src.contentType))) {
        respondProblem(
            ex,
            HttpResponseStatus.CONFLICT,
            "fork-content-type-mismatch",
            "a fork keeps its source's content type (" + src.contentType + ")");
        return;
      }
      final long srcEnd = logicalEnd(src, sd);
      long offset = srcEnd;
      if (forkOffsetHeader != null) {
        final long parsed = StreamOffsets.parse(forkOffsetHeader.trim());
        if (parsed == StreamOffsets.INVALID) {
          respondProblem(
              ex,
              HttpResponseStatus.BAD_REQUEST,
              "bad-fork-offset",
              "Stream-Fork-Offset must be an offset of the source stream");
          return;
        }
        offset = parsed == StreamOffsets.START ? 0 : parsed == StreamOffsets.NOW ? srcEnd : parsed;
      }
      if (offset > srcEnd) {
        respondProblem(
            ex,
            HttpResponseStatus.BAD_REQUEST,
            "fork-offset-beyond-tail",
            "Stream-Fork-Offset is past the source's tail");
        return;
      }
      long sub = 0;
      if (subHeader != null) {
        sub = parseNonNegative(subHeader.trim(), 15);
        if (sub < 0) {
          respondProblem(
              ex,
              HttpResponseStatus.BAD_REQUEST,
              "bad-fork-sub-offset",
              "Stream-Fork-Sub-Offset must be a non-negative integer");
          return;
        }
        if (sub > 0 && forkOffsetHeader == null) {
          respondProblem(
              ex,
              HttpResponseStatus.BAD_REQUEST,
              "fork-sub-offset-without-offset",
              "a positive Stream-Fork-Sub-Offset needs Stream-Fork-Offset");
          return;
        }
      }
      long base = offset;
      if (sub > 0 && src.json) {
        // JSON: the sub-offset counts messages, and every message is a record.
        base = offset + sub;
        if (base > srcEnd) {
          respondProblem(
              ex,
              HttpResponseStatus.BAD_REQUEST,
              "fork-sub-offset-beyond-tail",
              "Stream-Fork-Sub-Offset is past the source's last message");
          return;
        }
      } else if (sub > 0) {
        // Bytes: the fork starts with a copy of the first sub bytes of the message at offset.
        final ByteBuf one = ex.alloc().buffer(64);
        try {
          final ReadCollector c = sc.collector;
          c.reset(one, false, offset, Integer.MAX_VALUE);
          final ReadStatus st = readLogical(src, offset, offset + 1, c, false);
          c.clear();
          if (st != ReadStatus.OK || c.messages != 1 || sub > one.readableBytes()) {
            respondProblem(
                ex,
                HttpResponseStatus.BAD_REQUEST,
                "fork-sub-offset-beyond-message",
                "Stream-Fork-Sub-Offset is past the end of the message at Stream-Fork-Offset");
            return;
          }
          prefix = new byte[(int) sub];
          one.getBytes(one.readerIndex(), prefix);
        } finally {
          one.release();
        }
      }
      if (ttlSeconds < 0 && expiresAtMs < 0) {
        ttlSeconds = src.ttlSeconds;
        expiresAtMs = src.expiresAtMs;
      }
      wanted.put(StreamState.ATTR_FORK_SOURCE, src.topic);
      wanted.put(StreamState.ATTR_FORK_SOURCE_ID, src.id);
      wanted.put(StreamState.ATTR_FORK_OFFSET, Long.toString(offset));
      wanted.put(StreamState.ATTR_FORK_SUB, Long.toString(sub));
      wanted.put(StreamState.ATTR_FORK_BASE, Long.toString(base));
    }
    final boolean json = "application/json".equals(StreamState.essence(effectiveType));
    if (body.isReadable() && json) {
      if (!sc.json.scan(body, body.readerIndex(), body.writerIndex())) {
        respondProblem(ex, HttpResponseStatus.BAD_REQUEST, "invalid-json", sc.json.error());
        return;
      }
      if (sc.json.count() > config.maxMessagesPerAppend()) {
        respondTooManyMessages(ex);
        return;
      }
    }
    wanted.put(StreamState.ATTR_CONTENT_TYPE, effectiveType);
    if (ttlSeconds >= 0) {
      wanted.put(StreamState.ATTR_TTL, Long.toString(ttlSeconds));
    }
    if (expiresAtMs >= 0) {
      wanted.put(StreamState.ATTR_EXPIRES_AT, Long.toString(expiresAtMs));
    }
    final byte[] firstRecord = prefix;
    final long now = System.currentTimeMillis();
    final TopicDescription d = engine.describeTopic(topic);
    if (d != null) {
      final StreamState s = stateOf(d, now);
      if (!s.softDeleted && s.isExpired(now)) {
        if (hasForks(s)) {
          expire(s);
          respondProblem(
              ex,
              HttpResponseStatus.CONFLICT,
              "stream-deleted",
              "the stream expired but forks still read it; its path cannot be reused yet");
          return;
        }
        // An expired stream is gone: delete it, then create afresh.
        s.expiring = true;
        engine.deleteTopic(
            topic,
            durability,
            (status, desc) -> {
              states.remove(topic, s);
              waiters.forget(topic);
              collect(s.sourceTopic);
              ex.executor().execute(() -> createNew(ex, topic, wanted, closed, firstRecord));
            });
        return;
      }
      answerExisting(ex, d, s, wanted);
      return;
    }
    createNew(ex, topic, wanted, closed, firstRecord);
  }

  private void createNew(
      final Exchange ex,
      final String topic,
      final Map<String, String> wanted,
      final boolean closed,
      final byte[] prefix) {
    final Map<String, String> attributes = new HashMap<>(wanted);
    attributes.put(StreamState.ATTR_ID, Long.toHexString(ThreadLocalRandom.current().nextLong()));
    engine.createTopic(
        topic,
        new TopicConfig(1, -1, -1, attributes),
        durability,
        (status, desc) -> {
          switch (status) {
            case CREATED -> {
              final StreamState s = new StreamState(topic, attributes, System.currentTimeMillis());
              states.put(topic, s);
              ex.executor().execute(() -> afterCreate(ex, s, closed, prefix));
            }
            case EXISTS, CONFLICT -> {
              final TopicDescription now = engine.describeTopic(topic);
              if (now == null) {
                respondProblem(
                    ex,
                    HttpResponseStatus.CONFLICT,
                    "concurrent-create",
                    "the stream was deleted while it was being created; retry");
              } else {
                answerExisting(ex, now, stateOf(now, System.currentTimeMillis()), wanted);
              }
            }
            case BACKPRESSURE -> respondBusy(ex);
            default ->
                ex.respond(
                    unavailable(ex, "storage-failed", "the node cannot create streams: " + status));
          }
        });
  }

  /** A PUT on an existing stream: 200 if the configuration matches, 409 otherwise. */
  private void answerExisting(
      final Exchange ex,
      final TopicDescription d,
      final StreamState s,
      final Map<String, String> wanted) {
    if (s.softDeleted) {
      respondProblem(
          ex,
          HttpResponseStatus.CONFLICT,
          "stream-deleted",
          "the stream was deleted but forks still read it; its path cannot be reused yet");
      return;
    }
    final Map<String, String> have = d.config().attributes();
    final boolean same =
        sameAttr(have, wanted, StreamState.ATTR_CONTENT_TYPE)
            && sameAttr(have, wanted, StreamState.ATTR_TTL)
            && sameAttr(have, wanted, StreamState.ATTR_EXPIRES_AT)
            && sameAttr(have, wanted, StreamState.ATTR_FORK_SOURCE)
            && sameAttr(have, wanted, StreamState.ATTR_FORK_OFFSET)
            && sameAttr(have, wanted, StreamState.ATTR_FORK_SUB);
    if (!same) {
      respondProblem(
          ex,
          HttpResponseStatus.CONFLICT,
          "stream-exists",
          "a stream exists at this path with a different configuration (content type "
              + s.contentType
              + ")");
      return;
    }
    final FullHttpResponse r = ex.newResponse(HttpResponseStatus.OK, Unpooled.EMPTY_BUFFER);
    metadataHeaders(r.headers(), s, logicalEnd(s, d));
    ex.respond(r);
  }

  private static boolean sameAttr(
      final Map<String, String> a, final Map<String, String> b, final String key) {
    final String x = a.get(key);
    final String y = b.get(key);
    return x == null ? y == null : x.equals(y);
  }

  /** After CREATED: write the initial body and close marker if any, then answer 201. */
  private void afterCreate(
      final Exchange ex, final StreamState s, final boolean closed, final byte[] prefix) {
    final ByteBuf body = ex.request().content();
    final boolean hasBody = body.isReadable();
    final LoopScratch sc = scratch.get();
    if (hasBody && s.json) {
      sc.json.scan(body, body.readerIndex(), body.writerIndex()); // validated before create
    }
    final boolean writes =
        closed || prefix != null || (hasBody && (!s.json || sc.json.count() > 0));
    if (!writes) {
      respondCreated(ex, s, s.base);
      return;
    }
    final AppendRequest req = sc.request.reset();
    if (prefix != null) {
      req.addRecord(new UnsafeBuffer(prefix), 0, -1, 0, prefix.length);
    }
    fillRecords(sc, req, body, s.json, closed);
    submit(ex, s, req, null, -1, -1, closed, false, true, prefix);
  }

  private void respondCreated(final Exchange ex, final StreamState s, final long end) {
    final FullHttpResponse r = ex.newResponse(HttpResponseStatus.CREATED, Unpooled.EMPTY_BUFFER);
    metadataHeaders(r.headers(), s, end);
    final String host = ex.request().headers().get(HttpHeaderNames.HOST);
    r.headers()
        .set(HttpHeaderNames.LOCATION, "http://" + (host == null ? "localhost" : host) + ex.path());
    ex.respond(r);
  }

  // ---------------------------------------------------------------------------------------------
  // POST: append, close
  // ---------------------------------------------------------------------------------------------

  private void append(final Exchange ex, final String topic) {
    final FullHttpRequest request = ex.request();
    final HttpHeaders h = request.headers();
    final long now = System.currentTimeMillis();
    final StreamState s = resolve(topic, engine.describeTopic(topic), now);
    if (s == null) {
      respondNotFound(ex);
      return;
    }
    if (s.softDeleted) {
      respondGone(ex);
      return;
    }
    final boolean close = isTrue(h.get(StreamHeaders.STREAM_CLOSED));
    final ByteBuf body = request.content();
    final boolean closeOnly = close && !body.isReadable();

    // Idempotent producer headers: all three or none.
    final String pid = h.get(StreamHeaders.PRODUCER_ID);
    final String pepoch = h.get(StreamHeaders.PRODUCER_EPOCH);
    final String pseq = h.get(StreamHeaders.PRODUCER_SEQ);
    long epoch = -1;
    long seq = -1;
    if (pid != null || pepoch != null || pseq != null) {
      if (pid == null || pepoch == null || pseq == null) {
        respondProblem(
            ex,
            HttpResponseStatus.BAD_REQUEST,
            "incomplete-producer",
            "Producer-Id, Producer-Epoch and Producer-Seq must be sent together");
        return;
      }
      if (pid.isEmpty() || pid.length() > 256) {
        respondProblem(
            ex,
            HttpResponseStatus.BAD_REQUEST,
            "bad-producer-id",
            "Producer-Id must be 1 to 256 characters");
        return;
      }
      epoch = parseNonNegative(pepoch.trim(), 15);
      seq = parseNonNegative(pseq.trim(), 15);
      if (epoch < 0 || seq < 0) {
        respondProblem(
            ex,
            HttpResponseStatus.BAD_REQUEST,
            "bad-producer-number",
            "Producer-Epoch and Producer-Seq must be non-negative integers (at most 15 digits)");
        return;
      }
    }
    final String streamSeq = h.get(StreamHeaders.STREAM_SEQ);
    if (streamSeq != null && (streamSeq.isEmpty() || streamSeq.length() > MAX_STREAM_SEQ)) {
      respondProblem(
          ex,
          HttpResponseStatus.BAD_REQUEST,
          "bad-stream-seq",
          "Stream-Seq must be 1 to " + MAX_STREAM_SEQ + " characters");
      return;
    }
    final LoopScratch sc = scratch.get();
    if (!closeOnly) {
      if (!body.isReadable()) {
        respondProblem(
            ex,
            HttpResponseStatus.BAD_REQUEST,
            "empty-append",
            "an append needs a non-empty body (send Stream-Closed: true to close without data)");
        return;
      }
      final String ct = h.get(HttpHeaderNames.CONTENT_TYPE);
      if (ct == null || ct.isBlank()) {
        respondProblem(
            ex,
            HttpResponseStatus.BAD_REQUEST,
            "missing-content-type",
            "an append needs a Content-Type matching the stream's (" + s.contentType + ")");
        return;
      }
      if (!StreamState.essence(ct).equals(StreamState.essence(s.contentType))) {
        final FullHttpResponse r =
            problem(
                ex,
                HttpResponseStatus.CONFLICT,
                "content-type-mismatch",
                "Content-Type " + ct + " does not match the stream's " + s.contentType);
        ex.respond(r);
        return;
      }
      if (s.json) {
        if (!sc.json.scan(body, body.readerIndex(), body.writerIndex())) {
          respondProblem(ex, HttpResponseStatus.BAD_REQUEST, "invalid-json", sc.json.error());
          return;
        }
        if (sc.json.count() == 0) {
          respondProblem(
              ex,
              HttpResponseStatus.BAD_REQUEST,
              "empty-json-array",
              "an empty JSON array appends nothing");
          return;
        }
        if (sc.json.count() > config.maxMessagesPerAppend()) {
          respondTooManyMessages(ex);
          return;
        }
      }
    }
    s.lastAccessMs = now;
    final AppendRequest req = sc.request.reset();
    if (!closeOnly) {
      fillRecords(sc, req, body, s.json, close);
    } else {
      req.addRecord(Records.MARKER, 0, 1, 0, 0);
    }
    if (pid != null) {
      req.producer(pid, epoch, seq);
    }
    if (streamSeq != null) {
      req.streamSeq(streamSeq);
    }
    submit(ex, s, req, pid, epoch, seq, close, closeOnly, false, null);
  }

  /** Adds the body's records (one per JSON message, or the whole body) and the close marker. */
  private static void fillRecords(
      final LoopScratch sc,
      final AppendRequest req,
      final ByteBuf body,
      final boolean json,
      final boolean close) {
    final UnsafeBuffer view = sc.body;
    final int base;
    if (body.hasMemoryAddress()) {
      view.wrap(body.memoryAddress(), body.capacity());
      base = 0;
    } else if (body.hasArray()) {
      view.wrap(body.array(), body.arrayOffset(), body.capacity());
      base = 0;
    } else if (body.nioBufferCount() == 1) {
      // An aggregated body of one chunk: view its memory without copying.
      view.wrap(body.nioBuffer(body.readerIndex(), body.readableBytes()));
      base = -body.readerIndex();
    } else {
      final byte[] copy = new byte[body.readableBytes()];
      body.getBytes(body.readerIndex(), copy);
      view.wrap(copy);
      base = -body.readerIndex();
    }
    if (json) {
      final JsonScanner js = sc.json;
      for (int i = 0; i < js.count(); i++) {
        req.addRecord(view, 0, -1, base + js.start(i), js.end(i) - js.start(i));
      }
    } else if (body.isReadable()) {
      req.addRecord(view, 0, -1, base + body.readerIndex(), body.readableBytes());
    }
    if (close) {
      req.addRecord(Records.MARKER, 0, 1, 0, 0);
    }
  }

  /**
   * Submits an append through the stream's gate: refused at once if the stream is closed, held
   * while a close is in flight (so nothing can land after a close marker), submitted otherwise.
   */
  private void submit(
      final Exchange ex,
      final StreamState s,
      final AppendRequest req,
      final String pid,
      final long epoch,
      final long seq,
      final boolean close,
      final boolean closeOnly,
      final boolean create,
      final byte[] prefix) {
    final long id = correlationIds.incrementAndGet();
    req.topic(s.topic, 0).durability(durability).correlationId(id);
    req.timestampMs(System.currentTimeMillis());
    final AppendStatus admitted;
    synchronized (s) {
      if (s.closedEnd >= 0) {
        req.reset();
        refuseClosed(ex, s, pid, epoch, seq, closeOnly);
        return;
      }
      if (s.closing) {
        req.reset();
        s.held.add(() -> ex.executor().execute(() -> retry(ex, s, create, prefix)));
        return;
      }
      pending.put(id, new PendingAppend(ex, s, pid, epoch, seq, close, closeOnly, create));
      admitted = engine.append(req, this);
      if (admitted == AppendStatus.ACCEPTED && close) {
        s.closing = true;
      }
    }
    req.reset();
    if (admitted != AppendStatus.ACCEPTED) {
      pending.remove(id);
      if (create) {
        undoCreate(s, () -> respondAppendFailure(ex, s, admitted, -1, pid, epoch, seq));
      } else {
        respondAppendFailure(ex, s, admitted, -1, pid, epoch, seq);
      }
    }
  }

  private void retry(
      final Exchange ex, final StreamState s, final boolean create, final byte[] prefix) {
    if (create) {
      afterCreate(ex, s, isTrue(ex.request().headers().get(StreamHeaders.STREAM_CLOSED)), prefix);
    } else {
      append(ex, s.topic);
    }
  }

  /**
   * A PUT whose initial body could not be written (too large, busy, storage failure) creates
   * nothing: the new topic is deleted again before the error is answered, so a retried PUT creates
   * it with its body instead of finding an empty stream and answering 200.
   */
  private void undoCreate(final StreamState s, final Runnable thenAnswer) {
    engine.deleteTopic(
        s.topic,
        durability,
        (status, desc) -> {
          states.remove(s.topic, s);
          waiters.forget(s.topic);
          thenAnswer.run();
        });
  }

  /** An append to a closed stream: a duplicate of an accepted write is 204, anything else 409. */
  private void refuseClosed(
      final Exchange ex,
      final StreamState s,
      final String pid,
      final long epoch,
      final long seq,
      final boolean closeOnly) {
    if (pid != null) {
      final long[] known = s.producers.get(pid);
      if (known != null && epoch == known[0] && seq <= known[1]) {
        final FullHttpResponse r =
            ex.newResponse(HttpResponseStatus.NO_CONTENT, Unpooled.EMPTY_BUFFER);
        StreamHeaders.decorate(r.headers());
        r.headers().set(StreamHeaders.STREAM_NEXT_OFFSET, StreamOffsets.format(s.closedEnd));
        r.headers().set(StreamHeaders.STREAM_CLOSED, "true");
        r.headers().set(StreamHeaders.PRODUCER_EPOCH, Long.toString(known[0]));
        r.headers().set(StreamHeaders.PRODUCER_SEQ, Long.toString(known[1]));
        ex.respond(r);
        return;
      }
      if (known != null && epoch < known[0]) {
        final FullHttpResponse r =
            problem(
                ex,
                HttpResponseStatus.FORBIDDEN,
                "stale-producer-epoch",
                "producer epoch " + epoch + " is older than the current " + known[0]);
        r.headers().set(StreamHeaders.PRODUCER_EPOCH, Long.toString(known[0]));
        r.headers().set(StreamHeaders.STREAM_CLOSED, "true");
        ex.respond(r);
        return;
      }
    } else if (closeOnly) {
      final FullHttpResponse r =
          ex.newResponse(HttpResponseStatus.NO_CONTENT, Unpooled.EMPTY_BUFFER);
      StreamHeaders.decorate(r.headers());
      r.headers().set(StreamHeaders.STREAM_NEXT_OFFSET, StreamOffsets.format(s.closedEnd));
      r.headers().set(StreamHeaders.STREAM_CLOSED, "true");
      ex.respond(r);
      return;
    }
    final FullHttpResponse r =
        problem(ex, HttpResponseStatus.CONFLICT, "stream-closed", "the stream is closed");
    r.headers().set(StreamHeaders.STREAM_CLOSED, "true");
    r.headers().set(StreamHeaders.STREAM_NEXT_OFFSET, StreamOffsets.format(s.closedEnd));
    ex.respond(r);
  }

  @Override
  public void onComplete(
      final long correlationId,
      final AppendStatus status,
      final int partition,
      final long baseOffset,
      final int count,
      final Durability achieved) {
    final PendingAppend p = pending.remove(correlationId);
    if (p == null) {
      return;
    }
    final StreamState s = p.state;
    if (status == AppendStatus.OK && p.producerId != null) {
      s.producerAccepted(p.producerId, p.epoch, p.seq);
    }
    if (p.close) {
      final List<Runnable> release;
      synchronized (s) {
        s.closing = false;
        if (status == AppendStatus.OK) {
          s.closedEnd = s.base + baseOffset + count;
        }
        release = new ArrayList<>(s.held);
        s.held.clear();
      }
      for (final Runnable r : release) {
        r.run();
      }
    }
    final Exchange ex = p.exchange;
    if (status == AppendStatus.OK) {
      final long end = s.base + baseOffset + count;
      if (p.create) {
        respondCreated(ex, s, end);
        return;
      }
      final boolean withProducer = p.producerId != null;
      final HttpResponseStatus st =
          withProducer && !p.closeOnly ? HttpResponseStatus.OK : HttpResponseStatus.NO_CONTENT;
      final FullHttpResponse r = ex.newResponse(st, Unpooled.EMPTY_BUFFER);
      StreamHeaders.decorate(r.headers());
      r.headers().set(StreamHeaders.STREAM_NEXT_OFFSET, StreamOffsets.format(end));
      if (withProducer) {
        r.headers().set(StreamHeaders.PRODUCER_EPOCH, Long.toString(p.epoch));
        r.headers().set(StreamHeaders.PRODUCER_SEQ, Long.toString(p.seq));
      }
      if (p.close) {
        r.headers().set(StreamHeaders.STREAM_CLOSED, "true");
      }
      ex.respond(r);
      return;
    }
    if (status == AppendStatus.DUPLICATE) {
      final long[] known = s.producers.get(p.producerId);
      final long highest = known != null && known[0] == p.epoch ? Math.max(known[1], p.seq) : p.seq;
      final FullHttpResponse r =
          ex.newResponse(HttpResponseStatus.NO_CONTENT, Unpooled.EMPTY_BUFFER);
      StreamHeaders.decorate(r.headers());
      final TopicDescription d = engine.describeTopic(s.topic);
      r.headers()
          .set(
              StreamHeaders.STREAM_NEXT_OFFSET,
              StreamOffsets.format(d == null ? s.base : logicalEnd(s, d)));
      r.headers().set(StreamHeaders.PRODUCER_EPOCH, Long.toString(p.epoch));
      r.headers().set(StreamHeaders.PRODUCER_SEQ, Long.toString(highest));
      if (s.isClosed()) {
        r.headers().set(StreamHeaders.STREAM_CLOSED, "true");
      }
      ex.respond(r);
      return;
    }
    if (p.create) {
      undoCreate(
          s, () -> respondAppendFailure(ex, s, status, baseOffset, p.producerId, p.epoch, p.seq));
    } else {
      respondAppendFailure(ex, s, status, baseOffset, p.producerId, p.epoch, p.seq);
    }
  }

  private void respondAppendFailure(
      final Exchange ex,
      final StreamState s,
      final AppendStatus status,
      final long detail,
      final String pid,
      final long epoch,
      final long seq) {
    final FullHttpResponse r;
    switch (status) {
      case STALE_EPOCH -> {
        final long[] known = s.producers.get(pid == null ? "" : pid);
        final long current = detail >= 0 ? detail : known == null ? epoch : known[0];
        r =
            problem(
                ex,
                HttpResponseStatus.FORBIDDEN,
                "stale-producer-epoch",
                "the producer epoch is older than the current one (" + current + ")");
        r.headers().set(StreamHeaders.PRODUCER_EPOCH, Long.toString(current));
      }
      case SEQUENCE_GAP -> {
        final long[] known = s.producers.get(pid == null ? "" : pid);
        if (known != null && epoch > known[0] && seq != 0) {
          // A new epoch must start at 0; engines that report this as a gap get the same answer.
          r =
              problem(
                  ex,
                  HttpResponseStatus.BAD_REQUEST,
                  "epoch-must-start-at-zero",
                  "a new producer epoch must start at Producer-Seq 0");
          break;
        }
        final long expected =
            detail >= 0 ? detail : known == null ? 0 : known[0] == epoch ? known[1] + 1 : 0;
        r =
            problem(
                ex,
                HttpResponseStatus.CONFLICT,
                "producer-sequence-gap",
                "expected Producer-Seq " + expected + ", received " + seq);
        r.headers().set(StreamHeaders.PRODUCER_EXPECTED_SEQ, Long.toString(expected));
        r.headers().set(StreamHeaders.PRODUCER_RECEIVED_SEQ, Long.toString(seq));
      }
      case EPOCH_START_NOT_ZERO ->
          r =
              problem(
                  ex,
                  HttpResponseStatus.BAD_REQUEST,
                  "epoch-must-start-at-zero",
                  "a new producer epoch must start at Producer-Seq 0");
      case SEQUENCE_CONFLICT ->
          r =
              problem(
                  ex,
                  HttpResponseStatus.CONFLICT,
                  "stream-seq-regression",
                  "Stream-Seq must sort after the last one appended to the stream");
      case CLOSED -> {
        r = problem(ex, HttpResponseStatus.CONFLICT, "stream-closed", "the stream is closed");
        r.headers().set(StreamHeaders.STREAM_CLOSED, "true");
      }
      case UNKNOWN_TOPIC, UNKNOWN_PARTITION ->
          r = problem(ex, HttpResponseStatus.NOT_FOUND, "no-stream", "no stream at this path");
      case TOO_LARGE ->
          r =
              problem(
                  ex,
                  HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                  "append-too-large",
                  "the append exceeds the engine's batch limit");
      case BACKPRESSURE -> {
        r = unavailable(ex, "busy", "the append queue is full; retry shortly");
      }
      default -> {
        r = unavailable(ex, "storage-failed", "the node cannot acknowledge writes: " + status);
      }
    }
    ex.respond(r);
  }

  // ---------------------------------------------------------------------------------------------
  // DELETE
  // ---------------------------------------------------------------------------------------------

  private void delete(final Exchange ex, final String topic) {
    final StreamState s = resolve(topic, engine.describeTopic(topic), System.currentTimeMillis());
    if (s == null) {
      respondNotFound(ex);
      return;
    }
    if (s.softDeleted) {
      respondGone(ex);
      return;
    }
    retire(s, ex);
  }

  // ---------------------------------------------------------------------------------------------
  // GET and HEAD
  // ---------------------------------------------------------------------------------------------

  private void read(final Exchange ex, final String topic, final boolean head) {
    final long now = System.currentTimeMillis();
    final TopicDescription d = engine.describeTopic(topic);
    final StreamState s = resolve(topic, d, now);
    if (s == null) {
      respondNotFound(ex);
      return;
    }
    if (s.softDeleted) {
      respondGone(ex);
      return;
    }
    final long end = logicalEnd(s, d);
    if (head) {
      final FullHttpResponse r = ex.newResponse(HttpResponseStatus.OK, Unpooled.EMPTY_BUFFER);
      metadataHeaders(r.headers(), s, end);
      ex.respond(r);
      return;
    }
    final List<String> offsets = ex.query().parameters().get("offset");
    final List<String> lives = ex.query().parameters().get("live");
    if ((offsets != null && offsets.size() > 1) || (lives != null && lives.size() > 1)) {
      respondProblem(
          ex, HttpResponseStatus.BAD_REQUEST, "bad-offset", "offset and live may be given once");
      return;
    }
    final String offsetParam = offsets == null ? null : offsets.get(0);
    final String live = lives == null ? null : lives.get(0);
    final boolean longPoll = "long-poll".equals(live);
    final boolean sse = "sse".equals(live);
    if (live != null && !longPoll && !sse) {
      respondProblem(
          ex, HttpResponseStatus.BAD_REQUEST, "bad-live", "live must be long-poll or sse");
      return;
    }
    if (live != null && offsetParam == null) {
      respondProblem(
          ex,
          HttpResponseStatus.BAD_REQUEST,
          "offset-required",
          "live reads need an offset (-1 for the start, now for the tail)");
      return;
    }
    final long start = s.base > 0 ? 0 : d.partitions().get(0).startOffset();
    long pos;
    final boolean fromNow;
    if (offsetParam == null) {
      pos = start;
      fromNow = false;
    } else {
      final long parsed = StreamOffsets.parse(offsetParam);
      if (parsed == StreamOffsets.INVALID) {
        respondProblem(
            ex,
            HttpResponseStatus.BAD_REQUEST,
            "bad-offset",
            "offset must be -1, now, or a token from Stream-Next-Offset");
        return;
      }
      fromNow = parsed == StreamOffsets.NOW;
      pos = parsed == StreamOffsets.START ? start : fromNow ? end : parsed;
    }
    if (pos < start) {
      respondProblem(
          ex,
          HttpResponseStatus.GONE,
          "offset-gone",
          "the offset is before the earliest retained data");
      return;
    }
    if (pos > end) {
      respondProblem(
          ex, HttpResponseStatus.BAD_REQUEST, "offset-beyond-tail", "the offset is past the tail");
      return;
    }
    s.lastAccessMs = now;
    final String cursor = cursor(ex.queryParam("cursor"), now);
    if (sse) {
      new SseSession(this, ex, s, pos, cursor, now + config.sseLifetimeMs()).start();
      return;
    }
    if (fromNow && !longPoll) {
      respondRead(
          ex,
          s,
          pos,
          pos,
          end,
          Unpooled.EMPTY_BUFFER,
          0,
          null,
          true,
          s.closedEnd >= 0 && pos >= s.closedEnd);
      return;
    }
    readOnce(ex, s, pos, end, longPoll ? cursor : null, longPoll, now + config.longPollTimeoutMs());
  }

  /** Reads at {@code pos}; parks a long-poll that found nothing until data, closure or timeout. */
  void readOnce(
      final Exchange ex,
      final StreamState s,
      final long pos,
      final long knownEnd,
      final String cursor,
      final boolean longPoll,
      final long deadlineMs) {
    final LoopScratch sc = scratch.get();
    final ByteBuf out = ex.alloc().buffer(256);
    if (s.json) {
      out.writeByte('[');
    }
    final ReadCollector c = sc.collector;
    c.reset(out, s.json, pos, config.maxReadBytes());
    final ReadStatus status;
    try {
      status = readLogical(s, pos, Long.MAX_VALUE, c, true);
    } catch (final RuntimeException e) {
      out.release();
      c.clear();
      throw e;
    }
    c.clear();
    if (status != ReadStatus.OK) {
      out.release();
      respondReadFailure(ex, status);
      return;
    }
    if (s.json) {
      out.writeByte(']');
    }
    final long next = c.next;
    final int messages = c.messages;
    final long end = Math.max(knownEnd, next);
    final boolean closedAtTail = c.sawMarker || (s.closedEnd >= 0 && next >= s.closedEnd);
    if (longPoll && messages == 0 && !closedAtTail && next < end) {
      // Only markers of a fork's source were skipped: read on.
      out.release();
      readOnce(ex, s, next, knownEnd, cursor, true, deadlineMs);
      return;
    }
    if (longPoll && messages == 0 && !closedAtTail) {
      out.release();
      final long remaining = deadlineMs - System.currentTimeMillis();
      if (remaining <= 0) {
        respondLongPollTimeout(ex, s, next, cursor, false);
        return;
      }
      final TailWaiters.Handle handle =
          waiters.await(
              s.topic,
              0,
              next - s.base,
              ex.executor(),
              remaining,
              timedOut -> {
                if (!ex.isOpen()) {
                  return;
                }
                if (timedOut) {
                  respondLongPollTimeout(ex, s, next, cursor, false);
                  return;
                }
                final long now = System.currentTimeMillis();
                final TopicDescription d = engine.describeTopic(s.topic);
                final StreamState current = resolve(s.topic, d, now);
                if (current != s) {
                  respondNotFound(ex);
                  return;
                }
                if (s.softDeleted) {
                  respondGone(ex);
                  return;
                }
                s.lastAccessMs = now;
                readOnce(ex, s, next, logicalEnd(s, d), cursor, true, deadlineMs);
              });
      ex.onClose(handle::cancel);
      return;
    }
    if (longPoll && messages == 0) {
      out.release();
      respondLongPollTimeout(ex, s, next, cursor, true);
      return;
    }
    respondRead(ex, s, pos, next, end, out, messages, cursor, false, closedAtTail);
  }

  private void respondRead(
      final Exchange ex,
      final StreamState s,
      final long from,
      final long next,
      final long end,
      final ByteBuf body,
      final int messages,
      final String cursor,
      final boolean tailOnly,
      final boolean closed) {
    final boolean upToDate = next >= end;
    final ByteBuf content =
        tailOnly && s.json ? Unpooled.wrappedBuffer(new byte[] {'[', ']'}) : body;
    // built once per read: presized, so it does not grow (concatenation compiles to a
    // StringBuilder of default capacity here, -XDstringConcat=inline)
    final String etag =
        new StringBuilder(48)
            .append('"')
            .append(s.id)
            .append(':')
            .append(from)
            .append(':')
            .append(next)
            .append(closed ? ":c\"" : "\"")
            .toString();
    final String inm = ex.request().headers().get(HttpHeaderNames.IF_NONE_MATCH);
    final FullHttpResponse r;
    if (!tailOnly && etag.equals(inm)) {
      content.release();
      r = ex.newResponse(HttpResponseStatus.NOT_MODIFIED, Unpooled.EMPTY_BUFFER);
    } else {
      r = ex.newResponse(HttpResponseStatus.OK, content);
    }
    final HttpHeaders h = r.headers();
    StreamHeaders.decorate(h);
    h.set(HttpHeaderNames.CONTENT_TYPE, s.contentType);
    h.set(StreamHeaders.STREAM_NEXT_OFFSET, StreamOffsets.format(next));
    if (upToDate) {
      h.set(StreamHeaders.STREAM_UP_TO_DATE, "true");
    }
    if (closed) {
      h.set(StreamHeaders.STREAM_CLOSED, "true");
    }
    if (cursor != null) {
      h.set(StreamHeaders.STREAM_CURSOR, cursor);
    }
    if (tailOnly) {
      h.set(HttpHeaderNames.CACHE_CONTROL, "no-store");
    } else {
      h.set(HttpHeaderNames.ETAG, etag);
      // A range that ends before the tail never changes; one that reaches it may grow.
      h.set(
          HttpHeaderNames.CACHE_CONTROL,
          upToDate && !closed ? "no-cache" : "public, max-age=60, stale-while-revalidate=300");
    }
    ex.respond(r);
  }

  private void respondLongPollTimeout(
      final Exchange ex,
      final StreamState s,
      final long next,
      final String cursor,
      final boolean closed) {
    final FullHttpResponse r = ex.newResponse(HttpResponseStatus.NO_CONTENT, Unpooled.EMPTY_BUFFER);
    final HttpHeaders h = r.headers();
    StreamHeaders.decorate(h);
    h.set(StreamHeaders.STREAM_NEXT_OFFSET, StreamOffsets.format(next));
    h.set(StreamHeaders.STREAM_UP_TO_DATE, "true");
    h.set(StreamHeaders.STREAM_CURSOR, cursor);
    h.set(HttpHeaderNames.CACHE_CONTROL, "no-store");
    if (closed || (s.closedEnd >= 0 && next >= s.closedEnd)) {
      h.set(StreamHeaders.STREAM_CLOSED, "true");
    }
    ex.respond(r);
  }

  void respondReadFailure(final Exchange ex, final ReadStatus status) {
    switch (status) {
      case OFFSET_GONE ->
          respondProblem(
              ex,
              HttpResponseStatus.GONE,
              "offset-gone",
              "the offset is before the earliest retained data");
      case OFFSET_OUT_OF_RANGE ->
          respondProblem(
              ex,
              HttpResponseStatus.BAD_REQUEST,
              "offset-beyond-tail",
              "the offset is past the tail");
      default -> respondNotFound(ex);
    }
  }

  /** Content type, tail offset, TTL/expiry and closure: HEAD, PUT and idempotent PUT answers. */
  private static void metadataHeaders(final HttpHeaders h, final StreamState s, final long end) {
    StreamHeaders.decorate(h);
    h.set(HttpHeaderNames.CONTENT_TYPE, s.contentType);
    h.set(StreamHeaders.STREAM_NEXT_OFFSET, StreamOffsets.format(end));
    h.set(HttpHeaderNames.CACHE_CONTROL, "no-store");
    if (s.ttlSeconds >= 0) {
      h.set(StreamHeaders.STREAM_TTL, Long.toString(s.ttlSeconds));
    }
    if (s.expiresAtMs >= 0) {
      h.set(StreamHeaders.STREAM_EXPIRES_AT, Instant.ofEpochMilli(s.expiresAtMs).toString());
    }
    if (s.closedEnd >= 0) {
      h.set(StreamHeaders.STREAM_CLOSED, "true");
    }
  }

  // ---------------------------------------------------------------------------------------------
  // OPTIONS
  // ---------------------------------------------------------------------------------------------

  private static void preflight(final Exchange ex) {
    final FullHttpResponse r = ex.newResponse(HttpResponseStatus.NO_CONTENT, Unpooled.EMPTY_BUFFER);
    final HttpHeaders h = r.headers();
    StreamHeaders.decorate(h);
    h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS, StreamHeaders.ALLOWED_METHODS);
    final String requested =
        ex.request().headers().get(HttpHeaderNames.ACCESS_CONTROL_REQUEST_HEADERS);
    h.set(
        HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS,
        requested == null || requested.isBlank()
            ? StreamHeaders.ALLOWED_HEADERS
            : StreamHeaders.ALLOWED_HEADERS + ", " + requested);
    h.set(HttpHeaderNames.ACCESS_CONTROL_MAX_AGE, "86400");
    ex.respond(r);
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers
  // ---------------------------------------------------------------------------------------------

  Engine engine() {
    return engine;
  }

  TailWaiters waiters() {
    return waiters;
  }

  StreamsConfig config() {
    return config;
  }

  LoopScratch scratch() {
    return scratch.get();
  }

  /** The current state of a stream for a live reader: null once it is gone or replaced. */
  StreamState current(final StreamState s) {
    final TopicDescription d = engine.describeTopic(s.topic);
    final StreamState now = resolve(s.topic, d, System.currentTimeMillis());
    return now == s && !s.softDeleted ? s : null;
  }

  static long endOffset(final TopicDescription d) {
    return d.partitions().get(0).endOffset();
  }

  /**
   * The cursor for a live answer (protocol §8.1): the current 20 s interval, or, when the client
   * echoes a cursor at or past it, that cursor plus a random jitter of 1 to 180 intervals.
   */
  static String cursor(final String clientCursor, final long nowMs) {
    final long interval = (nowMs - CURSOR_EPOCH_MS) / CURSOR_INTERVAL_MS;
    if (clientCursor != null) {
      final long c = parseNonNegative(clientCursor, 18);
      if (c >= interval) {
        return Long.toString(c + 1 + ThreadLocalRandom.current().nextInt(180));
      }
    }
    return Long.toString(interval);
  }

  /** Parses a canonical non-negative decimal (no sign, no leading zeros); -1 if it is not one. */
  static long parseNonNegative(final String s, final int maxDigits) {
    final int n = s.length();
    if (n == 0 || n > maxDigits || (n > 1 && s.charAt(0) == '0')) {
      return -1;
    }
    long v = 0;
    for (int i = 0; i < n; i++) {
      final char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }

  private static boolean isTrue(final String v) {
    return v != null && v.trim().equalsIgnoreCase("true");
  }

  static FullHttpResponse problem(
      final Exchange ex, final HttpResponseStatus status, final String type, final String detail) {
    return StreamHeaders.problem(ex.alloc(), ex.request().protocolVersion(), status, type, detail);
  }

  static FullHttpResponse unavailable(final Exchange ex, final String type, final String detail) {
    return StreamHeaders.unavailable(ex.alloc(), ex.request().protocolVersion(), type, detail);
  }

  static void respondProblem(
      final Exchange ex, final HttpResponseStatus status, final String type, final String detail) {
    ex.respond(problem(ex, status, type, detail));
  }

  static void respondNotFound(final Exchange ex) {
    respondProblem(ex, HttpResponseStatus.NOT_FOUND, "no-stream", "no stream at this path");
  }

  private static void respondBusy(final Exchange ex) {
    ex.respond(unavailable(ex, "busy", "the node is busy; retry"));
  }

  private void respondTooManyMessages(final Exchange ex) {
    respondProblem(
        ex,
        HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
        "too-many-messages",
        "at most " + config.maxMessagesPerAppend() + " JSON messages per request");
  }
}
