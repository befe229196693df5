package io.stele.engine.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.stele.engine.AppendRequest;
import io.stele.engine.AppendStatus;
import io.stele.engine.Completions;
import io.stele.engine.Durability;
import io.stele.engine.EngineFixture;
import io.stele.engine.Engines;
import io.stele.engine.log.Segment;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cache window: flushed bytes more than {@code cacheWindowBytes} behind the durable position
 * leave the page cache, the window itself stays, and every record still reads back (from the
 * device). Page residency is read with {@code mincore(2)} through {@link
 * MappedByteBuffer#isLoaded()} on one-page slices of a fresh map of each segment (mapping faults
 * nothing in). The control with the window off proves the same pages are otherwise resident, so a
 * pass cannot come from pages the kernel never kept.
 */
class CacheWindowTest {
  private static final int SEGMENT = 4 << 20;

  /** Larger than the drop step, so that dropping into the window shows in the residency check. */
  private static final long WINDOW = 16 << 20;

  private static final long FILL =
      3 * SEGMENT + (SEGMENT >> 1) + Housekeeper.DROP_STEP_BYTES + WINDOW;
  private static final int PAGE = 4096;
  private static final int PER_APPEND = 32;

  @TempDir Path dir;

  @BeforeEach
  void onAFileSystemWithAPageCache() throws Exception {
    // tmpfs pages are the file itself: the kernel ignores the advice there, by design
    assumeFalse(
        "tmpfs".equals(Files.getFileStore(dir).type()),
        "the temporary directory is on tmpfs, whose pages cannot be dropped");
  }

  @Test
  void shouldDropFlushedBytesBehindTheWindowAndStillReadThem() throws Exception {
    try (StorageEngine e = open(WINDOW)) {
      EngineFixture.create(e, "t", 1);
      // A reader maps the first segment and faults its pages in before the window passes them:
      // they must leave this process's map too, or the kernel keeps them.
      long n = fill(e, 0, SEGMENT / 2);
      readBack(e, n);
      n += fill(e, n, FILL);
      final long durable = e.log.durablePosition.get();
      final long dropTo = awaitDropped(e, durable - WINDOW - Housekeeper.DROP_STEP_BYTES);
      assertTrue(dropTo <= durable - WINDOW, "dropped to " + dropTo + " inside the window");
      final long droppedEnd = dropTo / PAGE * PAGE;
      assertEquals(0, resident(e, 0, droppedEnd), "pages left in the cache before " + droppedEnd);
      final long windowFrom = (durable - WINDOW + PAGE - 1) / PAGE * PAGE;
      final long windowTo = durable / PAGE * PAGE;
      final long windowPages = (windowTo - windowFrom) / PAGE;
      final long kept = resident(e, windowFrom, windowTo);
      assertTrue(
          kept >= windowPages * 9 / 10, kept + " of the window's " + windowPages + " pages cached");
      readBack(e, n); // from the device: the pages were dropped
    }
  }

  @Test
  void shouldDropAgainAfterATruncationMovedTheLogBack() throws Exception {
    try (StorageEngine e = open(WINDOW)) {
      EngineFixture.create(e, "t", 1);
      fill(e, 0, FILL);
      final long before = awaitDropped(e, FILL - WINDOW - Housekeeper.DROP_STEP_BYTES);
      // Cut the log back to a quarter: below what was dropped. The bytes written after the cut
      // must leave the cache as the log grows again.
      e.truncateAfter(e.lastLogIndex() / 4).get(30, java.util.concurrent.TimeUnit.SECONDS);
      final long cut = e.log.durablePosition.get();
      assertTrue(cut < before, "cut at " + cut + ", dropped to " + before);
      final long kept = e.describeTopic("t").partitions().get(0).endOffset();
      final long n = kept + fill(e, kept, FILL);
      final long durable = e.log.durablePosition.get();
      final long dropTo = awaitDropped(e, durable - WINDOW - Housekeeper.DROP_STEP_BYTES);
      assertTrue(dropTo <= durable - WINDOW, "dropped to " + dropTo + " inside the window");
      final long droppedEnd = dropTo / PAGE * PAGE;
      assertEquals(0, resident(e, 0, droppedEnd), "pages left in the cache before " + droppedEnd);
      readBack(e, n);
    }
  }

  @Test
  void controlShouldKeepThePagesWithTheWindowOff() throws Exception {
    try (StorageEngine e = open(-1)) {
      EngineFixture.create(e, "t", 1);
      long n = fill(e, 0, SEGMENT / 2);
      readBack(e, n);
      n += fill(e, n, FILL);
      final long durable = e.log.durablePosition.get();
      Thread.sleep(200); // time for a housekeeper that would drop
      assertEquals(0, e.housekeeper.droppedTo);
      final long end = (durable - WINDOW - Housekeeper.DROP_STEP_BYTES) / PAGE * PAGE;
      final long pages = end / PAGE;
      final long kept = resident(e, 0, end);
      assertTrue(kept >= pages * 9 / 10, kept + " of " + pages + " pages cached with no window");
      readBack(e, n);
    }
  }

  private StorageEngine open(final long window) throws Exception {
    return (StorageEngine)
        Engines.open(
            EngineFixture.small(dir)
                .segmentBytes(SEGMENT)
                .cacheWindowBytes(window)
                .checkpointIntervalBytes(1L << 40)
                .build());
  }

  private static String value(final long offset) {
    final String head = offset + ":";
    return head + "v".repeat(1000 - head.length());
  }

  /** Appends at {@code local} durability until the log passes {@code position}: the count. */
  private static long fill(final StorageEngine e, final long first, final long position)
      throws Exception {
    final String[] values = new String[PER_APPEND];
    final AppendRequest r = new AppendRequest(PER_APPEND);
    final Completions c = new Completions();
    long n = 0;
    while (e.log.appendPosition.get() < position) {
      for (int i = 0; i < PER_APPEND; i++) {
        values[i] = value(first + n + i);
      }
      assertEquals(
          AppendStatus.ACCEPTED,
          EngineFixture.append(e, r, c, "t", 0, Durability.LOCAL, n, values));
      final Completions.Done d = c.next();
      assertEquals(AppendStatus.OK, d.status());
      assertEquals(first + n, d.baseOffset());
      n += PER_APPEND;
    }
    return n;
  }

  private static void readBack(final StorageEngine e, final long count) {
    EngineFixture.assertReadsBack(e, "t", 0, count, CacheWindowTest::value);
  }

  private static long awaitDropped(final StorageEngine e, final long atLeast) throws Exception {
    final long deadline = System.nanoTime() + 30_000_000_000L;
    while (e.housekeeper.droppedTo < atLeast) {
      assertTrue(
          System.nanoTime() < deadline,
          "dropped to " + e.housekeeper.droppedTo + ", expected " + atLeast);
      Thread.sleep(5);
    }
    return e.housekeeper.droppedTo;
  }

  /** Pages of log positions {@code [from, to)} (page-aligned) in the page cache. */
  private static long resident(final StorageEngine e, final long from, final long to)
      throws Exception {
    long count = 0;
    long at = from;
    while (at < to) {
      final Segment s = e.log.segmentFor(at);
      assertTrue(s != null, "no segment at " + at);
      final long end = Math.min(to, s.endPosition());
      try (FileChannel ch = FileChannel.open(s.path(), StandardOpenOption.READ)) {
        final MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_ONLY, 0, s.lengthBytes());
        for (long p = at; p < end; p += PAGE) {
          if (map.slice((int) (p - s.basePosition()), PAGE).isLoaded()) {
            count++;
          }
        }
      }
      at = end;
    }
    return count;
  }
}
