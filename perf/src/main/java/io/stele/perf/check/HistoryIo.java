package io.stele.perf.check;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads and writes histories and replica logs as NDJSON, one flat object a line.
 *
 * <p>An op line: {@code
 * {"clientId":1,"opId":7,"kind":"PRODUCE","outcome":"OK","invokeNanos":10,"completeNanos":25,
 * "topic":"t","partition":0,"payloadId":"c1-7","ackedOffset":42}}; a read also carries {@code
 * "readFrom"}, {@code "readEnd"} and {@code "records":[[offset,"payloadId"],...]} and has no {@code
 * payloadId}. A replica line holds one record: {@code
 * {"replica":"n1","topic":"t","partition":0,"offset":42,"payloadId":"c1-7"}}, in log order. Blank
 * lines are skipped; unknown fields are rejected.
 */
public final class HistoryIo {
  private static final Set<String> OP_FIELDS =
      Set.of(
          "clientId",
          "opId",
          "kind",
          "outcome",
          "invokeNanos",
          "completeNanos",
          "topic",
          "partition",
          "payloadId",
          "ackedOffset",
          "readFrom",
          "readEnd",
          "records");
  private static final Set<String> REPLICA_FIELDS =
      Set.of("replica", "topic", "partition", "offset", "payloadId");

  private HistoryIo() {}

  /** One op as a JSON line, without the newline. */
  public static String toJson(final Op op) {
    final StringBuilder sb = new StringBuilder(160);
    sb.append("{\"clientId\":").append(op.clientId());
    sb.append(",\"opId\":").append(op.opId());
    sb.append(",\"kind\":\"").append(op.kind()).append('"');
    sb.append(",\"outcome\":\"").append(op.outcome()).append('"');
    sb.append(",\"invokeNanos\":").append(op.invokeNanos());
    sb.append(",\"completeNanos\":").append(op.completeNanos());
    MiniJson.quote(sb.append(",\"topic\":"), op.topic());
    sb.append(",\"partition\":").append(op.partition());
    if (op.payloadId() != null) {
      MiniJson.quote(sb.append(",\"payloadId\":"), op.payloadId());
    }
    if (op.kind() == Op.Kind.PRODUCE) {
      sb.append(",\"ackedOffset\":").append(op.ackedOffset());
    } else {
      sb.append(",\"readFrom\":").append(op.readFrom());
      sb.append(",\"readEnd\":").append(op.readEnd());
      sb.append(",\"records\":[");
      boolean first = true;
      for (final LogEntry e : op.records()) {
        if (!first) {
          sb.append(',');
        }
        first = false;
        MiniJson.quote(sb.append('[').append(e.offset()).append(','), e.payloadId()).append(']');
      }
      sb.append(']');
    }
    return sb.append('}').toString();
  }

  /** Parses one op line. */
  public static Op parseOp(final String line) {
    final Map<String, Object> m = MiniJson.parseObject(line);
    checkFields(m, OP_FIELDS);
    final Op.Kind kind = Op.Kind.valueOf(str(m, "kind"));
    final Op.Outcome outcome = Op.Outcome.valueOf(str(m, "outcome"));
    final List<LogEntry> records = new ArrayList<>();
    if (m.containsKey("records")) {
      for (final Object o : list(m.get("records"), "records")) {
        final List<Object> pair = list(o, "records[]");
        if (pair.size() != 2
            || !(pair.get(0) instanceof Long)
            || !(pair.get(1) instanceof String)) {
          throw new IllegalArgumentException("records[] must be [offset, \"payloadId\"]");
        }
        records.add(new LogEntry((Long) pair.get(0), (String) pair.get(1)));
      }
    }
    if (kind == Op.Kind.PRODUCE && !records.isEmpty()) {
      throw new IllegalArgumentException("a produce has no records");
    }
    return new Op(
        num(m, "clientId"),
        num(m, "opId"),
        kind == Op.Kind.PRODUCE ? str(m, "payloadId") : optStr(m, "payloadId"),
        kind,
        outcome,
        num(m, "invokeNanos"),
        num(m, "completeNanos"),
        Math.toIntExact(num(m, "partition")),
        optNum(m, "ackedOffset", -1),
        str(m, "topic"),
        optNum(m, "readFrom", -1),
        optNum(m, "readEnd", -1),
        records);
  }

  /** One replica record as a JSON line, without the newline. */
  public static String toJson(final String replica, final TopicPartition tp, final LogEntry e) {
    final StringBuilder sb = new StringBuilder(96);
    MiniJson.quote(sb.append("{\"replica\":"), replica);
    MiniJson.quote(sb.append(",\"topic\":"), tp.topic());
    sb.append(",\"partition\":").append(tp.partition());
    sb.append(",\"offset\":").append(e.offset());
    MiniJson.quote(sb.append(",\"payloadId\":"), e.payloadId());
    return sb.append('}').toString();
  }

  /** Writes ops, one a line. */
  public static void writeOps(final Writer out, final Iterable<Op> ops) throws IOException {
    for (final Op op : ops) {
      out.write(toJson(op));
      out.write('\n');
    }
  }

  /** Writes ops to a file, replacing it. */
  public static void writeOps(final Path file, final Iterable<Op> ops) throws IOException {
    try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      writeOps(w, ops);
    }
  }

  /** Reads ops, one a line; errors name the line. */
  public static List<Op> readOps(final BufferedReader in) throws IOException {
    final List<Op> out = new ArrayList<>();
    String line;
    int n = 0;
    while ((line = in.readLine()) != null) {
      n++;
      if (line.isBlank()) {
        continue;
      }
      try {
        out.add(parseOp(line));
      } catch (final RuntimeException e) {
        throw new IOException("history line " + n + ": " + e.getMessage(), e);
      }
    }
    return out;
  }

  /** Reads ops from a file. */
  public static List<Op> readOps(final Path file) throws IOException {
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      return readOps(r);
    }
  }

  /** Writes replica logs, one record a line, in log order. */
  public static void writeReplicas(final Writer out, final Iterable<ReplicaLog> replicas)
      throws IOException {
    for (final ReplicaLog r : replicas) {
      for (final Map.Entry<TopicPartition, List<LogEntry>> e : r.logs().entrySet()) {
        for (final LogEntry entry : e.getValue()) {
          out.write(toJson(r.replica(), e.getKey(), entry));
          out.write('\n');
        }
      }
    }
  }

  /** Writes replica logs to a file, replacing it. */
  public static void writeReplicas(final Path file, final Iterable<ReplicaLog> replicas)
      throws IOException {
    try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      writeReplicas(w, replicas);
    }
  }

  /** Reads replica logs; replicas in order of first appearance, records in line order. */
  public static List<ReplicaLog> readReplicas(final BufferedReader in) throws IOException {
    final Map<String, ReplicaLog.Builder> builders = new LinkedHashMap<>();
    String line;
    int n = 0;
    while ((line = in.readLine()) != null) {
      n++;
      if (line.isBlank()) {
        continue;
      }
      try {
        final Map<String, Object> m = MiniJson.parseObject(line);
        checkFields(m, REPLICA_FIELDS);
        builders
            .computeIfAbsent(str(m, "replica"), ReplicaLog::builder)
            .append(
                str(m, "topic"),
                Math.toIntExact(num(m, "partition")),
                num(m, "offset"),
                str(m, "payloadId"));
      } catch (final RuntimeException e) {
        throw new IOException("replica line " + n + ": " + e.getMessage(), e);
      }
    }
    final List<ReplicaLog> out = new ArrayList<>(builders.size());
    for (final ReplicaLog.Builder b : builders.values()) {
      out.add(b.build());
    }
    return out;
  }

  /** Reads replica logs from a file. */
  public static List<ReplicaLog> readReplicas(final Path file) throws IOException {
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      return readReplicas(r);
    }
  }

  private static void checkFields(final Map<String, Object> m, final Set<String> allowed) {
    for (final String k : m.keySet()) {
      if (!allowed.contains(k)) {
        throw new IllegalArgumentException("unknown field \"" + k + "\"");
      }
    }
  }

  private static long num(final Map<String, Object> m, final String key) {
    final Object v = m.get(key);
    if (!(v instanceof Long)) {
      throw new IllegalArgumentException("\"" + key + "\" must be an integer");
    }
    return (Long) v;
  }

  private static long optNum(final Map<String, Object> m, final String key, final long dflt) {
    return m.get(key) == null ? dflt : num(m, key);
  }

  private static String str(final Map<String, Object> m, final String key) {
    final Object v = m.get(key);
    if (!(v instanceof String)) {
      throw new IllegalArgumentException("\"" + key + "\" must be a string");
    }
    return (String) v;
  }

  private static String optStr(final Map<String, Object> m, final String key) {
    return m.get(key) == null ? null : str(m, key);
  }

  private static List<Object> list(final Object v, final String what) {
    if (!(v instanceof List<?>)) {
      throw new IllegalArgumentException("\"" + what + "\" must be an array");
    }
    final List<Object> out = new ArrayList<>();
    for (final Object o : (List<?>) v) {
      out.add(o);
    }
    return out;
  }
}
