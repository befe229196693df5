package io.stele.perf.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** NDJSON round trips, strict parsing, and the command line. */
class HistoryIoTest {
  @TempDir Path dir;

  @Test
  void opsRoundTrip() throws IOException {
    final List<Op> ops =
        List.of(
            Op.produce(1, 7, "t\"x\\y", 2, "p\n\u0001é", Op.Outcome.OK, -5, Long.MAX_VALUE, 42),
            Op.produce(2, 8, "t", 0, "q", Op.Outcome.UNKNOWN, 3, 9, -1),
            Op.read(
                3,
                9,
                "t",
                0,
                Op.Outcome.OK,
                10,
                20,
                4,
                6,
                List.of(new LogEntry(4, "a"), new LogEntry(5, "b"))),
            Op.read(3, 10, "t", 1, Op.Outcome.FAIL, 10, 20, -1, -1, List.of()));
    final Path file = dir.resolve("history.ndjson");
    HistoryIo.writeOps(file, ops);
    assertEquals(ops, HistoryIo.readOps(file));
    assertEquals(
        "{\"clientId\":2,\"opId\":8,\"kind\":\"PRODUCE\",\"outcome\":\"UNKNOWN\",\"invokeNanos\":3,"
            + "\"completeNanos\":9,\"topic\":\"t\",\"partition\":0,\"payloadId\":\"q\",\"ackedOffset\":-1}",
        HistoryIo.toJson(ops.get(1)));
  }

  @Test
  void replicasRoundTrip() throws IOException {
    final List<ReplicaLog> replicas =
        List.of(
            ReplicaLog.builder("n1")
                .append("t", 0, 0, "a")
                .append("t", 0, 1, "b")
                .append("u", 3, 9, "c")
                .build(),
            ReplicaLog.builder("n2").append("t", 0, 0, "a").build());
    final StringWriter w = new StringWriter();
    HistoryIo.writeReplicas(w, replicas);
    assertTrue(
        w.toString()
            .startsWith(
                "{\"replica\":\"n1\",\"topic\":\"t\",\"partition\":0,\"offset\":0,\"payloadId\":\"a\"}\n"));
    assertEquals(
        replicas, HistoryIo.readReplicas(new BufferedReader(new StringReader(w.toString()))));
  }

  @Test
  void parserIsStrict() {
    final String good =
        "{\"clientId\":1,\"opId\":2,\"kind\":\"PRODUCE\",\"outcome\":\"OK\",\"invokeNanos\":1,"
            + "\"completeNanos\":2,\"topic\":\"t\",\"partition\":0,\"payloadId\":\"p\",\"ackedOffset\":0}";
    assertEquals(0, HistoryIo.parseOp(good).ackedOffset());
    assertEquals(0, HistoryIo.parseOp("  " + good + " ").ackedOffset());
    for (final String bad :
        List.of(
            good + "x",
            good.replace("\"ackedOffset\":0", "\"ackedOffset\":0.5"),
            good.replace("\"ackedOffset\":0", "\"ackedOffset\":1e3"),
            good.replace("\"ackedOffset\":0", "\"ackedOffset\":01"),
            good.replace("\"ackedOffset\":0", "\"ackedOffset\":99999999999999999999"),
            good.replace("\"ackedOffset\":0", "\"ackedOffset\":0,\"ackedOffset\":1"),
            good.replace("\"ackedOffset\":0", "\"extra\":0"),
            good.replace("\"payloadId\":\"p\",", ""),
            good.replace("\"OK\"", "\"MAYBE\""),
            good.replace("\"opId\":2", "\"opId\":\"2\""),
            good.replace("\"p\"", "\"p\u0001\""),
            good.replace("\"p\"", "\"p\\x\""),
            good.substring(0, good.length() - 1),
            "[1,2]",
            "")) {
      assertThrows(IllegalArgumentException.class, () -> HistoryIo.parseOp(bad), bad);
    }
  }

  @Test
  void readErrorsNameTheLine() {
    final IOException e =
        assertThrows(
            IOException.class,
            () ->
                HistoryIo.readReplicas(
                    new BufferedReader(
                        new StringReader(
                            "{\"replica\":\"n1\",\"topic\":\"t\",\"partition\":0,\"offset\":0,\"payloadId\":\"a\"}\n\n{\"replica\":1}\n"))));
    assertTrue(e.getMessage().startsWith("replica line 3:"), e.getMessage());
  }

  @Test
  void commandLineReportsAndExits() throws IOException {
    final HistoryRecorder rec = new HistoryRecorder();
    final long a = rec.nextOpId();
    final long b = rec.nextOpId();
    rec.record(Op.produce(1, b, "t", 0, "b", Op.Outcome.OK, 20, 30, 1));
    rec.record(Op.produce(1, a, "t", 0, "a", Op.Outcome.OK, 0, 10, 0));
    assertEquals(List.of(a, b), rec.ops().stream().map(Op::opId).toList());
    final Path history = dir.resolve("h.ndjson");
    final Path replicas = dir.resolve("r.ndjson");
    rec.writeTo(history);
    HistoryIo.writeReplicas(
        replicas,
        List.of(ReplicaLog.builder("n1").append("t", 0, 0, "a").append("t", 0, 1, "b").build()));
    assertEquals(0, cli(history, replicas).exit);
    HistoryIo.writeReplicas(
        replicas, List.of(ReplicaLog.builder("n1").append("t", 0, 0, "a").build()));
    final Cli lost = cli(history, replicas);
    assertEquals(1, lost.exit);
    assertTrue(lost.out.startsWith("acked=2 verified=1 lost=1 "), lost.out);
    assertTrue(lost.out.contains("LOST_ACK: op " + b), lost.out);
    Files.writeString(replicas, "not json\n");
    assertEquals(2, cli(history, replicas).exit);
    assertEquals(
        2,
        CheckCli.run(
            new String[] {"one"},
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)));
  }

  private record Cli(int exit, String out) {}

  private static Cli cli(final Path history, final Path replicas) {
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();
    final int exit =
        CheckCli.run(
            new String[] {history.toString(), replicas.toString()},
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Cli(exit, out.toString(StandardCharsets.UTF_8));
  }
}
