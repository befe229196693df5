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

  /**
   * Copies the native libraries the jar carries ({@code META-INF/native/*.so}: Netty's io_uring and
   * epoll transports) into {@code dir}, each written under a temporary name and renamed into place,
   * deletes any other {@code .so} there (an older build's), then writes {@code dir/.complete}.
   * {@code bin/stele} puts {@code dir} on {@code java.library.path}, where Netty looks first: a
   * node then loads the library in place instead of copying it to a new temporary file at every
   * start (which also initialises {@code SecureRandom} for the file's name), and a {@code noexec}
   * temporary directory does not matter.
   *
   * @return how many libraries were copied
   */
  static int extractNatives(final Path dir) throws IOException {
    final java.net.URL jar = Warmup.class.getProtectionDomain().getCodeSource().getLocation();
    final Path jarPath;
    try {
      jarPath = Path.of(jar.toURI());
    } catch (final java.net.URISyntaxException e) {
      throw new IOException("cannot locate the jar: " + jar, e);
    }
    if (!Files.isRegularFile(jarPath)) {
      throw new IOException("not running from a jar: " + jarPath);
    }
    Files.createDirectories(dir);
    Files.deleteIfExists(dir.resolve(".complete"));
    Files.deleteIfExists(dir.resolve(".failed"));
    final java.util.Set<Path> carried = new java.util.HashSet<>();
    int copied = 0;
    try (java.util.jar.JarFile jf = new java.util.jar.JarFile(jarPath.toFile())) {
      for (final java.util.jar.JarEntry e :
          (Iterable<java.util.jar.JarEntry>) jf.stream()::iterator) {
        final String name = e.getName();
        if (!name.startsWith("META-INF/native/") || !name.endsWith(".so") || e.isDirectory()) {
          continue;
        }
        final Path target = dir.resolve(name.substring(name.lastIndexOf('/') + 1));
        final Path tmp = dir.resolve(target.getFileName() + "." + ProcessHandle.current().pid());
        try (InputStream in = jf.getInputStream(e)) {
          Files.copy(in, tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
          Files.move(
              tmp,
              target,
              java.nio.file.StandardCopyOption.REPLACE_EXISTING,
              java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } finally {
          Files.deleteIfExists(tmp); // after a failed copy or move; gone after a move
        }
        carried.add(target);
        copied++;
      }
    }
    try (Stream<Path> files = Files.list(dir)) {
      for (final Path p : (Iterable<Path>) files::iterator) {
        if (p.getFileName().toString().endsWith(".so") && !carried.contains(p)) {
          Files.deleteIfExists(p);
        }
      }
    }
    Files.writeString(dir.resolve(".complete"), copied + "\n");
    return copied;
  }

  static int run(final List<String> args, final PrintStream out, final PrintStream err) {
    Path dir = null;
    try {
      if (args.size() == 2 && args.get(0).equals("--native-dir")) {
        try {
          final int n = extractNatives(Path.of(args.get(1)));
          out.println("stele: " + n + " native libraries in " + args.get(1));
        } catch (final IOException | RuntimeException e) {
          // the archive is still worth recording; Netty then copies its library itself, and
          // .failed tells bin/stele not to try again for this jar at every start
          err.println("stele: native libraries not copied to " + args.get(1) + ": " + e);
          try {
            Files.writeString(Path.of(args.get(1), ".failed"), e + "\n");
          } catch (final IOException | RuntimeException ignored) {
            // nowhere to say it: bin/stele tries again next time
          }
        }
      } else if (!args.isEmpty()) {
        err.println("stele: usage: stele warmup [--native-dir DIR]");
        return ExitCode.USAGE;
      }
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
