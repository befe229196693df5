package io.stele.net.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile and malformed HTTP on raw sockets: each gets a precise 4xx (or a close), the server stays
 * up, a well-behaved client keeps being served, and nothing bad is appended.
 */
@Timeout(60)
class HardeningTest {
  @TempDir Path dir;
  ApiServer server;

  @BeforeEach
  void start() throws Exception {
    server = new ApiServer(dir, ApiServer.config(64 * 1024, 1_000), ApiConfig.defaults());
    assertEquals(201, server.send("PUT", "/v1/topics/t", null).statusCode());
  }

  @AfterEach
  void stop() {
    server.close();
  }

  /** Writes raw bytes, reads until the server closes or 5 s pass, returns what arrived. */
  private String raw(final String request) throws IOException {
    try (Socket s = new Socket("127.0.0.1", server.port)) {
      s.setSoTimeout(5_000);
      final OutputStream out = s.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      return readAll(s.getInputStream());
    }
  }

  private static String readAll(final InputStream in) throws IOException {
    final ByteArrayOutputStream buf = new ByteArrayOutputStream();
    final byte[] chunk = new byte[8192];
    try {
      int n;
      while ((n = in.read(chunk)) > 0) {
        buf.write(chunk, 0, n);
      }
    } catch (final SocketTimeoutException e) {
      // Return what we have: the caller asserts on it.
    }
    return buf.toString(StandardCharsets.ISO_8859_1);
  }

  private static void assertStatus(final String response, final int status, final String type) {
    assertTrue(response.startsWith("HTTP/1.1 " + status + " "), response);
    assertTrue(response.contains("application/problem+json"), response);
    assertTrue(response.contains("https://stele.io/problems/" + type), response);
  }

  private long endOffset() throws Exception {
    final String body = server.send("GET", "/v1/topics/t", null).body();
    return Long.parseLong(body.replaceAll("(?s).*\"end_offset\":(\\d+).*", "$1"));
  }

  @Test
  void shouldRejectContentLengthWithTransferEncodingAndClose() throws Exception {
    final String r =
        raw(
            "POST /v1/topics/t/records HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
                + "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    assertStatus(r, 400, "malformed-request");
    assertTrue(r.contains("connection: close"), r);
    assertEquals(1, r.split("HTTP/1.1 ").length - 1, "smuggled request was answered: " + r);
    assertEquals(0, endOffset());
  }

  @Test
  void shouldRejectDuplicateAndNegativeContentLength() throws Exception {
    assertStatus(
        raw(
            "POST /v1/topics/t/records HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
                + "Content-Length: 4\r\n\r\nabcd"),
        400,
        "malformed-request");
    assertStatus(
        raw("POST /v1/topics/t/records HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n"),
        400,
        "malformed-request");
    assertStatus(raw("GARBAGE\r\n\r\n"), 400, "malformed-request");
    assertEquals(0, endOffset());
  }

  @Test
  void shouldAnswerOversizeHeadersUriAndBody() throws Exception {
    assertStatus(
        raw("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(10_000) + "\r\n\r\n"),
        431,
        "headers-too-large");
    assertStatus(
        raw("GET /" + "a".repeat(5_000) + " HTTP/1.1\r\nHost: x\r\n\r\n"), 414, "uri-too-long");
    final String big = "b".repeat(70_000);
    assertStatus(
        raw(
            "POST /v1/topics/t/records HTTP/1.1\r\nHost: x\r\nContent-Length: "
                + big.length()
                + "\r\n\r\n"
                + big),
        413,
        "body-too-large");
    assertEquals(0, endOffset());
  }

  @Test
  void shouldAnswerPipelinedRequestsInOrder() throws Exception {
    final StringBuilder req = new StringBuilder();
    for (int i = 0; i < 20; i++) {
      req.append("POST /v1/topics/t/records?durability=local HTTP/1.1\r\nHost: x\r\n")
          .append("Content-Length: 2\r\n\r\n")
          .append(String.format("%02d", i));
      req.append("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    }
    req.append("GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    final String r = raw(req.toString());
    final String[] responses = r.split("(?=HTTP/1\\.1 )");
    assertEquals(41, responses.length, r);
    for (int i = 0; i < 20; i++) {
      assertTrue(responses[2 * i].startsWith("HTTP/1.1 200"), responses[2 * i]);
      assertTrue(responses[2 * i].contains("\"offset\":" + i + ","), responses[2 * i]);
      assertTrue(responses[2 * i + 1].contains("{\"status\":\"ok\"}"), responses[2 * i + 1]);
    }
    assertTrue(responses[40].startsWith("HTTP/1.1 404"), responses[40]);
  }

  @Test
  void shouldCloseSlowlorisWith408WhileOthersAreServed() throws Exception {
    try (Socket slow = new Socket("127.0.0.1", server.port)) {
      slow.setSoTimeout(5_000);
      final OutputStream out = slow.getOutputStream();
      out.write("GET /healthz HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      final long t0 = System.nanoTime();
      // Trickle one header byte at a time; the request never completes.
      for (int i = 0; i < 30 && !slow.isClosed(); i++) {
        assertEquals(200, server.send("GET", "/healthz", null).statusCode());
        try {
          out.write('X');
          out.flush();
        } catch (final IOException closed) {
          break;
        }
        Thread.sleep(100);
      }
      final String r = readAll(slow.getInputStream());
      final long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertStatus(r, 408, "request-timeout");
      assertTrue(ms < 4_000, "slow request lived " + ms + " ms");
    }
  }

  @Test
  void shouldKeepServingAWellBehavedClientUnderHostileInput() throws Exception {
    final AtomicBoolean stop = new AtomicBoolean();
    final AtomicInteger acked = new AtomicInteger();
    final AtomicReference<Throwable> failure = new AtomicReference<>();
    final List<Long> offsets = new ArrayList<>();
    final Thread good =
        new Thread(
            () -> {
              try {
                while (!stop.get()) {
                  final HttpResponse<String> r =
                      server.send("POST", "/v1/topics/t/records?durability=local", "good");
                  if (r.statusCode() != 200) {
                    throw new AssertionError(r.statusCode() + " " + r.body());
                  }
                  synchronized (offsets) {
                    offsets.add(
                        Long.parseLong(r.body().replaceAll("(?s).*\"offset\":(\\d+).*", "$1")));
                  }
                  acked.incrementAndGet();
                }
              } catch (final Throwable t) {
                failure.set(t);
              }
            });
    good.start();
    final String[] attacks = {
      "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
      "\u0000\u0001\u0002 garbage\r\n\r\n",
      "POST /v1/topics/t/records HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
      "GET /v1/topics/../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
      "PUT /v1/topics/%2e%2e HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
      "GET /v1/topics/t/partitions/0/records?offset=-5 HTTP/1.1\r\nConnection: close\r\n\r\n",
      "GET /v1/topics/t/partitions/99999999999999999999/records HTTP/1.1\r\n"
          + "Connection: close\r\n\r\n",
      "POST /v1/topics/t/records?durability=bogus HTTP/1.1\r\nContent-Length: 1\r\n"
          + "Connection: close\r\n\r\nx",
      "POST /v1/topics/t/records HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    };
    for (int round = 0; round < 3; round++) {
      for (final String attack : attacks) {
        final String r = raw(attack);
        if (!r.isEmpty()) {
          assertTrue(r.matches("(?s)HTTP/1\\.1 4\\d\\d .*"), "not a 4xx for " + attack + ": " + r);
        }
      }
    }
    stop.set(true);
    good.join(10_000);
    if (failure.get() != null) {
      throw new AssertionError("well-behaved client failed", failure.get());
    }
    assertTrue(acked.get() > 0);
    assertEquals(acked.get(), endOffset(), "only the good client's records were appended");
    synchronized (offsets) {
      for (int i = 0; i < offsets.size(); i++) {
        assertEquals(i, offsets.get(i).longValue());
      }
    }
    assertEquals(200, server.send("GET", "/healthz", null).statusCode());
  }

  @Test
  void shouldAnswerHeadWithoutABody() throws Exception {
    final String r = raw("HEAD /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assertTrue(r.startsWith("HTTP/1.1 200"), r);
    assertTrue(r.contains("content-length: 16"), r);
    assertTrue(r.endsWith("\r\n\r\n"), "HEAD response carried a body: " + r);
  }
}
