package io.stele.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node starts and answers its first {@code /readyz} without linking any record's generated {@code
 * equals}/{@code hashCode}/{@code toString}: {@code java.lang.runtime.ObjectMethods} is not loaded
 * (it spins method-handle classes no class-data archive keeps; docs/tuning.md, "Start-up"). Read
 * from the class-load log of a real {@code stele serve} child. The control runs a child that hashes
 * a record and must show the class in the same kind of log.
 */
class StartupClassLoadTest {
  private static final String OBJECT_METHODS = "java.lang.runtime.ObjectMethods ";
  private static final Pattern LISTENING = Pattern.compile("HTTP listening on [^:]+:(\\d+)");

  @TempDir Path dir;

  /** The control's child: one record used as a map key. */
  public static final class HashesARecord {
    record Key(String name) {}

    public static void main(final String[] args) {
      final Map<Key, Integer> m = new HashMap<>();
      m.put(new Key("x"), 1);
      System.out.println(m.size());
    }
  }

  private Process child(final Path classLoadLog, final Path out, final String... mainAndArgs)
      throws Exception {
    final List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("--add-exports");
    cmd.add("java.base/jdk.internal.misc=ALL-UNNAMED");
    cmd.add("-Xlog:class+load:file=" + classLoadLog);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.addAll(List.of(mainAndArgs));
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
  }

  @Test
  void shouldStartAndAnswerReadyWithoutLinkingRecordMethods() throws Exception {
    final Path log = dir.resolve("class-load.log");
    final Path out = dir.resolve("out.log");
    final Process p =
        child(
            log,
            out,
            Main.class.getName(),
            "serve",
            "--port",
            "0",
            "--data-dir",
            dir.resolve("data").toString());
    try {
      final int port = awaitPort(p, out);
      // "listening" is logged just before the node calls itself ready: ask until it is
      final HttpClient client =
          HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      HttpResponse<String> ready;
      do {
        ready =
            client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/readyz"))
                    .timeout(Duration.ofSeconds(10))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
      } while (ready.statusCode() == 503 && System.nanoTime() < deadline && sleep(20));
      assertEquals(200, ready.statusCode(), ready.body());
      // read while the node still runs: what shutting down loads is not the start-up path
      final String loaded = Files.readString(log, StandardCharsets.UTF_8);
      assertTrue(
          loaded.contains("io.stele.server.Node ") && loaded.contains("io.stele.net.HttpServer "),
          "the class-load log does not cover the start (not flushed?): the check would be vacuous");
      assertFalse(
          loaded.contains(OBJECT_METHODS),
          "a record's generated method was linked while starting: "
              + loaded.lines().filter(l -> l.contains(OBJECT_METHODS)).findFirst().orElse(""));
    } finally {
      p.destroy();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
  }

  private static boolean sleep(final long ms) throws InterruptedException {
    Thread.sleep(ms);
    return true;
  }

  @Test
  void controlSeesARecordBeingHashed() throws Exception {
    final Path log = dir.resolve("control.log");
    final Process p = child(log, dir.resolve("control.out"), HashesARecord.class.getName());
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("the control child did not finish within 30 s");
    }
    assertEquals(0, p.exitValue());
    assertTrue(Files.readString(log, StandardCharsets.UTF_8).contains(OBJECT_METHODS));
  }

  private static int awaitPort(final Process p, final Path out) throws Exception {
    final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      final Matcher m = LISTENING.matcher(Files.readString(out, StandardCharsets.UTF_8));
      if (m.find()) {
        return Integer.parseInt(m.group(1));
      }
      if (!p.isAlive()) {
        break;
      }
      Thread.sleep(20);
    }
    throw new AssertionError(
        "server did not report its port; output: " + Files.readString(out, StandardCharsets.UTF_8));
  }
}
