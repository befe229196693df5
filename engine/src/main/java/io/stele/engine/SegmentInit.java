package io.stele.engine;

/**
 * How a new segment file gets its space before the writer reaches it. Either way the file has its
 * full size and its blocks before any acknowledged record depends on them (never a sparse file: a
 * full disk surfaces when the segment is made, not in the middle of an append), and reads as zeros
 * past the last record, which recovery relies on.
 */
public enum SegmentInit {
  /**
   * Write real zero bytes (the default). A flush then only writes data: the file system has no
   * newly used space to record, so each {@code fdatasync} is as cheap as it gets: best for small
   * records and for durable appends under load (many appends per flush). The device carries every
   * byte of the log twice (zeros once per segment, then the records) and the zeros pass through the
   * page cache.
   */
  ZEROS,
  /**
   * Reserve the blocks ({@code fallocate}, 64-bit Linux on x86-64 and aarch64) and read the new
   * file once ahead of the writer so its pages are in memory, writing nothing. Measured faster for
   * large records appended at {@code memory} and for a lone producer waiting for each flush; slower
   * for small records and for many producers sharing flushes, because each flush also records which
   * reserved blocks now hold data (docs/benchmarks.md, "Segment init"). Falls back to {@link
   * #ZEROS}, with a warning, where the system or file system cannot reserve blocks.
   */
  ALLOCATE
}
