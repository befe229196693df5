package io.stele.perf;

import io.netty.buffer.ByteBuf;

/**
 * An incremental parser of Redis RESP2 replies to single commands ({@code +OK}, {@code -ERR ...},
 * {@code :n}, {@code $len} bulk strings): enough for XADD. A success is reported as status 200, an
 * error reply as 500. Arrays are not supported (the generator sends no command that returns one).
 */
final class RespReplyParser implements ResponseParser {
  private static final int TYPE = 0;
  private static final int LINE = 1;
  private static final int BULK = 2;

  private final ResponseListener listener;
  private int state = TYPE;
  private byte type;
  private long bulkValue;
  private boolean negative;
  private long remaining;

  RespReplyParser(final ResponseListener listener) {
    this.listener = listener;
  }

  @Override
  public void feed(final ByteBuf in) {
    while (in.isReadable()) {
      switch (state) {
        case TYPE:
          type = in.readByte();
          if (type != '+' && type != '-' && type != ':' && type != '$') {
            throw new ProtocolException("unsupported RESP type " + (char) type);
          }
          bulkValue = 0;
          negative = false;
          state = LINE;
          break;
        case LINE:
          final byte b = in.readByte();
          if (b == '\n') {
            endOfLine();
          } else if (type == '$') {
            if (b == '-') {
              negative = true;
            } else if (b >= '0' && b <= '9') {
              bulkValue = bulkValue * 10 + (b - '0');
            }
          }
          break;
        case BULK:
          final int n = (int) Math.min(remaining, in.readableBytes());
          in.skipBytes(n);
          remaining -= n;
          if (remaining == 0) {
            state = TYPE;
            listener.onResponse(200, 0, -1);
          }
          break;
        default:
          throw new IllegalStateException();
      }
    }
  }

  private void endOfLine() {
    if (type == '$' && !negative) {
      remaining = bulkValue + 2; // the value and its CRLF
      state = BULK;
      return;
    }
    state = TYPE;
    listener.onResponse(type == '-' ? 500 : 200, 0, -1);
  }
}
