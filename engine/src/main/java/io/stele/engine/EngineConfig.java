package io.stele.engine;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Configuration of an engine, validated once by {@link #validate()} (called by {@link
 * Engines#open}). Build with {@link #builder(Path)}; every field has a default.
 *
 * @param dataDir the data directory; shards live in {@code dataDir/shard-N}
 * @param shards number of shard logs, each with its own writer, flush and threads; a partition
 *     belongs to one shard (by topic name and partition number), so a data directory opens only
 *     with the count it was created with; replication ({@link Engines#open}) runs over one shard
 * @param segmentBytes size of each preallocated segment file (bytes, multiple of 4096, at least 64
 *     KiB); fixed when a shard is created: an existing shard keeps its segment size
 * @param segmentInit how a new segment file gets its space ({@link SegmentInit}); may change
 *     between starts (it applies to segments made from then on)
 * @param cacheWindowBytes flushed bytes of each shard log kept in the page cache behind its durable
 *     position; older flushed bytes are dropped from it, so the log's cache stays this size and new
 *     segments reuse the memory freed instead of growing it (readers of older bytes read the file
 *     from the device); -1 leaves every page to the kernel
 * @param ingressRingBytes capacity of the bounded multi-producer ingress ring (bytes, power of
 *     two); a full ring is {@link AppendStatus#BACKPRESSURE}
 * @param maxBatchBytes largest encoded records section of one append (bytes); larger is {@link
 *     AppendStatus#TOO_LARGE}; must be at most {@code ingressRingBytes / 8 - 4096}
 * @param writeBufferBytes the writer's direct staging buffer; one positional write per drain cycle
 *     carries at most this many bytes (must exceed {@code maxBatchBytes} plus headers)
 * @param pendingCapacity appends written but not yet completed (power of two); when full, the
 *     writer stops draining the ring until flushes complete some
 * @param indexIntervalBytes a partition's sparse index gets an entry every this many bytes of the
 *     partition's batches
 * @param checkpointIntervalBytes log bytes between checkpoints (state + indexes); recovery scans at
 *     most about this much (plus the rest of a segment)
 * @param durableMarkIntervalMs how often the durable position is recorded for recovery's
 *     corruption-versus-torn-tail decision (milliseconds)
 * @param retentionCheckIntervalMs how often retention is applied (milliseconds)
 * @param maxStringBytes longest producer id or stream-sequence token (UTF-8 bytes)
 * @param quorumIsLocal true on a single node: a {@link Durability#QUORUM} request is complete, and
 *     reported as QUORUM, once it is locally flushed (on one node a majority is that node)
 * @param idleSpins busy spins of an idle writer or sync thread before it yields ({@link
 *     WakeableIdle})
 * @param idleYields yields before it parks
 * @param idleMaxParkNs longest park (nanoseconds; parks start at 1 µs and double); a hand-off wakes
 *     the thread at once, so this bounds only a missed wake-up
 */
public record EngineConfig(
    Path dataDir,
    int shards,
    int segmentBytes,
    SegmentInit segmentInit,
    long cacheWindowBytes,
    int ingressRingBytes,
    int maxBatchBytes,
    int writeBufferBytes,
    int pendingCapacity,
    int indexIntervalBytes,
    long checkpointIntervalBytes,
    long durableMarkIntervalMs,
    long retentionCheckIntervalMs,
    int maxStringBytes,
    boolean quorumIsLocal,
    int idleSpins,
    int idleYields,
    long idleMaxParkNs) {

  public static final int MAX_SHARDS = 64;
  public static final int DEFAULT_SEGMENT_BYTES = 64 << 20;
  public static final long DEFAULT_CACHE_WINDOW_BYTES = 256L << 20;
  public static final int DEFAULT_INGRESS_RING_BYTES = 16 << 20;
  public static final int DEFAULT_MAX_BATCH_BYTES = 1 << 20;
  public static final int DEFAULT_WRITE_BUFFER_BYTES = 2 << 20;
  public static final int DEFAULT_PENDING_CAPACITY = 1 << 16;
  public static final int DEFAULT_INDEX_INTERVAL_BYTES = 4096;
  public static final long DEFAULT_CHECKPOINT_INTERVAL_BYTES = 16L << 20;
  public static final long DEFAULT_DURABLE_MARK_INTERVAL_MS = 1000;
  public static final long DEFAULT_RETENTION_CHECK_INTERVAL_MS = 5000;
  public static final int DEFAULT_MAX_STRING_BYTES = 1024;
  public static final int DEFAULT_IDLE_SPINS = 64;
  public static final int DEFAULT_IDLE_YIELDS = 8;
  public static final long DEFAULT_IDLE_MAX_PARK_NS = 2_000_000;

  public EngineConfig {
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(segmentInit, "segmentInit");
  }

  public static Builder builder(final Path dataDir) {
    return new Builder(dataDir);
  }

  /** Checks every constraint; throws {@link IllegalArgumentException} naming the bad field. */
  public EngineConfig validate() {
    require(shards >= 1 && shards <= MAX_SHARDS, "shards must be in [1, " + MAX_SHARDS + "]");
    require(
        segmentBytes >= 64 * 1024 && segmentBytes % 4096 == 0,
        "segmentBytes must be a multiple of 4096 and at least 65536");
    require(cacheWindowBytes >= -1, "cacheWindowBytes must be -1 (off) or at least 0");
    require(
        ingressRingBytes >= 64 * 1024 && Integer.bitCount(ingressRingBytes) == 1,
        "ingressRingBytes must be a power of two, at least 65536");
    require(
        maxBatchBytes > 0 && maxBatchBytes <= ingressRingBytes / 8 - 4096 - 2 * maxStringBytes,
        "maxBatchBytes must be positive and at most ingressRingBytes/8 - 4096 - 2*maxStringBytes");
    require(
        writeBufferBytes >= maxBatchBytes + 256 + 2 * maxStringBytes,
        "writeBufferBytes must be at least maxBatchBytes + 256 + 2*maxStringBytes");
    require(writeBufferBytes <= 8 << 20, "writeBufferBytes must be at most 8 MiB (8388608)");
    require(
        writeBufferBytes <= segmentBytes
            && maxBatchBytes + 256 + 2L * maxStringBytes <= segmentBytes,
        "segmentBytes must hold the write buffer and the largest batch");
    require(
        pendingCapacity >= 16 && Integer.bitCount(pendingCapacity) == 1,
        "pendingCapacity must be a power of two, at least 16");
    require(indexIntervalBytes > 0, "indexIntervalBytes must be positive");
    require(checkpointIntervalBytes > 0, "checkpointIntervalBytes must be positive");
    require(durableMarkIntervalMs > 0, "durableMarkIntervalMs must be positive");
    require(retentionCheckIntervalMs > 0, "retentionCheckIntervalMs must be positive");
    require(maxStringBytes > 0 && maxStringBytes <= 0xFFFF, "maxStringBytes must be in [1, 65535]");
    require(idleSpins >= 0 && idleYields >= 0, "idleSpins and idleYields must not be negative");
    require(
        idleMaxParkNs >= 1_000 && idleMaxParkNs <= 100_000_000,
        "idleMaxParkNs must be in [1 µs, 100 ms]");
    return this;
  }

  private static void require(final boolean ok, final String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }

  /** Mutable builder with the defaults above. */
  public static final class Builder {
    private final Path dataDir;
    private int shards = 1;
    private int segmentBytes = DEFAULT_SEGMENT_BYTES;
    private SegmentInit segmentInit = SegmentInit.ZEROS;
    private long cacheWindowBytes = DEFAULT_CACHE_WINDOW_BYTES;
    private int ingressRingBytes = DEFAULT_INGRESS_RING_BYTES;
    private int maxBatchBytes = DEFAULT_MAX_BATCH_BYTES;
    private int writeBufferBytes = DEFAULT_WRITE_BUFFER_BYTES;
    private int pendingCapacity = DEFAULT_PENDING_CAPACITY;
    private int indexIntervalBytes = DEFAULT_INDEX_INTERVAL_BYTES;
    private long checkpointIntervalBytes = DEFAULT_CHECKPOINT_INTERVAL_BYTES;
    private long durableMarkIntervalMs = DEFAULT_DURABLE_MARK_INTERVAL_MS;
    private long retentionCheckIntervalMs = DEFAULT_RETENTION_CHECK_INTERVAL_MS;
    private int maxStringBytes = DEFAULT_MAX_STRING_BYTES;
    private boolean quorumIsLocal = true;
    private int idleSpins = DEFAULT_IDLE_SPINS;
    private int idleYields = DEFAULT_IDLE_YIELDS;
    private long idleMaxParkNs = DEFAULT_IDLE_MAX_PARK_NS;

    private Builder(final Path dataDir) {
      this.dataDir = dataDir;
    }

    public Builder shards(final int v) {
      shards = v;
      return this;
    }

    public Builder segmentBytes(final int v) {
      segmentBytes = v;
      return this;
    }

    public Builder segmentInit(final SegmentInit v) {
      segmentInit = v;
      return this;
    }

    public Builder cacheWindowBytes(final long v) {
      cacheWindowBytes = v;
      return this;
    }

    public Builder ingressRingBytes(final int v) {
      ingressRingBytes = v;
      return this;
    }

    public Builder maxBatchBytes(final int v) {
      maxBatchBytes = v;
      return this;
    }

    public Builder writeBufferBytes(final int v) {
      writeBufferBytes = v;
      return this;
    }

    public Builder pendingCapacity(final int v) {
      pendingCapacity = v;
      return this;
    }

    public Builder indexIntervalBytes(final int v) {
      indexIntervalBytes = v;
      return this;
    }

    public Builder checkpointIntervalBytes(final long v) {
      checkpointIntervalBytes = v;
      return this;
    }

    public Builder durableMarkIntervalMs(final long v) {
      durableMarkIntervalMs = v;
      return this;
    }

    public Builder retentionCheckIntervalMs(final long v) {
      retentionCheckIntervalMs = v;
      return this;
    }

    public Builder maxStringBytes(final int v) {
      maxStringBytes = v;
      return this;
    }

    public Builder quorumIsLocal(final boolean v) {
      quorumIsLocal = v;
      return this;
    }

    /**
     * Sets how the writer and sync threads wait for work.
     *
     * @param spins busy spins before yielding
     * @param yields yields before parking
     * @param maxParkNs longest park
     * @return this
     */
    public Builder idle(final int spins, final int yields, final long maxParkNs) {
      this.idleSpins = spins;
      this.idleYields = yields;
      this.idleMaxParkNs = maxParkNs;
      return this;
    }

    public EngineConfig build() {
      return new EngineConfig(
              dataDir,
              shards,
              segmentBytes,
              segmentInit,
              cacheWindowBytes,
              ingressRingBytes,
              maxBatchBytes,
              writeBufferBytes,
              pendingCapacity,
              indexIntervalBytes,
              checkpointIntervalBytes,
              durableMarkIntervalMs,
              retentionCheckIntervalMs,
              maxStringBytes,
              quorumIsLocal,
              idleSpins,
              idleYields,
              idleMaxParkNs)
          .validate();
    }
  }
}
