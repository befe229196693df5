package io.stele.engine.crash;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/** Starts {@link CrashChild} in a child JVM and collects its complete stdout lines. */
final class ChildProcess {
  final Process process;
  final CopyOnWriteArrayList<String> lines = new CopyOnWriteArrayList<>();
  private final Thread reader;
  private final StringBuilder stderr = new StringBuilder();

  private ChildProcess(final Process p) {
    this.process = p;
    this.reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII))) {
                String line;
                while ((line = in.readLine()) != null) {
                  lines.add(line);
                }
              } catch (final IOException ignored) {
                // the child was killed
              }
            });
    reader.setDaemon(true);
    reader.start();
    final Thread err =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                  synchronized (stderr) {
                    if (stderr.length() < 200_000) {
                      stderr.append(line).append('\n');
                    }
                  }
                }
              } catch (final IOException ignored) {
                // the child was killed
              }
            });
    err.setDaemon(true);
    err.start();
  }

  static List<String> javaCommand(final Path dataDir, final String label, final String... extra) {
    final String java =
        System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    final String cp =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    final List<String> cmd = new ArrayList<>();
    cmd.add(java);
    cmd.add("--add-exports");
    cmd.add("java.base/jdk.internal.misc=ALL-UNNAMED");
    cmd.add("-ea");
    cmd.add("-Xmx256m");
    cmd.add("-XX:+UseSerialGC");
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-Dorg.slf4j.simpleLogger.logFile=System.err");
    cmd.add("-cp");
    cmd.add(cp);
    cmd.add(CrashChild.class.getName());
    cmd.add(dataDir.toString());
    cmd.add(label);
    cmd.addAll(List.of(extra));
    return cmd;
  }

  static ChildProcess start(final List<String> command) throws IOException {
    return new ChildProcess(new ProcessBuilder(command).start());
  }

  /** Waits until {@code condition} holds for the lines, the child dies, or the deadline passes. */
  boolean awaitLines(final Predicate<List<String>> condition, final long timeoutMs)
      throws InterruptedException {
    final long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
    while (System.nanoTime() - deadline < 0) {
      if (condition.test(lines)) {
        return true;
      }
      if (!process.isAlive()) {
        reader.join(2000);
        return condition.test(lines);
      }
      Thread.sleep(5); // polling a child process's output, not synchronizing threads
    }
    return false;
  }

  /** SIGKILL to the child and every descendant (strace and eatmydata wrap the JVM). */
  void kill() throws InterruptedException {
    final java.util.List<ProcessHandle> tree = process.descendants().toList();
    for (final ProcessHandle h : tree) {
      h.destroyForcibly();
    }
    process.destroyForcibly();
    for (final ProcessHandle h : tree) {
      h.onExit().orTimeout(10, java.util.concurrent.TimeUnit.SECONDS).exceptionally(t -> h).join();
    }
    process.waitFor();
    reader.join(5000);
  }

  String stderr() {
    synchronized (stderr) {
      return stderr.toString();
    }
  }

  long acks() {
    return lines.stream().filter(l -> l.startsWith("A ")).count();
  }
}
