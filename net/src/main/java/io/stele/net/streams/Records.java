package io.stele.net.streams;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * How stream content maps onto records. A data record has no key and the message bytes as its value
 * (one record per POST body, or per JSON message). A close marker has the one-byte key {@code 0x01}
 * and an empty value; it is the last record of a closed stream and occupies one offset, so closing
 * is recorded in the log atomically with any final append and with the producer's (epoch, seq).
 */
final class Records {
  static final byte CLOSE_MARKER_KEY = 0x01;

  /** The marker key; read-only, shared by every thread (the engine copies it). */
  static final UnsafeBuffer MARKER = new UnsafeBuffer(new byte[] {CLOSE_MARKER_KEY});

  private Records() {}

  static boolean isCloseMarker(
      final DirectBuffer buffer, final int keyOffset, final int keyLength) {
    return keyLength == 1 && buffer.getByte(keyOffset) == CLOSE_MARKER_KEY;
  }
}
