package io.stele.engine.format;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32C;
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
 *  RAFT               op=5 | kind int8 (0 no-op, 1 configuration) | payloadLength int32 | payload
 * </pre>
 *
 * <p>RAFT bodies are the Raft entries that are not record batches (a new leader's no-op, a
 * membership change), so that every Raft index is a batch of the shard log. The engine applies them
 * as no-ops; the payload is opaque to it.
 */
public final class ControlCodec {
  public static final byte OP_CREATE_TOPIC = 1;
  public static final byte OP_UPDATE_ATTRIBUTES = 2;
  public static final byte OP_DELETE_TOPIC = 3;
  public static final byte OP_COMMIT_OFFSET = 4;
  public static final byte OP_RAFT = 5;
  public static final byte RAFT_NOOP = 0;
  public static final byte RAFT_CONFIG = 1;

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

  public static byte[] raft(final byte kind, final byte[] payload) {
    final Writer w = new Writer();
    w.b(OP_RAFT).b(kind).i(payload.length);
    w.ensure(payload.length);
    w.buf.put(payload);
    return w.bytes();
  }

  /**
   * Encodes a whole RAFT control batch: log index, term, no topic, zero timestamps, so every
   * replica encodes the same entry to the same bytes.
   *
   * @return the batch, padded to its aligned length
   */
  public static byte[] raftBatch(
      final long logIndex, final long term, final byte kind, final byte[] payload) {
    final byte[] body = raft(kind, payload);
    final int length = BatchDescriptor.HEADER_LENGTH + body.length;
    final byte[] out = new byte[BatchDescriptor.alignedLength(length)];
    final org.agrona.concurrent.UnsafeBuffer b = new org.agrona.concurrent.UnsafeBuffer(out);
    BatchDescriptor.putHeader(
        b,
        0,
        BatchDescriptor.TYPE_CONTROL,
        0,
        logIndex,
        term,
        -1,
        -1,
        0,
        0,
        0,
        -1,
        -1,
        0,
        0,
        body.length);
    b.putBytes(BatchDescriptor.HEADER_LENGTH, body);
    BatchDescriptor.seal(
        b, ByteBuffer.wrap(out).order(BatchDescriptor.BYTE_ORDER), 0, length, new CRC32C());
    return out;
  }

  /**
   * Returns the kind of a RAFT body, or -1 if the body is not one.
   *
   * @param b buffer
   * @param o offset of the body
   * @param length body length
   */
  public static byte raftKind(final DirectBuffer b, final int o, final int length) {
    return length >= 6 && b.getByte(o) == OP_RAFT ? b.getByte(o + 1) : -1;
  }

  /**
   * Returns the payload of a RAFT body (caller checked {@link #raftKind}).
   *
   * @param b buffer
   * @param o offset of the body
   */
  public static byte[] raftPayload(final DirectBuffer b, final int o) {
    final int n = b.getInt(o + 2, BatchDescriptor.BYTE_ORDER);
    final byte[] out = new byte[n];
    b.getBytes(o + 6, out);
    return out;
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
        case OP_RAFT -> {
          final byte kind = r.get();
          final int n = r.getInt();
          if ((kind != RAFT_NOOP && kind != RAFT_CONFIG) || n < 0 || n != r.remaining()) {
            return null;
          }
          return new Control(op, null, kind, 0, 0, Map.of(), 0, null);
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
