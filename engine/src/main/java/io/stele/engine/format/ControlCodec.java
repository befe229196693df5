package io.stele.engine.format;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.agrona.DirectBuffer;

/**
 * Bodies of control batches (topic metadata and consumer-group offsets), carried in the records
 * section of a batch of type {@link BatchDescriptor#TYPE_CONTROL}. The batch header's topic id
 * names the topic; its partition names the partition for {@link #OP_COMMIT_OFFSET}. Strings are an
 * int32 length and UTF-8 bytes; all integers little-endian.
 *
 * <pre>
 *  CREATE_TOPIC       op=1 | name | partitions int32 | retentionMs int64 | retentionBytes int64
 *                          | attributeCount int32 | (key, value)*
 *  UPDATE_ATTRIBUTES  op=2 | attributeCount int32 | (key, value)*
 *  DELETE_TOPIC       op=3
 *  COMMIT_OFFSET      op=4 | offset int64 | group
 * </pre>
 */
public final class ControlCodec {
  public static final byte OP_CREATE_TOPIC = 1;
  public static final byte OP_UPDATE_ATTRIBUTES = 2;
  public static final byte OP_DELETE_TOPIC = 3;
  public static final byte OP_COMMIT_OFFSET = 4;

  private ControlCodec() {}

  /** A decoded control body. Fields not used by the op are zero or null. */
  public record Control(
      byte op,
      String name,
      int partitions,
      long retentionMs,
      long retentionBytes,
      Map<String, String> attributes,
      long offset,
      String group) {}

  public static byte[] createTopic(
      final String name,
      final int partitions,
      final long retentionMs,
      final long retentionBytes,
      final Map<String, String> attributes) {
    final Writer w = new Writer();
    w.b(OP_CREATE_TOPIC).s(name).i(partitions).l(retentionMs).l(retentionBytes).attrs(attributes);
    return w.bytes();
  }

  public static byte[] updateAttributes(final Map<String, String> attributes) {
    final Writer w = new Writer();
    w.b(OP_UPDATE_ATTRIBUTES).attrs(attributes);
    return w.bytes();
  }

  public static byte[] deleteTopic() {
    return new Writer().b(OP_DELETE_TOPIC).bytes();
  }

  public static byte[] commitOffset(final long offset, final String group) {
    return new Writer().b(OP_COMMIT_OFFSET).l(offset).s(group).bytes();
  }

  /**
   * Decodes a control body; returns null if malformed.
   *
   * @param b buffer
   * @param o offset of the body
   * @param length body length
   */
  public static Control decode(final DirectBuffer b, final int o, final int length) {
    final byte[] bytes = new byte[length];
    b.getBytes(o, bytes);
    final ByteBuffer r = ByteBuffer.wrap(bytes).order(BatchDescriptor.BYTE_ORDER);
    try {
      final byte op = r.get();
      switch (op) {
        case OP_CREATE_TOPIC -> {
          final String name = str(r);
          final int partitions = r.getInt();
          final long retentionMs = r.getLong();
          final long retentionBytes = r.getLong();
          return new Control(op, name, partitions, retentionMs, retentionBytes, attrs(r), 0, null);
        }
        case OP_UPDATE_ATTRIBUTES -> {
          return new Control(op, null, 0, 0, 0, attrs(r), 0, null);
        }
        case OP_DELETE_TOPIC -> {
          return new Control(op, null, 0, 0, 0, Map.of(), 0, null);
        }
        case OP_COMMIT_OFFSET -> {
          final long offset = r.getLong();
          return new Control(op, null, 0, 0, 0, Map.of(), offset, str(r));
        }
        default -> {
          return null;
        }
      }
    } catch (final RuntimeException e) {
      return null;
    }
  }

  private static Map<String, String> attrs(final ByteBuffer r) {
    final int n = r.getInt();
    if (n < 0 || n > r.remaining()) {
      throw new IllegalArgumentException("attribute count");
    }
    final Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      m.put(str(r), str(r));
    }
    return m;
  }

  private static String str(final ByteBuffer r) {
    final int n = r.getInt();
    if (n < 0 || n > r.remaining()) {
      throw new IllegalArgumentException("string length");
    }
    final byte[] s = new byte[n];
    r.get(s);
    return new String(s, StandardCharsets.UTF_8);
  }

  private static final class Writer {
    private ByteBuffer buf = ByteBuffer.allocate(256).order(BatchDescriptor.BYTE_ORDER);

    private void ensure(final int n) {
      if (buf.remaining() < n) {
        final ByteBuffer bigger =
            ByteBuffer.allocate(Math.max(buf.capacity() * 2, buf.position() + n))
                .order(BatchDescriptor.BYTE_ORDER);
        buf.flip();
        bigger.put(buf);
        buf = bigger;
      }
    }

    Writer b(final byte v) {
      ensure(1);
      buf.put(v);
      return this;
    }

    Writer i(final int v) {
      ensure(4);
      buf.putInt(v);
      return this;
    }

    Writer l(final long v) {
      ensure(8);
      buf.putLong(v);
      return this;
    }

    Writer s(final String v) {
      final byte[] bytes = v.getBytes(StandardCharsets.UTF_8);
      ensure(4 + bytes.length);
      buf.putInt(bytes.length);
      buf.put(bytes);
      return this;
    }

    Writer attrs(final Map<String, String> attributes) {
      final Map<String, String> sorted = new TreeMap<>(attributes);
      i(sorted.size());
      for (final Map.Entry<String, String> e : sorted.entrySet()) {
        s(e.getKey()).s(e.getValue());
      }
      return this;
    }

    byte[] bytes() {
      final byte[] out = new byte[buf.position()];
      buf.flip();
      buf.get(out);
      return out;
    }
  }
}
