package io.stele.net.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stele.engine.Durability;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Durable Streams surface through a real server on loopback with a real engine on a temporary
 * directory: every status the handler returns, including errors.
 */
class StreamsHandlerTest {
  private static final StreamsConfig CONFIG =
      new StreamsConfig(300, 2_000, 1 << 20, 100, Durability.LOCAL, 100, 500);

  @TempDir Path dir;

  private StreamsLauncher server;
  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  @BeforeEach
  void start() throws Exception {
    server = new StreamsLauncher(StreamsLauncher.openEngine(dir), 0, CONFIG);
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private URI uri(final String pathAndQuery) {
    return URI.create("http://127.0.0.1:" + server.port() + pathAndQuery);
  }

  private HttpResponse<String> send(
      final String method, final String path, final String body, final String... headers)
      throws Exception {
    final HttpRequest.Builder b =
        HttpRequest.newBuilder(uri(path))
            .timeout(Duration.ofSeconds(10))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String header(final HttpResponse<?> r, final String name) {
    return r.headers().firstValue(name).orElse(null);
  }

  private static void assertProblem(final HttpResponse<String> r, final int status) {
    assertEquals(status, r.statusCode(), r.body());
    assertEquals("application/problem+json", header(r, "content-type"));
    assertTrue(r.body().contains("\"status\":" + status), r.body());
    assertEquals("nosniff", header(r, "x-content-type-options"));
  }

  /** A HEAD answer carries no body, so only the status and headers of the problem are seen. */
  private void assertHeadNotFound(final String path) throws Exception {
    final HttpResponse<String> r = send("HEAD", path, null);
    assertEquals(404, r.statusCode());
    assertEquals("application/problem+json", header(r, "content-type"));
    assertEquals("nosniff", header(r, "x-content-type-options"));
  }

  @Test
  void shouldCreateIdempotentlyAndRefuseADifferentConfig() throws Exception {
    final HttpResponse<String> created =
        send("PUT", "/v1/stream/a/b", "hello", "Content-Type", "text/plain");
    assertEquals(201, created.statusCode());
    assertEquals("text/plain", header(created, "content-type"));
    assertEquals(StreamOffsets.format(1), header(created, "stream-next-offset"));
    assertTrue(header(created, "location").endsWith("/v1/stream/a/b"));
    assertEquals("nosniff", header(created, "x-content-type-options"));

    assertEquals(
        200, send("PUT", "/v1/stream/a/b", null, "Content-Type", "TEXT/PLAIN").statusCode());
    assertProblem(send("PUT", "/v1/stream/a/b", null, "Content-Type", "application/json"), 409);
    assertProblem(
        send("PUT", "/v1/stream/a/b", null, "Content-Type", "text/plain", "Stream-TTL", "60"), 409);
  }

  @Test
  void shouldRefuseBadCreateHeaders() throws Exception {
    assertProblem(send("PUT", "/v1/stream/t1", null, "Stream-TTL", "01"), 400);
    assertProblem(send("PUT", "/v1/stream/t2", null, "Stream-TTL", "-1"), 400);
    assertProblem(send("PUT", "/v1/stream/t3", null, "Stream-Expires-At", "tomorrow"), 400);
    assertProblem(
        send(
            "PUT",
            "/v1/stream/t4",
            null,
            "Stream-TTL",
            "60",
            "Stream-Expires-At",
            "2099-01-01T00:00:00Z"),
        400);
    assertProblem(send("PUT", "/v1/stream/j", "{bad", "Content-Type", "application/json"), 400);
    assertProblem(send("PUT", "/v1/stream/" + "x".repeat(300), null), 400);
    assertProblem(send("PUT", "/v1/stream/", null), 404);
  }

  @Test
  void shouldAppendAndReadBackWithOffsets() throws Exception {
    send("PUT", "/v1/stream/s", null, "Content-Type", "text/plain");
    final HttpResponse<String> first =
        send("POST", "/v1/stream/s", "one", "Content-Type", "text/plain");
    assertEquals(204, first.statusCode());
    final String afterOne = header(first, "stream-next-offset");
    assertEquals(
        204, send("POST", "/v1/stream/s", "two", "Content-Type", "text/plain").statusCode());

    final HttpResponse<String> all = send("GET", "/v1/stream/s", null);
    assertEquals(200, all.statusCode());
    assertEquals("onetwo", all.body());
    assertEquals("true", header(all, "stream-up-to-date"));
    assertEquals(StreamOffsets.format(2), header(all, "stream-next-offset"));

    final HttpResponse<String> rest = send("GET", "/v1/stream/s?offset=" + afterOne, null);
    assertEquals("two", rest.body());

    final HttpResponse<String> notModified =
        send("GET", "/v1/stream/s", null, "If-None-Match", header(all, "etag"));
    assertEquals(304, notModified.statusCode());
    assertEquals("", notModified.body());

    final HttpResponse<String> now = send("GET", "/v1/stream/s?offset=now", null);
    assertEquals(200, now.statusCode());
    assertEquals("", now.body());
    assertEquals("no-store", header(now, "cache-control"));
  }

  @Test
  void shouldRefuseBadAppends() throws Exception {
    send("PUT", "/v1/stream/s", null, "Content-Type", "text/plain");
    assertProblem(send("POST", "/v1/stream/missing", "x", "Content-Type", "text/plain"), 404);
    assertProblem(send("POST", "/v1/stream/s", "x", "Content-Type", "application/json"), 409);
    assertProblem(send("POST", "/v1/stream/s", "x"), 400);
    assertProblem(send("POST", "/v1/stream/s", "", "Content-Type", "text/plain"), 400);
    assertProblem(
        send("POST", "/v1/stream/s", "x", "Content-Type", "text/plain", "Producer-Id", "p"), 400);
    assertProblem(
        send(
            "POST",
            "/v1/stream/s",
            "x",
            "Content-Type",
            "text/plain",
            "Producer-Id",
            "p",
            "Producer-Epoch",
            "01",
            "Producer-Seq",
            "0"),
        400);
  }

  @Test
  void shouldEnforceStreamSeqOrdering() throws Exception {
    send("PUT", "/v1/stream/s", null, "Content-Type", "text/plain");
    assertEquals(
        204,
        send("POST", "/v1/stream/s", "a", "Content-Type", "text/plain", "Stream-Seq", "2")
            .statusCode());
    assertProblem(
        send("POST", "/v1/stream/s", "b", "Content-Type", "text/plain", "Stream-Seq", "10"), 409);
  }

  private HttpResponse<String> produce(
      final String path, final String body, final long epoch, final long seq) throws Exception {
    return send(
        "POST",
        path,
        body,
        "Content-Type",
        "text/plain",
        "Producer-Id",
        "p1",
        "Producer-Epoch",
        Long.toString(epoch),
        "Producer-Seq",
        Long.toString(seq));
  }

  @Test
  void shouldFenceIdempotentProducers() throws Exception {
    send("PUT", "/v1/stream/p", null, "Content-Type", "text/plain");
    final HttpResponse<String> ok = produce("/v1/stream/p", "a", 0, 0);
    assertEquals(200, ok.statusCode());
    assertEquals("0", header(ok, "producer-epoch"));
    assertEquals("0", header(ok, "producer-seq"));
    assertEquals(200, produce("/v1/stream/p", "b", 0, 1).statusCode());

    final HttpResponse<String> dup = produce("/v1/stream/p", "a", 0, 0);
    assertEquals(204, dup.statusCode());
    assertEquals("1", header(dup, "producer-seq"));

    final HttpResponse<String> gap = produce("/v1/stream/p", "c", 0, 5);
    assertProblem(gap, 409);
    assertEquals("2", header(gap, "producer-expected-seq"));
    assertEquals("5", header(gap, "producer-received-seq"));

    assertProblem(produce("/v1/stream/p", "d", 1, 3), 400);
    assertEquals(200, produce("/v1/stream/p", "e", 1, 0).statusCode());
    final HttpResponse<String> zombie = produce("/v1/stream/p", "f", 0, 2);
    assertProblem(zombie, 403);
    assertEquals("1", header(zombie, "producer-epoch"));

    assertEquals("abe", send("GET", "/v1/stream/p", null).body());
  }

  @Test
  void shouldCloseAtomicallyAndRefuseLaterAppends() throws Exception {
    send("PUT", "/v1/stream/c", "start", "Content-Type", "text/plain");
    final HttpResponse<String> close =
        send("POST", "/v1/stream/c", "end", "Content-Type", "text/plain", "Stream-Closed", "true");
    assertEquals(204, close.statusCode());
    assertEquals("true", header(close, "stream-closed"));
    final String tail = header(close, "stream-next-offset");

    final HttpResponse<String> refused =
        send("POST", "/v1/stream/c", "more", "Content-Type", "text/plain");
    assertProblem(refused, 409);
    assertEquals("true", header(refused, "stream-closed"));
    assertEquals(tail, header(refused, "stream-next-offset"));

    assertEquals(204, send("POST", "/v1/stream/c", null, "Stream-Closed", "true").statusCode());

    final HttpResponse<String> read = send("GET", "/v1/stream/c", null);
    assertEquals("startend", read.body());
    assertEquals("true", header(read, "stream-closed"));

    final HttpResponse<String> poll =
        send("GET", "/v1/stream/c?offset=" + tail + "&live=long-poll", null);
    assertEquals(204, poll.statusCode());
    assertEquals("true", header(poll, "stream-closed"));

    final HttpResponse<String> head = send("HEAD", "/v1/stream/c", null);
    assertEquals(200, head.statusCode());
    assertEquals("true", header(head, "stream-closed"));
  }

  @Test
  void shouldKeepDataAndClosureAcrossARestart() throws Exception {
    send("PUT", "/v1/stream/r", "[1,2]", "Content-Type", "application/json", "Stream-TTL", "3600");
    send("POST", "/v1/stream/r", null, "Stream-Closed", "true");
    server.close();
    server = new StreamsLauncher(StreamsLauncher.openEngine(dir), 0, CONFIG);

    final HttpResponse<String> read = send("GET", "/v1/stream/r", null);
    assertEquals(200, read.statusCode());
    assertEquals("[1,2]", read.body());
    assertEquals("true", header(read, "stream-closed"));
    assertEquals("3600", header(send("HEAD", "/v1/stream/r", null), "stream-ttl"));
    assertProblem(send("POST", "/v1/stream/r", "3", "Content-Type", "application/json"), 409);
  }

  @Test
  void shouldFlattenJsonArraysAndRefuseBadJson() throws Exception {
    send("PUT", "/v1/stream/j", null, "Content-Type", "application/json");
    assertEquals(
        204,
        send("POST", "/v1/stream/j", "[{\"a\":1},[2]]", "Content-Type", "application/json")
            .statusCode());
    assertEquals(
        204,
        send("POST", "/v1/stream/j", "\"s\"", "Content-Type", "application/json").statusCode());
    assertEquals("[{\"a\":1},[2],\"s\"]", send("GET", "/v1/stream/j", null).body());
    assertProblem(send("POST", "/v1/stream/j", "[]", "Content-Type", "application/json"), 400);
    assertProblem(send("POST", "/v1/stream/j", "[1,]", "Content-Type", "application/json"), 400);
    assertProblem(send("POST", "/v1/stream/j", "01", "Content-Type", "application/json"), 400);
    final String tooMany = "[" + "1,".repeat(CONFIG.maxMessagesPerAppend()) + "1]";
    assertProblem(send("POST", "/v1/stream/j", tooMany, "Content-Type", "application/json"), 413);
    assertEquals("[]", send("GET", "/v1/stream/j?offset=now", null).body());
  }

  @Test
  void shouldValidateReadParameters() throws Exception {
    send("PUT", "/v1/stream/s", "x", "Content-Type", "text/plain");
    assertProblem(send("GET", "/v1/stream/missing", null), 404);
    assertProblem(send("GET", "/v1/stream/s?offset=", null), 400);
    assertProblem(send("GET", "/v1/stream/s?offset=0,1", null), 400);
    assertProblem(send("GET", "/v1/stream/s?offset=-1&offset=now", null), 400);
    assertProblem(send("GET", "/v1/stream/s?live=long-poll", null), 400);
    assertProblem(send("GET", "/v1/stream/s?offset=-1&live=forever", null), 400);
    assertProblem(send("GET", "/v1/stream/s?offset=" + StreamOffsets.format(9), null), 400);
  }

  @Test
  void shouldLongPollUntilDataOrTimeout() throws Exception {
    final HttpResponse<String> created =
        send("PUT", "/v1/stream/lp", null, "Content-Type", "text/plain");
    final String tail = header(created, "stream-next-offset");
    final HttpResponse<String> timeout =
        send("GET", "/v1/stream/lp?offset=" + tail + "&live=long-poll", null);
    assertEquals(204, timeout.statusCode());
    assertEquals("true", header(timeout, "stream-up-to-date"));
    assertEquals(tail, header(timeout, "stream-next-offset"));
    assertTrue(header(timeout, "stream-cursor").matches("\\d+"));

    final CompletableFuture<HttpResponse<String>> waiting =
        client.sendAsync(
            HttpRequest.newBuilder(uri("/v1/stream/lp?offset=now&live=long-poll")).build(),
            HttpResponse.BodyHandlers.ofString());
    Thread.sleep(50);
    send("POST", "/v1/stream/lp", "new", "Content-Type", "text/plain");
    final HttpResponse<String> woken = waiting.get();
    if (woken.statusCode() == 200) {
      assertEquals("new", woken.body());
    } else {
      assertEquals(204, woken.statusCode()); // the append landed after the 300 ms deadline
    }
  }

  @Test
  void shouldStreamSseWithControlEvents() throws Exception {
    send("PUT", "/v1/stream/sse", "line1\nline2", "Content-Type", "text/plain");
    send("POST", "/v1/stream/sse", null, "Stream-Closed", "true");
    final HttpResponse<InputStream> r =
        client.send(
            HttpRequest.newBuilder(uri("/v1/stream/sse?offset=-1&live=sse")).build(),
            HttpResponse.BodyHandlers.ofInputStream());
    assertEquals(200, r.statusCode());
    assertEquals("text/event-stream", header(r, "content-type"));
    final String text;
    try (InputStream in = r.body()) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertTrue(text.contains("event: data\ndata:line1\ndata:line2\n\n"), text);
    assertTrue(text.contains("\"streamClosed\":true"), text);
    assertFalse(text.contains("streamCursor"), text);
  }

  @Test
  void shouldBase64BinarySse() throws Exception {
    final HttpRequest put =
        HttpRequest.newBuilder(uri("/v1/stream/bin"))
            .header("Content-Type", "application/octet-stream")
            .PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[] {0, 10, 13, (byte) 0xFF}))
            .build();
    assertEquals(201, client.send(put, HttpResponse.BodyHandlers.discarding()).statusCode());
    send("POST", "/v1/stream/bin", null, "Stream-Closed", "true");
    final HttpResponse<String> r = send("GET", "/v1/stream/bin?offset=-1&live=sse", null);
    assertEquals("base64", header(r, "stream-sse-data-encoding"));
    assertTrue(r.body().contains("data:AAoN/w==\n"), r.body());
  }

  @Test
  void shouldDeleteAndRecreateIsolated() throws Exception {
    send("PUT", "/v1/stream/d", "old", "Content-Type", "text/plain");
    final HttpResponse<String> etag = send("GET", "/v1/stream/d", null);
    assertEquals(204, send("DELETE", "/v1/stream/d", null).statusCode());
    assertProblem(send("DELETE", "/v1/stream/d", null), 404);
    assertHeadNotFound("/v1/stream/d");
    assertEquals(
        201, send("PUT", "/v1/stream/d", "new", "Content-Type", "text/plain").statusCode());
    final HttpResponse<String> again = send("GET", "/v1/stream/d", null);
    assertEquals("new", again.body());
    assertNotEquals(header(etag, "etag"), header(again, "etag"));
  }

  @Test
  void shouldExpireStreamsByTtl() throws Exception {
    assertEquals(
        201,
        send("PUT", "/v1/stream/ttl", null, "Content-Type", "text/plain", "Stream-TTL", "1")
            .statusCode());
    assertEquals(200, send("HEAD", "/v1/stream/ttl", null).statusCode());
    Thread.sleep(1_000 + StreamState.TTL_GRACE_MS + 200);
    assertHeadNotFound("/v1/stream/ttl");
    assertEquals(
        201, send("PUT", "/v1/stream/ttl", null, "Content-Type", "text/plain").statusCode());
  }

  @Test
  void shouldAnswerPreflightAndRefuseOtherMethods() throws Exception {
    final HttpResponse<String> pre =
        send(
            "OPTIONS",
            "/v1/stream/x",
            null,
            "Origin",
            "https://example.com",
            "Access-Control-Request-Method",
            "GET",
            "Access-Control-Request-Headers",
            "if-none-match");
    assertEquals(204, pre.statusCode());
    assertEquals("*", header(pre, "access-control-allow-origin"));
    assertTrue(header(pre, "access-control-allow-headers").toLowerCase().contains("if-none-match"));
    final HttpResponse<String> patch = send("PATCH", "/v1/stream/x", "x");
    assertProblem(patch, 405);
    assertNull(header(patch, "stream-next-offset"));
  }

  @Test
  void shouldForkInheritingThePrefixOnly() throws Exception {
    send("PUT", "/v1/stream/src", "A", "Content-Type", "text/plain");
    final HttpResponse<String> b =
        send("POST", "/v1/stream/src", "B", "Content-Type", "text/plain");
    final HttpResponse<String> fork =
        send("PUT", "/v1/stream/fork", null, "Stream-Forked-From", "/v1/stream/src");
    assertEquals(201, fork.statusCode());
    assertEquals("text/plain", header(fork, "content-type"));
    assertEquals(header(b, "stream-next-offset"), header(fork, "stream-next-offset"));
    assertEquals(
        200,
        send("PUT", "/v1/stream/fork", null, "Stream-Forked-From", "/v1/stream/src").statusCode());
    send("POST", "/v1/stream/src", "x", "Content-Type", "text/plain");
    assertEquals(
        204, send("POST", "/v1/stream/fork", "C", "Content-Type", "text/plain").statusCode());
    assertEquals("ABC", send("GET", "/v1/stream/fork?offset=-1", null).body());
    assertEquals(
        "C", send("GET", "/v1/stream/fork?offset=" + header(b, "stream-next-offset"), null).body());
    assertEquals("ABx", send("GET", "/v1/stream/src", null).body());

    final HttpResponse<String> sub =
        send(
            "PUT",
            "/v1/stream/sub",
            null,
            "Stream-Forked-From",
            "/v1/stream/src",
            "Stream-Fork-Offset",
            StreamOffsets.format(0),
            "Stream-Fork-Sub-Offset",
            "1");
    assertEquals(201, sub.statusCode());
    assertEquals("A", send("GET", "/v1/stream/sub", null).body());
  }

  @Test
  void shouldRefuseBadForks() throws Exception {
    send("PUT", "/v1/stream/src", "hi", "Content-Type", "text/plain");
    assertProblem(send("PUT", "/v1/stream/f1", null, "Stream-Forked-From", "/v1/stream/none"), 404);
    assertProblem(
        send(
            "PUT",
            "/v1/stream/f2",
            null,
            "Stream-Forked-From",
            "/v1/stream/src",
            "Stream-Fork-Offset",
            StreamOffsets.format(5)),
        400);
    assertProblem(
        send(
            "PUT",
            "/v1/stream/f3",
            null,
            "Content-Type",
            "application/json",
            "Stream-Forked-From",
            "/v1/stream/src"),
        409);
    assertProblem(
        send(
            "PUT",
            "/v1/stream/f4",
            null,
            "Stream-Forked-From",
            "/v1/stream/src",
            "Stream-Fork-Offset",
            StreamOffsets.format(0),
            "Stream-Fork-Sub-Offset",
            "3"),
        400);
    assertProblem(send("PUT", "/v1/stream/f5", null, "Stream-Fork-Sub-Offset", "0"), 400);
  }

  @Test
  void shouldSoftDeleteASourceUntilItsLastForkIsGone() throws Exception {
    send("PUT", "/v1/stream/src", "kept", "Content-Type", "text/plain");
    send("PUT", "/v1/stream/fork", null, "Stream-Forked-From", "/v1/stream/src");
    assertEquals(204, send("DELETE", "/v1/stream/src", null).statusCode());
    assertProblem(send("GET", "/v1/stream/src", null), 410);
    assertProblem(send("POST", "/v1/stream/src", "x", "Content-Type", "text/plain"), 410);
    assertProblem(send("DELETE", "/v1/stream/src", null), 410);
    assertProblem(send("PUT", "/v1/stream/src", null, "Content-Type", "text/plain"), 409);
    assertProblem(send("PUT", "/v1/stream/f2", null, "Stream-Forked-From", "/v1/stream/src"), 409);
    assertEquals("kept", send("GET", "/v1/stream/fork", null).body());

    assertEquals(204, send("DELETE", "/v1/stream/fork", null).statusCode());
    final long deadline = System.currentTimeMillis() + 5_000;
    int status;
    do {
      status = send("HEAD", "/v1/stream/src", null).statusCode();
    } while (status != 404 && System.currentTimeMillis() < deadline);
    assertEquals(404, status);
  }

  @Test
  void shouldKeepIdleSseAliveWithComments() throws Exception {
    send("PUT", "/v1/stream/idle", null, "Content-Type", "text/plain");
    final HttpResponse<String> r = send("GET", "/v1/stream/idle?offset=now&live=sse", null);
    assertEquals(200, r.statusCode());
    assertTrue(r.body().contains("\"upToDate\":true"), r.body());
    assertTrue(r.body().contains(":\n\n"), r.body());
  }

  @Test
  void shouldNeverAcceptAnAppendAfterAConcurrentClose() throws Exception {
    send("PUT", "/v1/stream/race", null, "Content-Type", "text/plain");
    final List<CompletableFuture<HttpResponse<String>>> appends = new ArrayList<>();
    CompletableFuture<HttpResponse<String>> close = null;
    for (int i = 0; i < 60; i++) {
      if (i == 30) {
        close =
            client.sendAsync(
                HttpRequest.newBuilder(uri("/v1/stream/race"))
                    .header("Stream-Closed", "true")
                    .POST(HttpRequest.BodyPublishers.noBody())
                    .build(),
                HttpResponse.BodyHandlers.ofString());
      }
      appends.add(
          client.sendAsync(
              HttpRequest.newBuilder(uri("/v1/stream/race"))
                  .header("Content-Type", "text/plain")
                  .POST(HttpRequest.BodyPublishers.ofString("<" + i + ">"))
                  .build(),
              HttpResponse.BodyHandlers.ofString()));
    }
    assertEquals(204, close.get().statusCode());
    final String body = send("GET", "/v1/stream/race", null).body();
    int accepted = 0;
    for (int i = 0; i < appends.size(); i++) {
      final HttpResponse<String> r = appends.get(i).get();
      if (r.statusCode() == 204) {
        accepted++;
        assertTrue(body.contains("<" + i + ">"), "acknowledged append " + i + " is in the log");
      } else {
        assertEquals(409, r.statusCode(), r.body());
        assertEquals("true", header(r, "stream-closed"));
        assertFalse(body.contains("<" + i + ">"), "refused append " + i + " is not in the log");
      }
    }
    assertEquals(accepted, body.chars().filter(c -> c == '<').count());
  }

  @Test
  void shouldCreateNothingWhenTheInitialBodyIsRefused() throws Exception {
    final HttpRequest put =
        HttpRequest.newBuilder(uri("/v1/stream/big"))
            .header("Content-Type", "application/octet-stream")
            .PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[2 << 20]))
            .build();
    final HttpResponse<String> r = client.send(put, HttpResponse.BodyHandlers.ofString());
    assertProblem(r, 413);
    assertHeadNotFound("/v1/stream/big");
  }
}
