package io.stele.perf;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;

/**
 * An incremental HTTP/1.1 response parser that allocates nothing per response.
 *
 * <p>It understands what a load generator needs: the status line, {@code Content-Length}, {@code
 * Transfer-Encoding: chunked}, and the {@code Stele-Next-Offset} header; it counts newline bytes in
 * bodies (records of an NDJSON page) and, when streaming, hands body bytes to the listener as they
 * arrive (SSE). Header and chunk-size lines are bounded by {@link #MAX_LINE_BYTES}; a longer line
 * is a {@link ProtocolException}. Responses to HEAD are not supported (the generator sends none).
 *
 * <pre>
 *   STATUS --CRLF--> HEADERS --empty line--> BODY_FIXED ------------------------+--> STATUS
 *                                       \--> CHUNK_SIZE -> CHUNK_DATA -> CHUNK_END
 *                                                  \--(size 0)--> TRAILERS -----/
 * </pre>
 */
final class HttpResponseParser implements ResponseParser {
  static final int MAX_LINE_BYTES = 8192;

  private static final int STATUS = 0;
  private static final int HEADERS = 1;
  private static final int BODY_FIXED = 2;
  private static final int CHUNK_SIZE = 3;
  private static final int CHUNK_DATA = 4;
  private static final int CHUNK_END = 5;
  private static final int TRAILERS = 6;

  private static final byte[] CONTENT_LENGTH = ascii("content-length");
  private static final byte[] TRANSFER_ENCODING = ascii("transfer-encoding");
  private static final byte[] NEXT_OFFSET = ascii("stele-next-offset");
  private static final byte[] CHUNKED = ascii("chunked");

  private final ResponseListener listener;
  private final boolean streamBodies;
  private final ByteProcessor newlineCounter;
  private final byte[] line = new byte[MAX_LINE_BYTES];
  private int lineLength;

  private int state = STATUS;
  private int status;
  private long contentLength;
  private boolean chunked;
  private long nextOffset;
  private long remaining;
  private long bodyLines;

  /**
   * @param listener told of each response
   * @param streamBodies whether body bytes are also passed to {@link ResponseListener#onBodyBytes}
   *     as they arrive
   */
  HttpResponseParser(final ResponseListener listener, final boolean streamBodies) {
    this.listener = listener;
    this.streamBodies = streamBodies;
    this.newlineCounter =
        b -> {
          if (b == '\n') {
            bodyLines++;
          }
          return true;
        };
  }

  @Override
  public void feed(final ByteBuf in) {
    while (in.isReadable()) {
      switch (state) {
        case BODY_FIXED:
        case CHUNK_DATA:
          consumeBody(in);
          break;
        default:
          if (readLine(in)) {
            onLine();
          }
          break;
      }
    }
  }

  private void consumeBody(final ByteBuf in) {
    final int n = (int) Math.min(remaining, in.readableBytes());
    final int start = in.readerIndex();
    if (n > 0) {
      in.forEachByte(start, n, newlineCounter); // Netty's unrolled scan, no bounds check per byte
    }
    if (streamBodies && n > 0) {
      listener.onBodyBytes(in, start, n);
    }
    in.skipBytes(n);
    remaining -= n;
    if (remaining == 0) {
      if (state == BODY_FIXED) {
        complete();
      } else {
        state = CHUNK_END;
      }
    }
  }

  /** Appends bytes up to and including LF to {@link #line}; true once a whole line is there. */
  private boolean readLine(final ByteBuf in) {
    while (in.isReadable()) {
      final byte b = in.readByte();
      if (b == '\n') {
        if (lineLength > 0 && line[lineLength - 1] == '\r') {
          lineLength--;
        }
        return true;
      }
      if (lineLength == MAX_LINE_BYTES) {
        throw new ProtocolException("response line longer than " + MAX_LINE_BYTES + " bytes");
      }
      line[lineLength++] = b;
    }
    return false;
  }

  private void onLine() {
    final int length = lineLength;
    lineLength = 0;
    switch (state) {
      case STATUS:
        if (length == 0) {
          return; // tolerate a stray CRLF between responses
        }
        if (length < 12 || line[0] != 'H' || line[8] != ' ') {
          throw new ProtocolException("bad status line");
        }
        status = digit(line[9]) * 100 + digit(line[10]) * 10 + digit(line[11]);
        contentLength = -1;
        chunked = false;
        nextOffset = -1;
        bodyLines = 0;
        state = HEADERS;
        return;
      case HEADERS:
        if (length == 0) {
          endOfHeaders();
        } else {
          onHeader(length);
        }
        return;
      case CHUNK_SIZE:
        remaining = parseHex(length);
        if (remaining == 0) {
          state = TRAILERS;
        } else {
          state = CHUNK_DATA;
        }
        return;
      case CHUNK_END:
        if (length != 0) {
          throw new ProtocolException("chunk not followed by CRLF");
        }
        state = CHUNK_SIZE;
        return;
      case TRAILERS:
        if (length == 0) {
          complete();
        }
        return;
      default:
        throw new IllegalStateException("state " + state);
    }
  }

  private void endOfHeaders() {
    if (status / 100 == 1) {
      state = STATUS; // interim response: the real one follows
      return;
    }
    if (chunked) {
      state = CHUNK_SIZE;
    } else if (contentLength > 0 && status != 204 && status != 304) {
      remaining = contentLength;
      state = BODY_FIXED;
    } else {
      complete();
    }
  }

  private void onHeader(final int length) {
    int colon = -1;
    for (int i = 0; i < length; i++) {
      if (line[i] == ':') {
        colon = i;
        break;
      }
    }
    if (colon <= 0) {
      throw new ProtocolException("header line without a name");
    }
    int valueStart = colon + 1;
    while (valueStart < length && (line[valueStart] == ' ' || line[valueStart] == '\t')) {
      valueStart++;
    }
    if (nameIs(CONTENT_LENGTH, colon)) {
      contentLength = parseDecimal(valueStart, length);
    } else if (nameIs(NEXT_OFFSET, colon)) {
      nextOffset = parseDecimal(valueStart, length);
    } else if (nameIs(TRANSFER_ENCODING, colon)) {
      chunked = endsWithIgnoreCase(CHUNKED, valueStart, length);
    }
  }

  private void complete() {
    state = STATUS;
    listener.onResponse(status, bodyLines, nextOffset);
  }

  private boolean nameIs(final byte[] lowerName, final int nameLength) {
    if (nameLength != lowerName.length) {
      return false;
    }
    for (int i = 0; i < nameLength; i++) {
      if ((line[i] | 0x20) != lowerName[i] && line[i] != lowerName[i]) {
        return false;
      }
    }
    return true;
  }

  private boolean endsWithIgnoreCase(final byte[] lower, final int from, final int to) {
    int end = to;
    while (end > from && (line[end - 1] == ' ' || line[end - 1] == '\t')) {
      end--;
    }
    if (end - from < lower.length) {
      return false;
    }
    for (int i = 0; i < lower.length; i++) {
      if ((line[end - lower.length + i] | 0x20) != lower[i]) {
        return false;
      }
    }
    return true;
  }

  private long parseDecimal(final int from, final int to) {
    long v = 0;
    int i = from;
    for (; i < to && line[i] >= '0' && line[i] <= '9'; i++) {
      v = v * 10 + (line[i] - '0');
      if (v < 0) {
        throw new ProtocolException("number overflows");
      }
    }
    if (i == from) {
      throw new ProtocolException("expected a number");
    }
    return v;
  }

  private long parseHex(final int length) {
    long v = 0;
    int i = 0;
    for (; i < length; i++) {
      final int d = Character.digit(line[i], 16);
      if (d < 0) {
        break; // chunk extensions after ';' are ignored
      }
      v = (v << 4) | d;
      if (v < 0 || i > 15) {
        throw new ProtocolException("chunk size overflows");
      }
    }
    if (i == 0) {
      throw new ProtocolException("bad chunk size");
    }
    return v;
  }

  private static int digit(final byte b) {
    if (b < '0' || b > '9') {
      throw new ProtocolException("bad status code");
    }
    return b - '0';
  }

  static byte[] ascii(final String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  }
}
