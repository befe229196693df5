package io.stele.engine.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * The {@code durable.mark} file: a recent durable position of the shard, so recovery can tell a
 * torn tail (after it, truncated) from corruption (before it, refused). 16 bytes, rewritten in
 * place by one positional write and a force:
 *
 * <pre>
 *  0  durable position   int64
 *  8  CRC32C of bytes 0..7  int32
 *  12 magic 0x4D41524B ("MARK")  int32
 * </pre>
 *
 * Written only by the housekeeping thread (and by truncation on the writer thread while the
 * housekeeping thread is told to hold off).
 */
final class DurableMark implements AutoCloseable {
  static final String FILE = "durable.mark";
  private static final int MAGIC = 0x4D41524B;

  private final FileChannel channel;
  private final ByteBuffer buf = ByteBuffer.allocateDirect(16).order(ByteOrder.LITTLE_ENDIAN);
  private final CRC32C crc = new CRC32C();

  DurableMark(final Path dir) throws IOException {
    final Path file = dir.resolve(FILE);
    final boolean created = !Files.exists(file);
    channel =
        FileChannel.open(
            file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    if (created) {
      write(0);
      io.stele.engine.log.Segment.syncDirectory(dir);
    }
  }

  /** Reads the mark of a shard directory; 0 if missing or invalid. */
  static long read(final Path dir) throws IOException {
    final Path file = dir.resolve(FILE);
    if (!Files.exists(file)) {
      return 0;
    }
    final byte[] b = Files.readAllBytes(file);
    if (b.length < 16) {
      return 0;
    }
    final ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    final long position = bb.getLong(0);
    final CRC32C c = new CRC32C();
    c.update(b, 0, 8);
    if (bb.getInt(8) != (int) c.getValue() || bb.getInt(12) != MAGIC) {
      return 0;
    }
    return position;
  }

  void write(final long position) throws IOException {
    buf.clear();
    buf.putLong(0, position);
    crc.reset();
    buf.limit(8);
    crc.update(buf);
    buf.clear();
    buf.putInt(8, (int) crc.getValue());
    buf.putInt(12, MAGIC);
    buf.position(0).limit(16);
    long at = 0;
    while (buf.hasRemaining()) {
      at += channel.write(buf, at);
    }
    channel.force(true);
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
