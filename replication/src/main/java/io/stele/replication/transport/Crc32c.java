package io.stele.replication.transport;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/** CRC32C over {@link ByteBuf} regions without copying. One instance per thread; not shared. */
final class Crc32c {
  private final CRC32C crc = new CRC32C();

  void reset() {
    crc.reset();
  }

  void update(final ByteBuf buf, final int index, final int length) {
    if (length == 0) {
      return;
    }
    if (buf.nioBufferCount() == 1) {
      crc.update(buf.nioBuffer(index, length));
    } else {
      for (final ByteBuffer b : buf.nioBuffers(index, length)) {
        crc.update(b);
      }
    }
  }

  int value() {
    return (int) crc.getValue();
  }

  /**
   * Computes the frame checksum of a contiguous frame: bytes [0, 4) and [8, length).
   *
   * @param frame buffer whose reader index is the frame start
   * @param start frame start
   * @param length frame length
   * @return the checksum
   */
  int frameChecksum(final ByteBuf frame, final int start, final int length) {
    reset();
    update(frame, start + FrameDescriptor.LENGTH_OFFSET, 4);
    update(frame, start + FrameDescriptor.VERSION_OFFSET, length - FrameDescriptor.VERSION_OFFSET);
    return value();
  }
}
