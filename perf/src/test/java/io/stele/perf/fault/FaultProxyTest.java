package io.stele.perf.fault;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Real sockets on loopback: an echo server behind the proxy, a blocking client in front. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FaultProxyTest {
  private EchoServer echo;
  private FaultProxy proxy;
  private InetSocketAddress proxyAddress;

  @BeforeEach
  void setUp() throws Exception {
    echo = new EchoServer();
    proxy = new FaultProxy(echo.address(), 42);
    proxyAddress = proxy.start();
  }

  @AfterEach
  void tearDown() {
    if (proxy != null) {
      proxy.close();
      assertEquals(0, proxy.queuedBytes(), "held bytes released on close");
    }
    if (echo != null) {
      echo.close();
    }
  }

  @Test
  void passesOneMebibyteBothWaysUnchanged() throws Exception {
    final byte[] sent = new byte[1 << 20];
    new Random(7).nextBytes(sent);
    try (Socket s = connect(proxyAddress)) {
      final Thread writer = writeInBackground(s, sent, 8 * 1024);
      final byte[] got = readFully(s.getInputStream(), sent.length);
      writer.join(10_000);
      assertArrayEquals(sent, got);
    }
    waitFor(() -> proxy.bytesForwarded(Direction.DOWNSTREAM) == sent.length, "all counted");
    assertEquals(sent.length, proxy.bytesForwarded(Direction.UPSTREAM));
    assertEquals(1, proxy.connectionsAccepted());
    assertEquals(0, proxy.chunksCorrupted(Direction.UPSTREAM));
  }

  @Test
  void delayHoldsEachDirectionAtLeastTheBase() throws Exception {
    proxy.delay(Duration.ofMillis(50), Duration.ZERO);
    try (Socket s = connect(proxyAddress)) {
      for (int i = 0; i < 3; i++) {
        final long start = System.nanoTime();
        s.getOutputStream().write(i);
        assertEquals(i, s.getInputStream().read());
        final long rttMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(rttMs >= 100, "round trip through two 50 ms delays took " + rttMs + " ms");
      }
    }
  }

  @Test
  void oneWayDelayAddsOnlyOnce() throws Exception {
    proxy.delay(Direction.UPSTREAM, Duration.ofMillis(50), Duration.ZERO);
    try (Socket s = connect(proxyAddress)) {
      final long start = System.nanoTime();
      s.getOutputStream().write(1);
      assertEquals(1, s.getInputStream().read());
      final long rttMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertTrue(rttMs >= 50, "round trip took " + rttMs + " ms");
    }
  }

  @Test
  void jitterKeepsByteOrder() throws Exception {
    proxy.delay(Duration.ofMillis(2), Duration.ofMillis(20));
    final int count = 2_000;
    try (Socket s = connect(proxyAddress)) {
      final DataOutputStream out = new DataOutputStream(s.getOutputStream());
      final DataInputStream in = new DataInputStream(s.getInputStream());
      for (int i = 0; i < count; i++) {
        out.writeInt(i);
        out.flush();
      }
      for (int i = 0; i < count; i++) {
        assertEquals(i, in.readInt());
      }
    }
  }

  @Test
  void corruptionFlipsExactlyOneBitPerChunk() throws Exception {
    proxy.corruptProbability(Direction.UPSTREAM, 1.0);
    final byte[] zeros = new byte[256 * 1024];
    final byte[] got;
    try (Socket s = connect(proxyAddress)) {
      final Thread writer = writeInBackground(s, zeros, 4 * 1024);
      got = readFully(s.getInputStream(), zeros.length);
      writer.join(10_000);
    }
    long flipped = 0;
    for (final byte b : got) {
      flipped += Integer.bitCount(b & 0xff);
    }
    final long chunks = proxy.chunksCorrupted(Direction.UPSTREAM);
    assertTrue(chunks > 0);
    assertEquals(chunks, flipped, "one bit per corrupted chunk");
    assertEquals(0, proxy.chunksCorrupted(Direction.DOWNSTREAM));
  }

  @Test
  void noCorruptionAtProbabilityZero() throws Exception {
    proxy.corruptProbability(1.0).corruptProbability(0.0);
    final byte[] sent = new byte[256 * 1024];
    new Random(3).nextBytes(sent);
    try (Socket s = connect(proxyAddress)) {
      final Thread writer = writeInBackground(s, sent, 4 * 1024);
      assertArrayEquals(sent, readFully(s.getInputStream(), sent.length));
      writer.join(10_000);
    }
    assertEquals(0, proxy.chunksCorrupted(Direction.UPSTREAM));
    assertEquals(0, proxy.chunksCorrupted(Direction.DOWNSTREAM));
  }

  @Test
  void corruptedBytesDiffer() throws Exception {
    proxy.corruptProbability(1.0);
    final byte[] sent = new byte[64 * 1024];
    new Random(5).nextBytes(sent);
    try (Socket s = connect(proxyAddress)) {
      final Thread writer = writeInBackground(s, sent, 4 * 1024);
      final byte[] got = readFully(s.getInputStream(), sent.length);
      writer.join(10_000);
      assertFalse(Arrays.equals(sent, got));
    }
  }

  @Test
  void sameSeedAndChunkingGiveTheSameFaults() throws Exception {
    final byte[] first = corruptOneByteChunks(42);
    assertArrayEquals(first, corruptOneByteChunks(42));
    assertFalse(Arrays.equals(first, corruptOneByteChunks(43)));
  }

  /** Echoes 200 zero bytes one at a time (one chunk each) with half of the chunks corrupted. */
  private byte[] corruptOneByteChunks(final long seed) throws Exception {
    final byte[] got = new byte[200];
    try (FaultProxy p = new FaultProxy(echo.address(), seed)) {
      p.corruptProbability(Direction.UPSTREAM, 0.5);
      try (Socket s = connect(p.start())) {
        for (int i = 0; i < got.length; i++) {
          s.getOutputStream().write(0);
          final int b = s.getInputStream().read();
          assertTrue(b >= 0);
          got[i] = (byte) b;
        }
      }
      assertEquals(
          p.chunksCorrupted(Direction.UPSTREAM),
          IntStream.range(0, got.length).filter(i -> got[i] != 0).count());
    }
    return got;
  }

  @Test
  void resetProbabilityOneClosesTheConnection() throws Exception {
    proxy.dropProbability(1.0);
    try (Socket s = connect(proxyAddress)) {
      s.getOutputStream().write(1);
      assertClosedByPeer(s);
    }
    assertEquals(1, proxy.connectionsReset());
    waitFor(() -> proxy.openConnections() == 0, "reset link forgotten");
  }

  @Test
  void resetProbabilityZeroKeepsTheConnection() throws Exception {
    proxy.dropProbability(Direction.DOWNSTREAM, 1.0).dropProbability(0.0);
    try (Socket s = connect(proxyAddress)) {
      for (int i = 0; i < 50; i++) {
        s.getOutputStream().write(i);
        assertEquals(i, s.getInputStream().read());
      }
      assertStaysOpen(s);
    }
    assertEquals(0, proxy.connectionsReset());
  }

  @Test
  void upstreamBlackholeHoldsBytesUntilLiftedOnTheSameConnection() throws Exception {
    try (Socket s = connect(proxyAddress)) {
      echoOnce(s, 'a');
      proxy.blackhole(Direction.UPSTREAM, true);
      s.getOutputStream().write('b');
      assertStaysOpen(s);
      final long upBefore = proxy.bytesForwarded(Direction.UPSTREAM);
      proxy.blackhole(Direction.UPSTREAM, false);
      s.setSoTimeout(5_000);
      assertEquals('b', s.getInputStream().read(), "held byte released, nothing lost");
      echoOnce(s, 'c');
      assertEquals(upBefore + 2, proxy.bytesForwarded(Direction.UPSTREAM));
    }
  }

  @Test
  void blackholeHoldsTheCloseToo() throws Exception {
    try (Socket s = connect(proxyAddress)) {
      echoOnce(s, 'a');
      proxy.blackhole(Direction.UPSTREAM, true);
      s.getOutputStream().write('b');
    }
    // Held either in the proxy's queue or, if reads stopped first, in the socket buffer.
    sleepMillis(300);
    assertTrue(proxy.queuedBytes() <= 1);
    assertEquals(1, proxy.openConnections(), "the target side stays open");
    assertEquals(1, proxy.bytesForwarded(Direction.UPSTREAM));
    proxy.blackhole(false);
    waitFor(() -> proxy.openConnections() == 0, "the close crossed after the held byte");
    waitFor(() -> proxy.queuedBytes() == 0, "nothing left held");
    assertEquals(2, proxy.bytesForwarded(Direction.UPSTREAM));
  }

  @Test
  void downstreamBlackholeStillDeliversUpstream() throws Exception {
    try (Socket s = connect(proxyAddress)) {
      echoOnce(s, 'a');
      proxy.blackhole(Direction.DOWNSTREAM, true);
      s.getOutputStream().write('b');
      waitFor(() -> proxy.bytesForwarded(Direction.UPSTREAM) == 2, "upstream still flows");
      assertStaysOpen(s);
      proxy.heal();
      s.setSoTimeout(5_000);
      assertEquals('b', s.getInputStream().read());
    }
  }

  @Test
  void refuseClosesNewConnectionsOnly() throws Exception {
    try (Socket before = connect(proxyAddress)) {
      echoOnce(before, 'a');
      proxy.refuse(true);
      try (Socket refused = connect(proxyAddress)) {
        assertClosedByPeer(refused);
      }
      assertEquals(1, proxy.connectionsRefused());
      echoOnce(before, 'b');
      proxy.refuse(false);
      try (Socket after = connect(proxyAddress)) {
        echoOnce(after, 'c');
      }
    }
    assertEquals(3, proxy.connectionsAccepted());
  }

  @Test
  void disconnectClosesCurrentConnections() throws Exception {
    try (Socket a = connect(proxyAddress);
        Socket b = connect(proxyAddress)) {
      echoOnce(a, 'a');
      echoOnce(b, 'b');
      proxy.disconnect();
      assertClosedByPeer(a);
      assertClosedByPeer(b);
      waitFor(() -> proxy.openConnections() == 0, "links forgotten");
      try (Socket c = connect(proxyAddress)) {
        echoOnce(c, 'c');
      }
    }
  }

  @Test
  void bandwidthLimitSlowsTransfer() throws Exception {
    proxy.bandwidth(Direction.UPSTREAM, 1 << 20);
    final byte[] sent = new byte[256 * 1024];
    new Random(9).nextBytes(sent);
    try (Socket s = connect(proxyAddress)) {
      final long start = System.nanoTime();
      final Thread writer = writeInBackground(s, sent, 16 * 1024);
      assertArrayEquals(sent, readFully(s.getInputStream(), sent.length));
      writer.join(10_000);
      final long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      // 256 KiB at 1 MiB/s is 250 ms; the first chunk goes at once.
      assertTrue(ms >= 150, "took " + ms + " ms");
    }
  }

  @Test
  void stalledTargetBoundsQueuedBytes() throws Exception {
    final long bound = 256 * 1024;
    try (ServerSocket stalled = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        FaultProxy bounded =
            new FaultProxy(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                (InetSocketAddress) stalled.getLocalSocketAddress(),
                1,
                bound)) {
      final InetSocketAddress at = bounded.start();
      try (SocketChannel client = SocketChannel.open(at);
          Socket never = stalled.accept()) {
        final long peak = floodAndSample(client, bounded, bound);
        assertTrue(peak > 0, "bytes were held");
        assertTrue(never.isConnected());
      }
    }
  }

  @Test
  void delayQueueIsBounded() throws Exception {
    final long bound = 128 * 1024;
    try (FaultProxy bounded =
        new FaultProxy(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), echo.address(), 1, bound)) {
      bounded.delay(Direction.UPSTREAM, Duration.ofSeconds(30), Duration.ZERO);
      final InetSocketAddress at = bounded.start();
      try (SocketChannel client = SocketChannel.open(at)) {
        final long peak = floodAndSample(client, bounded, bound);
        assertTrue(peak > bound / 2, "the delay queue filled: " + peak);
      }
    }
  }

  @Test
  void closeLeavesNoThreadsAndNoConnections() throws Exception {
    proxy.close();
    proxy = null;
    // Warm up whatever global threads the JVM or Netty start lazily.
    try (ServerSocket target = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      cycle(target);
      final Set<Long> before = liveThreadIds();
      cycle(target);
      waitFor(
          () -> {
            final Set<Long> extra = liveThreadIds();
            extra.removeAll(before);
            return extra.isEmpty();
          },
          "threads started by the proxy ended");
    }
    waitFor(
        () ->
            Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().startsWith("stele-fault-proxy")),
        "no proxy thread left");
  }

  @Test
  void settersRejectNonsense() {
    assertThrows(IllegalArgumentException.class, () -> proxy.corruptProbability(1.5));
    assertThrows(IllegalArgumentException.class, () -> proxy.dropProbability(-0.1));
    assertThrows(IllegalArgumentException.class, () -> proxy.dropProbability(Double.NaN));
    assertThrows(
        IllegalArgumentException.class, () -> proxy.delay(Duration.ofMillis(-1), Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> proxy.bandwidth(-1));
    assertThrows(IllegalStateException.class, () -> proxy.start());
  }

  @Test
  void commandLineForwardsAndStopsAtEndOfInput() throws Exception {
    final String java =
        Path.of(System.getProperty("java.home"), "bin", "java").toAbsolutePath().toString();
    final Process p =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                FaultProxy.class.getName(),
                "--listen",
                "127.0.0.1:0",
                "--target",
                "127.0.0.1:" + echo.address().getPort(),
                "--delay-ms",
                "1",
                "--seed",
                "5")
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    try {
      final BufferedReader out =
          new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      final String line = out.readLine();
      assertTrue(line != null && line.matches("127\\.0\\.0\\.1:\\d+"), "bound address: " + line);
      final int port = Integer.parseInt(line.substring(line.lastIndexOf(':') + 1));
      try (Socket s = connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))) {
        echoOnce(s, 'z');
      }
      p.getOutputStream().close();
      assertTrue(p.waitFor(20, TimeUnit.SECONDS), "exits at end of input");
      assertEquals(0, p.exitValue());
    } finally {
      p.destroyForcibly();
    }
  }

  // ---------------------------------------------------------------- helpers

  private static void cycle(final ServerSocket target) throws Exception {
    final FaultProxy p = new FaultProxy((InetSocketAddress) target.getLocalSocketAddress(), 3);
    try {
      final InetSocketAddress at = p.start();
      try (Socket s = connect(at);
          Socket accepted = target.accept()) {
        s.getOutputStream().write(new byte[] {1, 2, 3});
        accepted.setSoTimeout(5_000);
        assertArrayEquals(new byte[] {1, 2, 3}, readFully(accepted.getInputStream(), 3));
      }
    } finally {
      p.close();
    }
    assertEquals(0, p.queuedBytes());
  }

  private static Set<Long> liveThreadIds() {
    final Set<Long> ids = new HashSet<>();
    for (final Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.isAlive()) {
        ids.add(t.getId());
      }
    }
    return ids;
  }

  /**
   * Writes as fast as the proxy accepts for a while, sampling its gauge; returns the peak after
   * asserting it never exceeded {@code bound} and that the sender was eventually held back.
   */
  private static long floodAndSample(
      final SocketChannel client, final FaultProxy p, final long bound) throws IOException {
    client.configureBlocking(false);
    final ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
    long peak = 0;
    long blockedSince = -1;
    final long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < end) {
      buf.clear();
      final int n = client.write(buf);
      final long q = p.queuedBytes();
      assertTrue(q <= bound, "queued " + q + " > bound " + bound);
      peak = Math.max(peak, q);
      if (n == 0) {
        if (blockedSince < 0) {
          blockedSince = System.nanoTime();
        } else if (System.nanoTime() - blockedSince > TimeUnit.MILLISECONDS.toNanos(300)) {
          return peak;
        }
        sleepMillis(1);
      } else {
        blockedSince = -1;
      }
    }
    fail("the sender was never held back");
    return peak;
  }

  private static void sleepMillis(final long ms) {
    try {
      Thread.sleep(ms);
    } catch (final InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static Socket connect(final InetSocketAddress at) throws IOException {
    final Socket s = new Socket();
    s.setTcpNoDelay(true);
    s.connect(at, 5_000);
    s.setSoTimeout(5_000);
    return s;
  }

  private static void echoOnce(final Socket s, final int b) throws IOException {
    s.setSoTimeout(5_000);
    s.getOutputStream().write(b);
    assertEquals(b, s.getInputStream().read());
  }

  /** Nothing arrives for 300 ms, and the connection is not closed. */
  private static void assertStaysOpen(final Socket s) throws IOException {
    s.setSoTimeout(300);
    try {
      final int b = s.getInputStream().read();
      fail("expected silence, read " + b);
    } catch (final SocketTimeoutException expected) {
      // Still open, nothing arrived.
    } finally {
      s.setSoTimeout(5_000);
    }
  }

  private static void assertClosedByPeer(final Socket s) throws IOException {
    s.setSoTimeout(5_000);
    try {
      assertEquals(-1, s.getInputStream().read());
    } catch (final SocketTimeoutException e) {
      fail("connection still open after 5 s");
    } catch (final IOException reset) {
      assertNotEquals(null, reset.getMessage());
    }
  }

  private static byte[] readFully(final InputStream in, final int n) throws IOException {
    final byte[] b = new byte[n];
    int off = 0;
    while (off < n) {
      final int r = in.read(b, off, n - off);
      if (r < 0) {
        throw new IOException("end of stream after " + off + " of " + n + " bytes");
      }
      off += r;
    }
    return b;
  }

  private static Thread writeInBackground(final Socket s, final byte[] data, final int piece) {
    final Thread t =
        new Thread(
            () -> {
              try {
                final OutputStream out = s.getOutputStream();
                for (int off = 0; off < data.length; off += piece) {
                  out.write(data, off, Math.min(piece, data.length - off));
                }
                out.flush();
              } catch (final IOException e) {
                // The reader reports the failure.
              }
            },
            "test-writer");
    t.setDaemon(true);
    t.start();
    return t;
  }

  private static void waitFor(final BooleanSupplier condition, final String what) {
    final long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        fail("timed out waiting: " + what);
      }
      sleepMillis(5);
    }
  }
}
