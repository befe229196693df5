package io.stele.engine.internal;

import io.stele.engine.format.BatchDescriptor;
import io.stele.engine.format.RecordCodec;
import io.stele.engine.log.Segment;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32C;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Offline verification of a data directory (read-only; never modifies a file): every batch's CRC
 * and structure, log-index continuity, per-partition offset continuity, the checkpoints and every
 * index entry in them. Exit codes: 0 healthy (a torn tail after the durable point is reported but
 * is what recovery truncates), 1 damaged checkpoint or index (recovery rebuilds it), 2 corrupt log
 * (recovery refuses to start).
 */
public final class LogChecker {
  public static final int OK = 0;
  public static final int DAMAGED_INDEX = 1;
  public static final int CORRUPT = 2;

  private LogChecker() {}

  public static int check(final Path dataDir, final PrintStream out) {
    if (!Files.isDirectory(dataDir)) {
      out.println("error: " + dataDir + " is not a directory");
      return CORRUPT;
    }
    int worst = OK;
    int shards = 0;
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dataDir, "shard-*")) {
      for (final Path shard : new java.util.TreeSet<>(toList(ds))) {
        shards++;
        worst = Math.max(worst, checkShard(shard, out));
      }
    } catch (final IOException e) {
      out.println("error: " + e);
      return CORRUPT;
    }
    if (shards == 0) {
      out.println("no shards in " + dataDir + " (empty data directory)");
    }
    out.println(
        worst == OK
            ? "result: OK"
            : worst == DAMAGED_INDEX
                ? "result: DAMAGED (checkpoint or index; recovery rebuilds it)"
                : "result: CORRUPT (recovery refuses to start)");
    return worst;
  }

  private static java.util.List<Path> toList(final DirectoryStream<Path> ds) {
    final java.util.List<Path> l = new java.util.ArrayList<>();
    ds.forEach(l::add);
    return l;
  }

  private static int checkShard(final Path shard, final PrintStream out) throws IOException {
    out.println("shard " + shard);
    int result = OK;
    final TreeMap<Long, Path> files = new TreeMap<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(shard)) {
      for (final Path p : ds) {
        final long base = Recovery.baseOf(p.getFileName().toString());
        if (base >= 0) {
          files.put(base, p);
        }
      }
    }
    if (files.isEmpty()) {
      out.println("  no segments");
      return OK;
    }
    final long segmentBytes = Files.size(files.firstEntry().getValue());
    final StringBuilder problems = new StringBuilder();
    final ShardState.Restored ckpt = Checkpoints.readLatest(shard, 4096, problems);
    if (problems.length() > 0) {
      out.print("  damaged checkpoint: " + problems);
      result = DAMAGED_INDEX;
    }
    final long mark = DurableMark.read(shard);
    final long durable = Math.max(mark, ckpt == null ? 0 : ckpt.position());
    out.println(
        "  segments "
            + files.size()
            + " of "
            + segmentBytes
            + " bytes; durable mark "
            + mark
            + "; checkpoint "
            + (ckpt == null ? "none" : "at " + ckpt.position()));

    final CRC32C crc = new CRC32C();
    final RecordCodec.Cursor cursor = new RecordCodec.Cursor();
    final Map<Long, Long> nextOffsets = new HashMap<>();
    final Map<Long, Long> batchAt = new HashMap<>();
    long expectedIndex = files.firstKey() == 0 ? 1 : -1;
    long batches = 0;
    long records = 0;
    long end = files.firstKey();
    long expectedBase = files.firstKey();
    boolean stopped = false;
    for (final Map.Entry<Long, Path> e : files.entrySet()) {
      if (e.getKey() != expectedBase) {
        out.println("  CORRUPT: missing segment before " + e.getValue());
        return CORRUPT;
      }
      expectedBase = e.getKey() + segmentBytes;
      if (Files.size(e.getValue()) != segmentBytes) {
        out.println("  CORRUPT: " + e.getValue() + " has the wrong size");
        return CORRUPT;
      }
      if (stopped) {
        continue;
      }
      final boolean sealed = e.getValue().toString().endsWith(Segment.SEALED_SUFFIX);
      final ByteBuffer bytes = ByteBuffer.allocateDirect((int) segmentBytes);
      try (FileChannel ch = FileChannel.open(e.getValue(), StandardOpenOption.READ)) {
        while (bytes.hasRemaining() && ch.read(bytes, bytes.position()) >= 0) {
          // read fully
        }
      }
      bytes.clear();
      final UnsafeBuffer b = new UnsafeBuffer(bytes);
      int o = 0;
      while (o < segmentBytes) {
        final long position = e.getKey() + o;
        final int r = BatchDescriptor.validate(b, bytes, o, (int) segmentBytes - o, crc);
        if (r == BatchDescriptor.END) {
          if (!sealed) {
            final int dirty = Recovery.lastNonZero(b, o, (int) segmentBytes);
            if (position < durable) {
              out.println(
                  "  CORRUPT: log ends at " + position + " before the durable position " + durable);
              return CORRUPT;
            }
            if (dirty > o) {
              out.println(
                  "  torn tail: "
                      + (dirty - o)
                      + " non-zero bytes after the last batch at "
                      + position
                      + " (recovery zeroes them)");
            }
            stopped = true;
          }
          break;
        }
        String why = null;
        if (r == BatchDescriptor.INVALID) {
          why = "fails its CRC or structure check";
        } else {
          final long li = BatchDescriptor.logIndex(b, o);
          if (expectedIndex >= 0 && li != expectedIndex) {
            why = "has log index " + li + ", expected " + expectedIndex;
          }
        }
        if (why != null) {
          if (sealed || position < durable) {
            out.println(
                "  CORRUPT: batch at position "
                    + position
                    + " ("
                    + e.getValue().getFileName()
                    + " offset "
                    + o
                    + ") "
                    + why
                    + ", before the durable position");
            return CORRUPT;
          }
          out.println(
              "  torn tail at position " + position + " (" + why + "); recovery truncates it");
          stopped = true;
          break;
        }
        expectedIndex = BatchDescriptor.logIndex(b, o) + 1;
        batches++;
        if (BatchDescriptor.type(b, o) == BatchDescriptor.TYPE_DATA) {
          final long key =
              ((long) BatchDescriptor.topicId(b, o) << 32)
                  | (BatchDescriptor.partition(b, o) & 0xFFFFFFFFL);
          final long base = BatchDescriptor.baseOffset(b, o);
          final Long next = nextOffsets.get(key);
          if (next != null && next != base) {
            out.println(
                "  CORRUPT: batch at "
                    + position
                    + " has base offset "
                    + base
                    + ", expected "
                    + next);
            return CORRUPT;
          }
          final int count = BatchDescriptor.recordCount(b, o);
          nextOffsets.put(key, base + count);
          batchAt.put(position, key ^ (base * 31));
          cursor.wrapBatch(b, o);
          int seen = 0;
          while (cursor.next()) {
            seen++;
          }
          if (cursor.isMalformed() || seen != count) {
            out.println("  CORRUPT: records of the batch at " + position + " are malformed");
            return CORRUPT;
          }
          records += count;
        }
        o += BatchDescriptor.alignedLength(r);
        end = e.getKey() + o;
      }
    }
    out.println("  batches " + batches + ", records " + records + ", end position " + end);
    if (ckpt != null) {
      int bad = 0;
      int entries = 0;
      for (final TopicState t : ckpt.state().topicsByName.values()) {
        for (final PartitionState p : t.partitions) {
          final long key = ((long) t.id << 32) | (p.partition & 0xFFFFFFFFL);
          for (long i = p.index.first(); i < p.index.count(); i++) {
            entries++;
            final long pos = p.index.positionAt(i);
            final Long at = batchAt.get(pos);
            if (pos >= files.firstKey()
                && (at == null || at != (key ^ (p.index.offsetAt(i) * 31)))) {
              if (bad++ < 5) {
                out.println(
                    "  index entry of "
                        + t.name
                        + "/"
                        + p.partition
                        + " (offset "
                        + p.index.offsetAt(i)
                        + " -> position "
                        + pos
                        + ") does not point at that batch");
              }
            }
          }
        }
      }
      out.println("  checkpoint index entries " + entries + ", bad " + bad);
      if (bad > 0) {
        result = Math.max(result, DAMAGED_INDEX);
      }
    }
    return result;
  }
}
