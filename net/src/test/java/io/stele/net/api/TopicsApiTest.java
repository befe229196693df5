package io.stele.net.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The native topics API through a real server and engine on loopback. */
@Timeout(60)
class TopicsApiTest {
  @TempDir Path dir;
  ApiServer server;

  @BeforeEach
  void start() throws Exception {
    server = new ApiServer(dir);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private static void assertProblem(
      final HttpResponse<String> r, final int status, final String type) {
    assertEquals(status, r.statusCode(), r.body());
    assertEquals(
        "application/problem+json", r.headers().firstValue("content-type").orElse(""), r.body());
    assertTrue(r.body().contains("\"type\":\"https://stele.io/problems/" + type + "\""), r.body());
    assertTrue(r.body().contains("\"status\":" + status), r.body());
  }

  @Test
  void shouldCreateIdempotentlyAndConflictOnDifferentConfig() throws Exception {
    final HttpResponse<String> created =
        server.send("PUT", "/v1/topics/orders", "{\"partitions\":3}");
    assertEquals(201, created.statusCode(), created.body());
    assertEquals("/v1/topics/orders", created.headers().firstValue("location").orElse(""));
    assertTrue(created.body().contains("\"name\":\"orders\""), created.body());
    assertEquals(3, created.body().split("\"partition\":").length - 1, created.body());

    assertEquals(200, server.send("PUT", "/v1/topics/orders", "{\"partitions\":3}").statusCode());
    assertProblem(
        server.send("PUT", "/v1/topics/orders", "{\"partitions\":4}"), 409, "topic-exists");
    assertEquals(201, server.send("PUT", "/v1/topics/defaults", null).statusCode());

    final HttpResponse<String> list = server.send("GET", "/v1/topics", null);
    assertEquals(200, list.statusCode());
    assertTrue(list.body().contains("\"orders\"") && list.body().contains("\"defaults\""));

    final HttpResponse<String> describe = server.send("GET", "/v1/topics/orders", null);
    assertEquals(200, describe.statusCode());
    assertTrue(describe.body().contains("\"start_offset\":0,\"end_offset\":0"), describe.body());

    assertEquals(204, server.send("DELETE", "/v1/topics/orders", null).statusCode());
    assertProblem(server.send("GET", "/v1/topics/orders", null), 404, "unknown-topic");
    assertProblem(server.send("DELETE", "/v1/topics/orders", null), 404, "unknown-topic");
  }

  @Test
  void shouldRejectBadTopicNamesAndConfigsWith400() throws Exception {
    for (final String bad :
        new String[] {"..", ".", "a%20b", "%2e%2e", "x".repeat(250), "a*b", "caf%C3%A9"}) {
      assertProblem(server.send("PUT", "/v1/topics/" + bad, null), 400, "invalid-topic-name");
    }
    assertProblem(server.send("PUT", "/v1/topics/__internal", null), 400, "reserved-topic-name");
    assertProblem(
        server.send("PUT", "/v1/topics/t", "{\"partitions\":0}"), 400, "invalid-topic-config");
    assertProblem(server.send("PUT", "/v1/topics/t", "{\"partitions\":1.5}"), 400, "invalid-json");
    assertProblem(
        server.send("PUT", "/v1/topics/t", "{\"partitons\":2}"), 400, "invalid-topic-config");
    assertProblem(server.send("PUT", "/v1/topics/t", "{\"partitions\":"), 400, "invalid-json");
    assertProblem(
        server.send("PUT", "/v1/topics/t", "{\"retention_ms\":0}"), 400, "invalid-topic-config");
    assertProblem(
        server.send("PUT", "/v1/topics/t?durability=eventually", null), 400, "invalid-durability");
    assertProblem(server.send("POST", "/v1/topics/t", null), 405, "method-not-allowed");
    assertProblem(server.send("GET", "/v1/topics/t/nothing", null), 404, "not-found");
    // Nothing above created a topic.
    assertEquals("{\"topics\":[]}\n", server.send("GET", "/v1/topics", null).body());
    assertEquals(0, dir.toFile().list((d, n) -> n.contains("..") || n.contains(" ")).length);
  }

  @Test
  void shouldProduceAndConsumeRecordsAtTheirOffsets() throws Exception {
    server.send("PUT", "/v1/topics/t", null);
    final HttpResponse<String> one =
        server.send("POST", "/v1/topics/t/records?durability=local", "hello");
    assertEquals(200, one.statusCode(), one.body());
    assertEquals(
        "{\"topic\":\"t\",\"partition\":0,\"offset\":0,\"count\":1,\"durability\":\"local\"}\n",
        one.body());
    assertTrue(one.headers().firstValue("server-timing").orElse("").startsWith("append;dur="));

    final HttpResponse<String> batch =
        server.send(
            "POST", "/v1/topics/t/records", "{\"a\":1}\n\"two\"\r\nthree\n", TopicsHandler.NDJSON);
    assertEquals(200, batch.statusCode(), batch.body());
    assertTrue(batch.body().contains("\"offset\":1,\"count\":3"), batch.body());
    assertTrue(batch.body().contains("\"durability\":\"quorum\""), batch.body());

    final HttpResponse<String> mem =
        server.send("POST", "/v1/topics/t/records?durability=memory&key=k1", "four");
    assertTrue(
        mem.body().contains("\"offset\":4") && mem.body().contains("\"memory\""), mem.body());

    // A memory-durability record is acknowledged before its flush; readers see it once flushed.
    final HttpResponse<String> flushed =
        server.send("GET", "/v1/topics/t/partitions/0/records?offset=4&wait_ms=10000", null);
    assertTrue(flushed.body().contains("\"value\":\"four\""), flushed.body());
    final HttpResponse<String> read =
        server.send("GET", "/v1/topics/t/partitions/0/records?offset=0", null);
    assertEquals(200, read.statusCode(), read.body());
    assertEquals(TopicsHandler.NDJSON, read.headers().firstValue("content-type").orElse(""));
    final String[] lines = read.body().split("\n");
    assertEquals(5, lines.length, read.body());
    assertTrue(
        lines[0].matches("\\{\"offset\":0,\"timestamp\":\\d+,\"key\":null,\"value\":\"hello\"}"),
        lines[0]);
    assertTrue(lines[1].endsWith("\"value\":\"{\\\"a\\\":1}\"}"), lines[1]);
    assertTrue(lines[2].endsWith("\"value\":\"\\\"two\\\"\"}"), lines[2]);
    assertTrue(lines[3].endsWith("\"value\":\"three\"}"), lines[3]);
    assertTrue(lines[4].contains("\"key\":\"k1\",\"value\":\"four\""), lines[4]);
    assertEquals("5", read.headers().firstValue("stele-next-offset").orElse(""));
    assertEquals("0", read.headers().firstValue("stele-start-offset").orElse(""));
    assertEquals("5", read.headers().firstValue("stele-end-offset").orElse(""));

    final HttpResponse<String> page =
        server.send("GET", "/v1/topics/t/partitions/0/records?offset=2&limit=2", null);
    assertEquals(2, page.body().split("\n").length, page.body());
    assertEquals("4", page.headers().firstValue("stele-next-offset").orElse(""));
  }

  @Test
  void shouldKeepNonUtf8ValuesIntactAsBase64() throws Exception {
    server.send("PUT", "/v1/topics/bin", null);
    final byte[] value = {(byte) 0xff, 0, (byte) 0xc3, 0x28, 'x', '\n'};
    assertEquals(200, server.sendBytes("POST", "/v1/topics/bin/records", value).statusCode());
    final String body = server.send("GET", "/v1/topics/bin/partitions/0/records", null).body();
    final String b64 = body.replaceAll("(?s).*\"value_b64\":\"([^\"]+)\".*", "$1");
    assertTrue(java.util.Arrays.equals(value, Base64.getDecoder().decode(b64)), body);
  }

  @Test
  void shouldRouteAKeyToTheSamePartitionEveryTime() throws Exception {
    server.send("PUT", "/v1/topics/keyed", "{\"partitions\":8}");
    final int expected = Math.floorMod(Partitioner.hash("customer-42"), 8);
    for (int i = 0; i < 5; i++) {
      final String body =
          server.send("POST", "/v1/topics/keyed/records?key=customer-42", "v" + i).body();
      assertTrue(body.contains("\"partition\":" + expected + ","), body);
    }
    // Known murmur3_32 vectors (seed 0) pin the hash: changing it would move keys.
    assertEquals(0x248bfa47, Partitioner.hash("hello"));
    assertEquals(0, Partitioner.hash(""));
  }

  @Test
  void shouldRejectBadProduceAndConsumeRequestsPrecisely() throws Exception {
    server.send("PUT", "/v1/topics/t", "{\"partitions\":2}");
    assertProblem(server.send("POST", "/v1/topics/nope/records", "x"), 404, "unknown-topic");
    assertProblem(
        server.send("POST", "/v1/topics/t/records?partition=2", "x"), 404, "unknown-partition");
    assertProblem(
        server.send("POST", "/v1/topics/t/records?partition=-1", "x"), 400, "invalid-partition");
    assertProblem(server.send("POST", "/v1/topics/t/records", ""), 400, "empty-body");
    assertProblem(
        server.send("POST", "/v1/topics/t/records", "a\n\nb\n", TopicsHandler.NDJSON),
        400,
        "empty-record");
    assertProblem(
        server.send("GET", "/v1/topics/t/partitions/0/records?offset=abc", null),
        400,
        "invalid-offset");
    assertProblem(
        server.send("GET", "/v1/topics/t/partitions/0/records?limit=0", null),
        400,
        "invalid-parameter");
    assertProblem(
        server.send("GET", "/v1/topics/t/partitions/0/records?wait_ms=999999999", null),
        400,
        "invalid-parameter");
    assertProblem(
        server.send("GET", "/v1/topics/t/partitions/9/records", null), 404, "unknown-partition");
    assertProblem(
        server.send("GET", "/v1/topics/t/partitions/x/records", null), 400, "invalid-partition");
    assertProblem(
        server.send("GET", "/v1/topics/t/partitions/0/records?offset=99", null),
        416,
        "offset-out-of-range");
    assertProblem(server.send("PUT", "/v1/topics/t/records", "x"), 405, "method-not-allowed");
    // Nothing was appended by any of them.
    assertTrue(
        server
            .send("GET", "/v1/topics/t", null)
            .body()
            .contains(
                "\"end_offset\":0,\"leader\":\"self\"},{\"partition\":1,\"start_offset\":0,\"end_offset\":0"));
  }

  @Test
  void shouldAnswerALongPollWhenARecordArrives() throws Exception {
    server.send("PUT", "/v1/topics/lp", null);
    final long t0 = System.nanoTime();
    final CompletableFuture<HttpResponse<String>> poll =
        server.client.sendAsync(
            HttpRequest.newBuilder(
                    server.uri("/v1/topics/lp/partitions/0/records?offset=0&wait_ms=20000"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    Thread.sleep(200);
    assertFalse(poll.isDone(), "long-poll returned before any record existed");
    server.send("POST", "/v1/topics/lp/records", "wake");
    final HttpResponse<String> r = poll.get(10, TimeUnit.SECONDS);
    assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) < 10_000);
    assertEquals(200, r.statusCode());
    assertTrue(r.body().contains("\"value\":\"wake\""), r.body());

    final long t1 = System.nanoTime();
    final HttpResponse<String> empty =
        server.send("GET", "/v1/topics/lp/partitions/0/records?offset=1&wait_ms=300", null);
    final long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t1);
    assertEquals(200, empty.statusCode());
    assertEquals("", empty.body());
    assertEquals("1", empty.headers().firstValue("stele-next-offset").orElse(""));
    assertTrue(waitedMs >= 250, "returned after " + waitedMs + " ms");
  }

  @Test
  void shouldTailWithSseAndResumeFromLastEventId() throws Exception {
    server.send("PUT", "/v1/topics/sse", null);
    server.send("POST", "/v1/topics/sse/records", "a\nb\n", TopicsHandler.NDJSON);
    final HttpResponse<java.io.InputStream> stream =
        server.client.send(
            HttpRequest.newBuilder(server.uri("/v1/topics/sse/partitions/0/records"))
                .header("Accept", "text/event-stream")
                .timeout(Duration.ofSeconds(30))
                .build(),
            HttpResponse.BodyHandlers.ofInputStream());
    assertEquals(200, stream.statusCode());
    assertEquals("text/event-stream", stream.headers().firstValue("content-type").orElse(""));
    final java.io.BufferedReader reader =
        new java.io.BufferedReader(
            new java.io.InputStreamReader(stream.body(), StandardCharsets.UTF_8));
    assertEquals("id: 0", reader.readLine());
    assertTrue(reader.readLine().contains("\"value\":\"a\""));
    assertEquals("", reader.readLine());
    assertEquals("id: 1", reader.readLine());
    reader.readLine();
    reader.readLine();
    server.send("POST", "/v1/topics/sse/records", "live");
    assertEquals("id: 2", reader.readLine());
    assertTrue(reader.readLine().contains("\"value\":\"live\""));
    stream.body().close();

    final HttpResponse<java.io.InputStream> resumed =
        server.client.send(
            HttpRequest.newBuilder(server.uri("/v1/topics/sse/partitions/0/records"))
                .header("Accept", "text/event-stream")
                .header("Last-Event-ID", "1")
                .build(),
            HttpResponse.BodyHandlers.ofInputStream());
    final java.io.BufferedReader r2 =
        new java.io.BufferedReader(
            new java.io.InputStreamReader(resumed.body(), StandardCharsets.UTF_8));
    assertEquals("id: 2", r2.readLine());
    resumed.body().close();
  }

  @Test
  void shouldCommitAndReadConsumerGroupOffsets() throws Exception {
    server.send("PUT", "/v1/topics/g", "{\"partitions\":2}");
    final HttpResponse<String> c =
        server.send("PUT", "/v1/groups/readers/offsets/g/1", "{\"offset\":42}");
    assertEquals(200, c.statusCode(), c.body());
    server.send("PUT", "/v1/groups/readers/offsets/g/0", "{\"offset\":7}");
    server.send("PUT", "/v1/groups/readers/offsets/g/0", "{\"offset\":9}");
    final HttpResponse<String> r = server.send("GET", "/v1/groups/readers/offsets/g", null);
    assertEquals(
        "{\"group\":\"readers\",\"topic\":\"g\",\"offsets\":{\"0\":9,\"1\":42}}\n", r.body());
    assertEquals(
        "{\"group\":\"other\",\"topic\":\"g\",\"offsets\":{}}\n",
        server.send("GET", "/v1/groups/other/offsets/g", null).body());
    assertProblem(
        server.send("PUT", "/v1/groups/readers/offsets/g/0", "{\"offset\":-1}"),
        400,
        "invalid-offset-commit");
    assertProblem(server.send("PUT", "/v1/groups/readers/offsets/g/0", "42"), 400, "invalid-json");
    assertProblem(
        server.send("PUT", "/v1/groups/readers/offsets/nope/0", "{\"offset\":1}"),
        404,
        "unknown-topic");
    assertProblem(
        server.send("GET", "/v1/groups/readers/offsets/nope", null), 404, "unknown-topic");
    assertProblem(
        server.send("GET", "/v1/groups/bad*name/offsets/g", null), 400, "invalid-group-name");
  }
}
