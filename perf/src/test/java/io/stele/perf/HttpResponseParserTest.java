package io.stele.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HttpResponseParserTest {
  private static final String STREAM =
      "HTTP/1.1 100 Continue\r\n\r\n"
          + "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello"
          + "HTTP/1.1 200 OK\r\nStele-Next-Offset: 42\r\nContent-Length: 6\r\n\r\na\nb\nc\n"
          + "HTTP/1.1 503 Service Unavailable\r\nTransfer-Encoding: chunked\r\n\r\n"
          + "3;ext=1\r\nx\ny\r\n2\r\n\n\n\r\n0\r\nTrailer: t\r\n\r\n"
          + "HTTP/1.1 204 No Content\r\n\r\n";

  private static final class Collected implements ResponseListener {
    final List<String> responses = new ArrayList<>();
    final StringBuilder body = new StringBuilder();

    @Override
    public void onResponse(final int status, final long bodyLines, final long nextOffset) {
      responses.add(status + "/" + bodyLines + "/" + nextOffset);
    }

    @Override
    public void onBodyBytes(final ByteBuf buf, final int index, final int length) {
      body.append(buf.toString(index, length, StandardCharsets.US_ASCII));
    }
  }

  @Test
  void shouldParseEveryResponseWhateverTheSplit() {
    final byte[] bytes = STREAM.getBytes(StandardCharsets.US_ASCII);
    for (int split = 1; split <= bytes.length; split++) {
      final Collected got = new Collected();
      final HttpResponseParser parser = new HttpResponseParser(got, true);
      for (int i = 0; i < bytes.length; i += split) {
        final ByteBuf buf = Unpooled.wrappedBuffer(bytes, i, Math.min(split, bytes.length - i));
        parser.feed(buf);
        assertEquals(0, buf.readableBytes());
      }
      assertEquals(
          List.of("200/0/-1", "200/3/42", "503/3/-1", "204/0/-1"), got.responses, "split " + split);
      assertEquals("helloa\nb\nc\nx\ny\n\n", got.body.toString(), "split " + split);
    }
  }

  @Test
  void shouldRejectGarbage() {
    final HttpResponseParser parser = new HttpResponseParser(new Collected(), false);
    assertThrows(
        ResponseParser.ProtocolException.class,
        () -> parser.feed(Unpooled.copiedBuffer("SSH-2.0-OpenSSH\r\n", StandardCharsets.US_ASCII)));
  }

  @Test
  void shouldBoundHeaderLines() {
    final HttpResponseParser parser = new HttpResponseParser(new Collected(), false);
    final String huge = "HTTP/1.1 200 OK\r\nX: " + "a".repeat(HttpResponseParser.MAX_LINE_BYTES);
    assertThrows(
        ResponseParser.ProtocolException.class,
        () -> parser.feed(Unpooled.copiedBuffer(huge, StandardCharsets.US_ASCII)));
  }

  @Test
  void respParserShouldReportBulkStringsAndErrors() {
    final byte[] bytes =
        "$15\r\n1700000000000-0\r\n-ERR no\r\n+OK\r\n:5\r\n$-1\r\n"
            .getBytes(StandardCharsets.US_ASCII);
    for (int split = 1; split <= bytes.length; split++) {
      final Collected got = new Collected();
      final RespReplyParser parser = new RespReplyParser(got);
      for (int i = 0; i < bytes.length; i += split) {
        parser.feed(Unpooled.wrappedBuffer(bytes, i, Math.min(split, bytes.length - i)));
      }
      assertEquals(
          List.of("200/0/-1", "500/0/-1", "200/0/-1", "200/0/-1", "200/0/-1"),
          got.responses,
          "split " + split);
    }
  }

  @Test
  void sseTimestampShouldBeFoundInADataLine() {
    final byte[] line =
        "data: {\"offset\":7,\"value\":\"t=0000000000123456789abc\"}"
            .getBytes(StandardCharsets.US_ASCII);
    assertEquals(123456789L, SseTail.timestamp(line, 5, line.length));
    final byte[] none = "data: {\"value\":\"t=12\"}".getBytes(StandardCharsets.US_ASCII);
    assertEquals(-1, SseTail.timestamp(none, 5, none.length));
  }

  @Test
  void timestampedPayloadShouldCarryTheIntendedTimeInEveryRecordOfABatch() {
    final BenchConfig c = BenchConfig.parse(new String[] {"--batch", "3", "--payload", "30"});
    final RequestEncoder e = Requests.produce(c, 0, true, 1_000);
    final ByteBuf buf = Unpooled.buffer();
    e.encode(buf, 1_000 + 987_654_321L);
    final String s = buf.toString(StandardCharsets.US_ASCII);
    final String body = s.substring(s.indexOf("\r\n\r\n") + 4);
    final String[] lines = body.split("\n");
    assertEquals(3, lines.length);
    for (final String l : lines) {
      assertEquals(30, l.length());
      final byte[] b = l.getBytes(StandardCharsets.US_ASCII);
      assertEquals(987_654_321L, SseTail.timestamp(b, 0, b.length));
    }
    assertEquals(
        "Content-Length: " + body.length(),
        s.lines().filter(x -> x.startsWith("Content-Length")).findFirst().orElseThrow());
  }
}
