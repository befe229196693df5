package io.stele.net.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.SplittableRandom;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** The word-at-a-time JSON writer against a byte-at-a-time reference, on hostile inputs. */
class Utf8JsonTest {
  /** What member() must produce, one byte at a time, straight from RFC 8259. */
  private static String reference(final String name, final byte[] v) {
    final StringBuilder sb = new StringBuilder(",\"").append(name);
    final String s = new String(v, StandardCharsets.UTF_8);
    if (!java.util.Arrays.equals(s.getBytes(StandardCharsets.UTF_8), v)) {
      return sb.append("_b64\":\"")
          .append(Base64.getEncoder().encodeToString(v))
          .append('"')
          .toString();
    }
    sb.append("\":\"");
    for (final byte x : v) {
      final int c = x & 0xFF;
      if (c == '"' || c == '\\') {
        sb.append('\\').append((char) c);
      } else if (c == '\n') {
        sb.append("\\n");
      } else if (c == '\r') {
        sb.append("\\r");
      } else if (c == '\t') {
        sb.append("\\t");
      } else if (c < 0x20) {
        sb.append(String.format("\\u%04x", c));
      } else {
        sb.append((char) c); // raw byte; compared as ISO-8859-1 below
      }
    }
    return sb.append('"').toString();
  }

  private static String render(final String name, final byte[] v) {
    final ByteBuf out = Unpooled.directBuffer(16);
    try {
      // at an odd offset inside a larger buffer, as records sit in a segment
      final byte[] padded = new byte[v.length + 11];
      System.arraycopy(v, 0, padded, 5, v.length);
      Utf8Json.member(out, name, new UnsafeBuffer(padded), 5, v.length);
      return out.toString(StandardCharsets.ISO_8859_1);
    } finally {
      out.release();
    }
  }

  @Test
  void shouldEscapeExactlyAsTheByteAtATimeReference() {
    final SplittableRandom r = new SplittableRandom(42);
    final byte[] alphabet = {
      'a',
      'Z',
      '0',
      ' ',
      '"',
      '\\',
      '\n',
      '\r',
      '\t',
      0,
      1,
      0x1F,
      0x7F,
      (byte) 0xC3,
      (byte) 0xA9,
      (byte) 0xE2,
      (byte) 0x82,
      (byte) 0xAC,
      (byte) 0xF0,
      (byte) 0x9F,
      (byte) 0x98,
      (byte) 0x80,
      (byte) 0xFF,
      (byte) 0x80
    };
    for (int n = 0; n < 20_000; n++) {
      final byte[] v = new byte[r.nextInt(40)];
      final boolean ascii = r.nextInt(3) == 0;
      for (int i = 0; i < v.length; i++) {
        v[i] = ascii ? (byte) (0x20 + r.nextInt(0x5F)) : alphabet[r.nextInt(alphabet.length)];
      }
      assertEquals(reference("value", v), render("value", v), () -> java.util.Arrays.toString(v));
    }
  }

  @Test
  void shouldWriteNumbersAsLongToStringDoes() {
    final long[] values = {0, 7, 9, 10, 99, 100, 12345, Long.MAX_VALUE, -1, Long.MIN_VALUE};
    for (final long v : values) {
      final ByteBuf out = Unpooled.buffer(4);
      try {
        Utf8Json.number(out, v);
        assertEquals(Long.toString(v), out.toString(StandardCharsets.US_ASCII));
      } finally {
        out.release();
      }
    }
  }
}
