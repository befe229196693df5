package io.stele.replication.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stele.engine.AppendListener;
import io.stele.engine.AppendRequest;
import io.stele.engine.AppendStatus;
import io.stele.engine.Durability;
import io.stele.engine.EngineConfig;
import io.stele.engine.Engines;
import io.stele.engine.LogEngine;
import io.stele.engine.TopicConfig;
import io.stele.engine.TopicStatus;
import io.stele.replication.raft.Role;
import io.stele.replication.transport.IoTransport;
import io.stele.replication.transport.LeakWatch;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three replicas over real engines and the real peer transport on loopback, in one JVM. */
class RaftNodeTest {
  private static final long CLUSTER = 77;
  private static final int NODES = 3;

  @TempDir Path dir;

  private final LogEngine[] engines = new LogEngine[NODES];
  private final Replica[] replicas = new Replica[NODES];
  private final Map<Integer, InetSocketAddress> peers = new HashMap<>();

  static {
    // keep almost nothing in the cores' memory: a follower that comes back must be served from
    // the leader's shard log (EngineLogStorage), not from memory
    System.setProperty("stele.raft.keep-entries", "10");
  }

  @BeforeAll
  static void watchLeaks() {
    LeakWatch.install();
  }

  @AfterEach
  void tearDown() throws Exception {
    for (int i = 0; i < NODES; i++) {
      stop(i);
    }
    LeakWatch.assertNoLeaks();
  }

  private void stop(final int i) throws Exception {
    if (replicas[i] != null) {
      replicas[i].close();
      replicas[i] = null;
    }
    if (engines[i] != null) {
      engines[i].close();
      engines[i] = null;
    }
  }

  private void start(final int i) throws Exception {
    start(i, false, false);
  }

  /**
   * Starts replica {@code i}; {@code join}: as a new incarnation waiting to be added; {@code
   * small}: small segments and checkpoints, retention every 10 ms (so retention deletes segments
   * soon).
   */
  private void start(final int i, final boolean join, final boolean small) throws Exception {
    final Path d = dir.resolve("n" + (i + 1));
    Files.createDirectories(d);
    final EngineConfig.Builder b =
        EngineConfig.builder(d)
            .segmentBytes(1 << 20)
            .ingressRingBytes(1 << 20)
            .maxBatchBytes(64 * 1024)
            .writeBufferBytes(256 * 1024)
            .pendingCapacity(4096)
            .quorumIsLocal(false);
    if (small) {
      // batches of a few large records, so retention (whole batches) keeps about its 256 KiB
      b.maxBatchBytes(8 * 1024)
          .segmentBytes(256 * 1024)
          .checkpointIntervalBytes(512 * 1024)
          .indexIntervalBytes(512)
          .retentionCheckIntervalMs(10)
          .durableMarkIntervalMs(10);
    }
    engines[i] = Engines.open(b.build());
    replicas[i] =
        Replica.start(
            new Replica.Settings(
                CLUSTER,
                i + 1,
                peers,
                peers.keySet(),
                join,
                Map.of(),
                d,
                IoTransport.select("auto"),
                10,
                small ? 100 : 30, // the bulk test writes more: no election while it does
                3),
            engines[i]);
  }

  private static void await(final String what, final BooleanSupplier condition) {
    final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out waiting for " + what);
      }
      LockSupport.parkNanos(2_000_000L);
    }
  }

  private int leader() {
    final int[] found = {-1};
    await(
        "one ready leader known to every running replica",
        () -> {
          int leaders = 0;
          int at = -1;
          for (int i = 0; i < NODES; i++) {
            if (replicas[i] != null && replicas[i].status().role() == Role.LEADER) {
              leaders++;
              at = i;
            }
          }
          if (leaders != 1 || !replicas[at].status().leaderReady()) {
            return false;
          }
          for (final Replica r : replicas) {
            if (r != null && r.status().leader() != at + 1) {
              return false;
            }
          }
          found[0] = at;
          return true;
        });
    return found[0];
  }

  /** Collects completions. */
  private static final class Acks implements AppendListener {
    final LinkedBlockingQueue<Object[]> queue = new LinkedBlockingQueue<>();

    @Override
    public void onComplete(
        final long correlationId,
        final AppendStatus status,
        final int partition,
        final long baseOffset,
        final int count,
        final Durability achieved) {
      queue.add(new Object[] {correlationId, status, baseOffset, achieved});
    }

    Object[] next() throws InterruptedException {
      final Object[] a = queue.poll(20, TimeUnit.SECONDS);
      if (a == null) {
        throw new AssertionError("no completion within 20 s");
      }
      return a;
    }
  }

  private static void produce(
      final LogEngine e, final Acks acks, final long from, final int n, final List<Long> offsets)
      throws Exception {
    produce(e, acks, from, n, i -> "record-" + i, offsets);
  }

  /**
   * Appends records {@code value(from..from+n-1)} with {@code quorum}; all must be acknowledged.
   */
  private static void produce(
      final LogEngine e,
      final Acks acks,
      final long from,
      final int n,
      final java.util.function.LongFunction<String> value,
      final List<Long> offsets)
      throws Exception {
    final AppendRequest r = new AppendRequest(1);
    for (long i = from; i < from + n; i++) {
      final byte[] v = value.apply(i).getBytes(StandardCharsets.UTF_8);
      r.reset().topic("t", 0).durability(Durability.QUORUM).correlationId(i);
      r.addRecord(new UnsafeBuffer(v), 0, -1, 0, v.length);
      AppendStatus s;
      while ((s = e.append(r, acks)) == AppendStatus.BACKPRESSURE) {
        Thread.sleep(1);
      }
      assertEquals(AppendStatus.ACCEPTED, s);
    }
    for (int i = 0; i < n; i++) {
      final Object[] a = acks.next();
      assertEquals(AppendStatus.OK, a[1], "append " + a[0]);
      assertEquals(Durability.QUORUM, a[3]);
      offsets.add((Long) a[2]);
    }
  }

  private static List<String> values(final LogEngine e) {
    final List<String> out = new ArrayList<>();
    e.read(
        "t",
        0,
        0,
        100_000,
        Integer.MAX_VALUE,
        (offset, ts, b, ko, kl, vo, vl) -> {
          out.add(b.getStringWithoutLengthUtf8(vo, vl));
          return true;
        });
    return out;
  }

  /** Ports below the ephemeral range (32768 and up), so no outbound connection takes one first. */
  private void pickPorts() {
    final java.util.SplittableRandom ports = new java.util.SplittableRandom();
    for (int i = 0; i < NODES; i++) {
      while (!peers.containsKey(i + 1)) {
        final int port = 20_000 + ports.nextInt(12_000);
        try (ServerSocket s = new ServerSocket()) {
          s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
          peers.put(i + 1, new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        } catch (final java.io.IOException taken) {
          // try another
        }
      }
    }
  }

  @Test
  void shouldReplicateQuorumWritesAndFailOverWithoutLosingAcknowledgedOnes() throws Exception {
    pickPorts();
    for (int i = 0; i < NODES; i++) {
      start(i);
    }
    final int first = leader();
    final CompletableFuture<TopicStatus> created = new CompletableFuture<>();
    engines[first].createTopic(
        "t",
        new TopicConfig(1, -1, -1, Map.of()),
        Durability.QUORUM,
        (s, d) -> created.complete(s));
    assertEquals(TopicStatus.CREATED, created.get(20, TimeUnit.SECONDS));
    final Acks acks = new Acks();
    final List<Long> offsets = new ArrayList<>();
    produce(engines[first], acks, 0, 500, offsets);
    // a follower refuses writes: only the leader assigns offsets
    final int follower = (first + 1) % NODES;
    final AppendRequest r = new AppendRequest(1);
    final byte[] v = "x".getBytes(StandardCharsets.UTF_8);
    r.reset().topic("t", 0).durability(Durability.QUORUM).correlationId(-1);
    r.addRecord(new UnsafeBuffer(v), 0, -1, 0, v.length);
    final long termBefore = replicas[follower].status().term();
    assertEquals(AppendStatus.ACCEPTED, engines[follower].append(r, acks));
    final Object[] refused = acks.next();
    if (refused[1] == AppendStatus.OK) {
      // only possible if an election (a slow machine) made it leader meanwhile
      assertTrue(
          replicas[follower].status().term() > termBefore,
          "a follower accepted a write without becoming leader");
    } else {
      assertEquals(AppendStatus.NOT_LEADER, refused[1]);
    }

    // the leader goes away; a new one takes over with every acknowledged record
    final long committedAtStop = engines[first].lastLogIndex(); // every append so far acked
    stop(first);
    final int second = leader();
    assertTrue(second != first);
    produce(engines[second], acks, 500, 500, offsets);
    final List<String> expected = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      if (i == 500 && refused[1] == AppendStatus.OK) {
        expected.add("x");
      }
      expected.add("record-" + i);
    }
    final int total = expected.size();
    await("the new leader's records visible", () -> values(engines[second]).size() == total);
    assertEquals(expected, values(engines[second]));
    // the old leader comes back as a follower and catches up
    start(first);
    // (appends queued together share a batch, so 500 records are fewer log indexes)
    assertTrue(
        committedAtStop > 2 && replicas[first].status().commitIndex() >= committedAtStop / 2,
        "a restart starts from the applied point saved at close, not from the log start: "
            + replicas[first].status().commitIndex()
            + " of "
            + committedAtStop);
    await(
        "the old leader caught up",
        () ->
            replicas[first].status().commitIndex() >= replicas[second].status().commitIndex()
                && values(engines[first]).size() == total);
    assertEquals(expected, values(engines[first]));
    final long last = engines[second].lastLogIndex();
    for (int i = 0; i < NODES; i++) {
      final long[] d = new long[1];
      final int node = i;
      await(
          "node " + (i + 1) + " holds the leader's whole log durably",
          () -> {
            engines[node].durableIndex((index, term) -> d[0] = index);
            return d[0] >= last;
          });
    }
    final byte[][] logs = new byte[NODES][];
    final long end = engines[second].appendedPosition();
    for (int i = 0; i < NODES; i++) {
      final int node = i;
      await(
          "node " + (i + 1) + " has the whole log", () -> engines[node].appendedPosition() >= end);
      final java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate((int) end);
      for (long p = 0; p < end; p += 4096) {
        final int n = (int) Math.min(4096, end - p);
        engines[i].copy(p, b.slice((int) p, n));
      }
      logs[i] = b.array();
    }
    assertArrayEquals(logs[second], logs[follower], "replicas hold the same bytes");
    assertArrayEquals(logs[second], logs[first], "replicas hold the same bytes");
  }

  private static void produceLarge(final LogEngine e, final Acks acks, final long from, final int n)
      throws Exception {
    produce(e, acks, from, n, i -> ("large-" + i + "-").repeat(200), new ArrayList<>());
  }

  /** Records of partition 0 from {@code from}, as "offset:value". */
  private static List<String> recordsFrom(final LogEngine e, final long from) {
    final List<String> out = new ArrayList<>();
    e.read(
        "t",
        0,
        from,
        100_000,
        Integer.MAX_VALUE,
        (offset, ts, b, ko, kl, vo, vl) -> {
          out.add(offset + ":" + b.getStringWithoutLengthUtf8(vo, vl));
          return true;
        });
    return out;
  }

  private static long startOffset(final LogEngine e) {
    return e.describeTopic("t").partitions().get(0).startOffset();
  }

  @Test
  void shouldBringAWipedFollowerBackWithACopyOfTheLeadersFiles() throws Exception {
    // copy the files to any follower missing more than half of the leader's log
    System.setProperty("stele.raft.bulk-catch-up-bytes", "0");
    try {
      pickPorts();
      for (int i = 0; i < NODES; i++) {
        start(i, false, true);
      }
      final int leader = leader();
      final CompletableFuture<TopicStatus> created = new CompletableFuture<>();
      engines[leader].createTopic(
          "t",
          new TopicConfig(1, -1, 256 * 1024, Map.of()),
          Durability.QUORUM,
          (s, d) -> created.complete(s));
      assertEquals(TopicStatus.CREATED, created.get(20, TimeUnit.SECONDS));
      final Acks acks = new Acks();
      produceLarge(engines[leader], acks, 0, 1500);
      await(
          "retention deleted the leader's first segments",
          () -> engines[leader].startPosition() > 0);

      // a follower loses its disk: removed, wiped, back as a new incarnation, added
      final int f = (leader + 1) % NODES;
      replicas[leader].removeVoter(f + 1).get(20, TimeUnit.SECONDS);
      stop(f);
      try (var files = Files.walk(dir.resolve("n" + (f + 1)))) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
      start(f, true, true);
      final String replica = replicas[f].status().replica();
      final int incarnation = Integer.parseInt(replica.substring(replica.indexOf('.') + 1));
      assertTrue(incarnation != 0, "a wiped node joins under a new incarnation: " + replica);
      replicas[leader].addVoter(f + 1, incarnation).get(20, TimeUnit.SECONDS);
      await("the new follower installed a copy", () -> replicas[f].snapshotCounts()[1] >= 1);
      produceLarge(engines[leader], acks, 1500, 100);
      await(
          "the new follower caught up",
          () ->
              replicas[f].status().commitIndex() >= replicas[leader].status().commitIndex()
                  && engines[f].lastLogIndex() == engines[leader].lastLogIndex());
      await("the leader saw its copy held", () -> replicas[leader].snapshotCounts()[0] >= 1);
      assertTrue(
          engines[f].startPosition() > 0,
          "the follower's log starts where the leader's did: it could not have replayed it all");
      final long from = Math.max(startOffset(engines[leader]), startOffset(engines[f]));
      final List<String> expected = recordsFrom(engines[leader], from);
      assertTrue(expected.size() > 100, "records kept by retention: " + expected.size());
      await("the follower's records visible", () -> recordsFrom(engines[f], from).equals(expected));

      // and it can lead: the old leader goes, every acknowledged record stays readable
      stop(leader);
      final int next = leader();
      produceLarge(engines[next], acks, 1600, 50);
      // retention keeps running on every node, so compare what is still there
      final List<String> after = recordsFrom(engines[next], startOffset(engines[next]));
      final long end = from + expected.size();
      int fresh = 0;
      for (final String rec : after) {
        final long offset = Long.parseLong(rec.substring(0, rec.indexOf(':')));
        if (offset < end) {
          assertEquals(expected.get((int) (offset - from)), rec);
        } else {
          assertEquals(end + fresh, offset);
          fresh++;
        }
      }
      assertEquals(50, fresh);
    } finally {
      System.clearProperty("stele.raft.bulk-catch-up-bytes");
    }
  }
}
