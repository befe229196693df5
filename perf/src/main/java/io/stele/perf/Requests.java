package io.stele.perf;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Builds the pre-encoded requests of each scenario. */
final class Requests {
  private Requests() {}

  /** A payload of {@code bytes} ASCII bytes: {@code t=} and a 19-digit slot, then filler. */
  static String payload(final int bytes, final boolean timestamped) {
    final StringBuilder sb = new StringBuilder(bytes);
    if (timestamped) {
      sb.append("t=").append("0".repeat(RequestEncoder.TIMESTAMP_DIGITS));
    }
    while (sb.length() < bytes) {
      sb.append((char) ('a' + sb.length() % 26));
    }
    sb.setLength(bytes);
    return sb.toString();
  }

  /**
   * A produce request: one raw record, or {@code batch} NDJSON lines. With {@code timestamped},
   * every record carries the intended send time in its slot (SSE delivery latency).
   */
  static RequestEncoder produce(
      final BenchConfig c, final int partition, final boolean timestamped, final long originNs) {
    final String record = payload(c.payloadBytes, timestamped);
    final StringBuilder body = new StringBuilder();
    final List<Integer> slotsInBody = new ArrayList<>();
    for (int i = 0; i < c.batch; i++) {
      if (timestamped) {
        slotsInBody.add(body.length() + 2);
      }
      body.append(record);
      if (c.batch > 1) {
        body.append('\n');
      }
    }
    final String head =
        "POST /v1/topics/"
            + c.topic
            + "/records?partition="
            + partition
            + "&durability="
            + c.durability
            + " HTTP/1.1\r\nHost: "
            + c.host
            + "\r\nContent-Type: "
            + (c.batch > 1 ? "application/x-ndjson" : "application/octet-stream")
            + "\r\nContent-Length: "
            + body.length()
            + "\r\n\r\n";
    return fixed(head, body.toString(), slotsInBody, originNs);
  }

  /** A Durable Streams append of one raw record to {@code /v1/stream/<topic>-<n>}. */
  static RequestEncoder dsAppend(final BenchConfig c, final int stream) {
    final String body = payload(c.payloadBytes, false);
    final String head =
        "POST "
            + dsPath(c, stream)
            + " HTTP/1.1\r\nHost: "
            + c.host
            + "\r\nContent-Type: application/octet-stream\r\nContent-Length: "
            + body.length()
            + "\r\n\r\n";
    return fixed(head, body, List.of(), 0);
  }

  static String dsPath(final BenchConfig c, final int stream) {
    return "/v1/stream/" + c.topic + "-" + stream;
  }

  /** A GET of a fixed path. */
  static RequestEncoder get(final BenchConfig c) {
    return fixed("GET " + c.path + " HTTP/1.1\r\nHost: " + c.host + "\r\n\r\n", "", List.of(), 0);
  }

  /** Paged reads of partition {@code partition} over {@code [0, endOffset)}. */
  static RequestEncoder consume(
      final BenchConfig c, final int partition, final long firstOffset, final long endOffset) {
    return new RequestEncoder.Paged(
        "GET /v1/topics/"
            + c.topic
            + "/partitions/"
            + partition
            + "/records?limit="
            + c.limit
            + "&max_bytes="
            + Math.max(1 << 20, (long) c.limit * (c.payloadBytes + 128))
            + "&offset=",
        " HTTP/1.1\r\nHost: " + c.host + "\r\n\r\n",
        firstOffset,
        c.limit,
        endOffset);
  }

  /** The SSE tail request of one partition, from {@code offset}. */
  static String sseTail(final BenchConfig c, final int partition, final long offset) {
    return "GET /v1/topics/"
        + c.topic
        + "/partitions/"
        + partition
        + "/records?offset="
        + offset
        + " HTTP/1.1\r\nHost: "
        + c.host
        + "\r\nAccept: text/event-stream\r\n\r\n";
  }

  /** Redis {@code XADD <topic> * f <payload>} in RESP. */
  static RequestEncoder xadd(final BenchConfig c) {
    final String p = payload(c.payloadBytes, false);
    final String cmd =
        "*5\r\n$4\r\nXADD\r\n$"
            + c.topic.length()
            + "\r\n"
            + c.topic
            + "\r\n$1\r\n*\r\n$1\r\nf\r\n$"
            + p.length()
            + "\r\n"
            + p
            + "\r\n";
    return fixed(cmd, "", List.of(), 0);
  }

  private static RequestEncoder fixed(
      final String head, final String body, final List<Integer> slotsInBody, final long origin) {
    final byte[] h = head.getBytes(StandardCharsets.US_ASCII);
    final byte[] b = body.getBytes(StandardCharsets.US_ASCII);
    final byte[] all = new byte[h.length + b.length];
    System.arraycopy(h, 0, all, 0, h.length);
    System.arraycopy(b, 0, all, h.length, b.length);
    final int[] slots = new int[slotsInBody.size()];
    for (int i = 0; i < slots.length; i++) {
      slots[i] = h.length + slotsInBody.get(i);
    }
    return new RequestEncoder.Fixed(all, slots, origin);
  }
}
