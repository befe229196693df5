package io.stele.net.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * More produce requests than the engine has listener slots (65,536): the front door must use one
 * long-lived listener per event loop, not one per request, or this fails part-way.
 */
@Timeout(120)
class ProduceVolumeTest {
  private static final int REQUESTS = 70_000;

  @TempDir Path dir;

  @Test
  void shouldAcknowledgeMoreRequestsThanTheEngineHasListenerSlots() throws Exception {
    try (ApiServer server = new ApiServer(dir)) {
      assertEquals(201, server.send("PUT", "/v1/topics/v", null).statusCode());
      final byte[] request =
          ("POST /v1/topics/v/records?durability=memory HTTP/1.1\r\nHost: x\r\n"
                  + "Content-Length: 1\r\n\r\nx")
              .getBytes(StandardCharsets.US_ASCII);
      try (Socket s = new Socket("127.0.0.1", server.port)) {
        s.setSoTimeout(30_000);
        final AtomicReference<Throwable> writeFailure = new AtomicReference<>();
        final Thread writer =
            new Thread(
                () -> {
                  try {
                    // Not closed here: closing the stream would close the socket.
                    final OutputStream out = new BufferedOutputStream(s.getOutputStream(), 65536);
                    for (int i = 0; i < REQUESTS; i++) {
                      out.write(request);
                    }
                    out.flush();
                  } catch (final Throwable t) {
                    writeFailure.set(t);
                  }
                });
        writer.start();
        final InputStream in = new BufferedInputStream(s.getInputStream(), 65536);
        int ok = 0;
        int other = 0;
        // Count status lines: every response starts with "HTTP/1.1 NNN".
        final byte[] marker = "HTTP/1.1 ".getBytes(StandardCharsets.US_ASCII);
        int matched = 0;
        while (ok + other < REQUESTS) {
          final int b = in.read();
          if (b < 0) {
            break;
          }
          if (b == marker[matched]) {
            matched++;
            if (matched == marker.length) {
              matched = 0;
              final int d1 = in.read();
              if (d1 == '2') {
                ok++;
              } else {
                other++;
              }
            }
          } else {
            matched = b == marker[0] ? 1 : 0;
          }
        }
        writer.join(30_000);
        assertEquals(null, writeFailure.get());
        assertEquals(0, other, "non-2xx responses");
        assertEquals(REQUESTS, ok);
      }
      // Every acknowledged record is in the log, at the offsets 0 .. REQUESTS-1.
      final String last =
          server
              .send(
                  "GET",
                  "/v1/topics/v/partitions/0/records?offset=" + (REQUESTS - 1) + "&wait_ms=10000",
                  null)
              .body();
      assertTrue(last.startsWith("{\"offset\":" + (REQUESTS - 1) + ","), last);
      assertEquals(
          "",
          server.send("GET", "/v1/topics/v/partitions/0/records?offset=" + REQUESTS, null).body());
    }
  }
}
