package io.stele.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@code stele warmup}: runs a node on a temporary data directory and an ephemeral loopback port,
 * sends it the requests of a first session (topic, produce, read, stream, cluster status) over a
 * plain socket, and stops it. {@code bin/stele} runs it once per jar and JDK under {@code
 * -XX:ArchiveClassesAtExit} to record the classes a node loads in a class-data-sharing archive,
 * which later starts map instead of loading one by one (docs/tuning.md, "Start-up").
 */
final class Warmup {
  private static final List<String> REQUESTS =
      List.of(
          "GET /readyz HTTP/1.1\r\nHost: w\r\n\r\n",
          "PUT /v1/topics/warmup?partitions=2 HTTP/1.1\r\nHost: w\r\nContent-Length: 0\r\n\r\n",
          "POST /v1/topics/warmup/records?durability=local HTTP/1.1\r\nHost: w\r\n"
              + "Content-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello",
          "POST /v1/topics/warmup/records HTTP/1.1\r\nHost: w\r\n"
              + "Content-Type: application/x-ndjson\r\nContent-Length: 28\r\n\r\n"
              + "{\"value\":\"a\"}\n{\"value\":\"b\"}\n",
          "GET /v1/topics/warmup/partitions/0/records?offset=0 HTTP/1.1\r\nHost: w\r\n\r\n",
          "PUT /v1/groups/warmup/offsets/warmup/0 HTTP/1.1\r\nHost: w\r\n"
              + "Content-Length: 12\r\n\r\n{\"offset\":1}",
          "PUT /v1/stream/warmup HTTP/1.1\r\nHost: w\r\nContent-Type: text/plain\r\n"
              + "Content-Length: 0\r\n\r\n",
          "POST /v1/stream/warmup HTTP/1.1\r\nHost: w\r\nContent-Type: text/plain\r\n"
              + "Content-Length: 2\r\n\r\nhi",
          "GET /v1/stream/warmup?offset=-1 HTTP/1.1\r\nHost: w\r\n\r\n",
          "GET /v1/cluster HTTP/1.1\r\nHost: w\r\n\r\n",
          "GET /metrics HTTP/1.1\r\nHost: w\r\nConnection: close\r\n\r\n");

  private Warmup() {}

  static int run(final PrintStream out, final PrintStream err) {
    Path dir = null;
    try {
      dir = Files.createTempDirectory("stele-warmup");
      final Configuration config =
          Configuration.load(
              List.of("--data-dir", dir.toString(), "--host", "127.0.0.1", "--port", "0"),
              Map.of());
      final Node node = new Node(config);
      node.start();
      try {
        final InetSocketAddress a = node.httpAddress();
        try (Socket s = new Socket(a.getAddress(), a.getPort())) {
          s.setSoTimeout(10_000);
          final OutputStream o = s.getOutputStream();
          for (final String r : REQUESTS) {
            o.write(r.getBytes(StandardCharsets.US_ASCII));
          }
          o.flush();
          final InputStream in = s.getInputStream();
          final byte[] buf = new byte[8192];
          while (in.read(buf) >= 0) {
            // drain until the server closes after the last request
          }
        }
      } finally {
        node.close();
      }
      out.println("stele: warm-up done");
      return ExitCode.OK;
    } catch (final IOException | RuntimeException e) {
      err.println("stele: warm-up failed: " + e);
      return ExitCode.FATAL;
    } finally {
      if (dir != null) {
        try (Stream<Path> files = Files.walk(dir)) {
          files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (final IOException ignored) {
          // a temporary directory left behind
        }
      }
    }
  }
}
