package io.stele.perf.fault;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy that forwards every accepted connection to one target and injects faults into the
 * bytes on the way, for the peer traffic between Stele nodes where the kernel offers no netem.
 *
 * <p>Faults apply per {@link Direction} (a setter without a direction sets both), may be changed
 * from any thread at any time, and take effect for bytes read after the change. The unit of fault
 * is a <em>chunk</em>: one read from a source socket (at most 64 KiB).
 *
 * <ul>
 *   <li>{@link #delay}: each chunk is released {@code base + uniform[0, jitter)} after it was read,
 *       but never before the chunk read before it, so bytes keep their order as TCP does.
 *   <li>{@link #dropProbability}: per chunk, the probability that the connection is reset (both
 *       sides closed with RST). TCP cannot lose bytes silently; loss that outlasts retransmission
 *       reaches the application as a reset connection.
 *   <li>{@link #corruptProbability}: per chunk, the probability that one random bit of it is
 *       flipped.
 *   <li>{@link #blackhole}: nothing crosses and nothing is lost: reads stop and bytes already read
 *       are held, so the senders' socket buffers fill as they would behind a partition. Lifting it
 *       releases the held bytes and traffic resumes on the same connections.
 *   <li>{@link #bandwidth}: chunks are released no faster than the given rate.
 *   <li>{@link #refuse} and {@link #disconnect}: close new connections as soon as they are
 *       accepted, and close the current ones.
 * </ul>
 *
 * <p>Memory is bounded: each direction of each connection holds at most {@code maxQueuedBytes}
 * (read but not yet written to the other socket); at that point the proxy stops reading from the
 * source until the queue drains. All connections run on one event loop thread, which draws every
 * random number from one {@link SplittableRandom} seeded at construction, so a run is reproducible
 * given the same seed, settings and chunking.
 *
 * <p>Command line: {@code java -cp ... io.stele.perf.fault.FaultProxy --listen HOST:PORT --target
 * HOST:PORT [--delay-ms N] [--jitter-ms N] [--corrupt P] [--reset P] [--bandwidth BYTES_PER_S]
 * [--max-queued BYTES] [--seed S] [--ignore-stdin]}. It prints the bound address on one line, then
 * runs until SIGTERM or, unless {@code --ignore-stdin}, until standard input reaches end of file.
 */
public final class FaultProxy implements AutoCloseable {
  /** The default bound on bytes held per direction of each connection: 8 MiB. */
  public static final long DEFAULT_MAX_QUEUED_BYTES = 8L << 20;

  private static final int MAX_CHUNK = 64 * 1024;
  private static final long MIN_QUEUED_BYTES = 4096;
  private static final long CLOSE_WAIT_SECONDS = 5;

  private final InetSocketAddress listen;
  private final InetSocketAddress target;
  private final long maxQueuedBytes;
  private final int maxChunk;

  /** Touched by the event loop thread only. */
  private final SplittableRandom random;

  private final Faults[] faults = {new Faults(), new Faults()};
  private final Set<Link> links = ConcurrentHashMap.newKeySet();
  private volatile boolean refuse;

  private final AtomicLong accepted = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong resets = new AtomicLong();
  private final AtomicLong queued = new AtomicLong();
  private final AtomicLong[] forwarded = {new AtomicLong(), new AtomicLong()};
  private final AtomicLong[] corrupted = {new AtomicLong(), new AtomicLong()};

  private final Object lifecycle = new Object();
  private MultiThreadIoEventLoopGroup group;
  private volatile EventLoop loop;
  private Channel server;
  private boolean closed;

  /** A proxy on an ephemeral loopback port, with the default queue bound. */
  public FaultProxy(final InetSocketAddress target, final long seed) {
    this(
        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
        target,
        seed,
        DEFAULT_MAX_QUEUED_BYTES);
  }

  /**
   * @param listen the address to bind; port 0 picks a free one
   * @param target where every accepted connection is forwarded
   * @param seed the seed of every random choice
   * @param maxQueuedBytes the most bytes held per direction of each connection, at least 4096
   */
  public FaultProxy(
      final InetSocketAddress listen,
      final InetSocketAddress target,
      final long seed,
      final long maxQueuedBytes) {
    if (maxQueuedBytes < MIN_QUEUED_BYTES) {
      throw new IllegalArgumentException("maxQueuedBytes < " + MIN_QUEUED_BYTES);
    }
    this.listen = listen;
    this.target = target;
    this.random = new SplittableRandom(seed);
    this.maxQueuedBytes = maxQueuedBytes;
    this.maxChunk = (int) Math.min(MAX_CHUNK, maxQueuedBytes / 4);
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Binds the listening socket and starts forwarding.
   *
   * @return the bound address
   */
  public InetSocketAddress start() throws IOException {
    synchronized (lifecycle) {
      if (group != null || closed) {
        throw new IllegalStateException("already started or closed");
      }
      group =
          new MultiThreadIoEventLoopGroup(
              1, new DefaultThreadFactory("stele-fault-proxy", true), NioIoHandler.newFactory());
      final EventLoop eventLoop = group.next();
      final RecvByteBufAllocator alloc =
          new AdaptiveRecvByteBufAllocator(64, Math.min(2048, maxChunk), maxChunk);
      final ChannelFuture bound =
          new ServerBootstrap()
              .group(eventLoop)
              .channel(NioServerSocketChannel.class)
              .childOption(ChannelOption.AUTO_READ, false)
              .childOption(ChannelOption.TCP_NODELAY, true)
              .childOption(ChannelOption.RECVBUF_ALLOCATOR, alloc)
              .childHandler(
                  new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(final SocketChannel ch) {
                      onAccept(ch, alloc);
                    }
                  })
              .bind(listen)
              .awaitUninterruptibly();
      if (!bound.isSuccess()) {
        closed = true;
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10_000);
        final Throwable cause = bound.cause();
        throw cause instanceof IOException io
            ? io
            : new IOException("cannot listen on " + listen, cause);
      }
      server = bound.channel();
      loop = eventLoop;
      return (InetSocketAddress) server.localAddress();
    }
  }

  /**
   * Closes the listening socket and every connection, releases every held byte, stops the thread.
   */
  @Override
  public void close() {
    final MultiThreadIoEventLoopGroup g;
    synchronized (lifecycle) {
      if (closed) {
        return;
      }
      closed = true;
      g = group;
    }
    if (g == null) {
      return;
    }
    try {
      server.close().awaitUninterruptibly(TimeUnit.SECONDS.toMillis(CLOSE_WAIT_SECONDS));
      runOnLoop(
          () -> {
            for (final Link link : new ArrayList<>(links)) {
              link.abort(false);
            }
          });
    } finally {
      g.shutdownGracefully(0, CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)
          .awaitUninterruptibly(TimeUnit.SECONDS.toMillis(2 * CLOSE_WAIT_SECONDS));
    }
  }

  // ---------------------------------------------------------------- faults

  /** Delays both directions; see {@link #delay(Direction, Duration, Duration)}. */
  public FaultProxy delay(final Duration base, final Duration jitter) {
    for (final Direction d : Direction.values()) {
      delay(d, base, jitter);
    }
    return this;
  }

  /**
   * Releases each chunk read from now on {@code base + uniform[0, jitter)} after it was read, and
   * never before the chunk read before it.
   */
  public FaultProxy delay(final Direction dir, final Duration base, final Duration jitter) {
    if (base.isNegative() || jitter.isNegative()) {
      throw new IllegalArgumentException("negative delay");
    }
    faults[dir.ordinal()].delay = new Delay(base.toNanos(), jitter.toNanos());
    return kick();
  }

  /**
   * Sets the reset probability of both directions; see {@link #dropProbability(Direction, double)}.
   */
  public FaultProxy dropProbability(final double p) {
    for (final Direction d : Direction.values()) {
      dropProbability(d, p);
    }
    return this;
  }

  /**
   * With probability {@code p} per chunk, resets the connection (both sides closed with RST), as
   * lost packets look to an application over TCP once retransmission gives up.
   */
  public FaultProxy dropProbability(final Direction dir, final double p) {
    faults[dir.ordinal()].drop = probability(p);
    return this;
  }

  /** Sets the corruption probability of both directions. */
  public FaultProxy corruptProbability(final double p) {
    for (final Direction d : Direction.values()) {
      corruptProbability(d, p);
    }
    return this;
  }

  /** With probability {@code p} per chunk, flips one random bit of the chunk. */
  public FaultProxy corruptProbability(final Direction dir, final double p) {
    faults[dir.ordinal()].corrupt = probability(p);
    return this;
  }

  /** Blackholes both directions, or lifts it. */
  public FaultProxy blackhole(final boolean on) {
    for (final Direction d : Direction.values()) {
      blackhole(d, on);
    }
    return this;
  }

  /**
   * Stops (or resumes) forwarding in one direction without closing anything. While on, the proxy
   * stops reading from the source and holds what it has read; when lifted, held bytes are released
   * and traffic resumes on the same connections, with nothing lost.
   */
  public FaultProxy blackhole(final Direction dir, final boolean on) {
    faults[dir.ordinal()].blackhole = on;
    return kick();
  }

  /** Limits both directions to {@code bytesPerSecond} each; 0 lifts the limit. */
  public FaultProxy bandwidth(final long bytesPerSecond) {
    for (final Direction d : Direction.values()) {
      bandwidth(d, bytesPerSecond);
    }
    return this;
  }

  /** Releases one direction's chunks no faster than {@code bytesPerSecond}; 0 lifts the limit. */
  public FaultProxy bandwidth(final Direction dir, final long bytesPerSecond) {
    if (bytesPerSecond < 0) {
      throw new IllegalArgumentException("negative bandwidth");
    }
    faults[dir.ordinal()].bandwidth = bytesPerSecond;
    return kick();
  }

  /** When on, every newly accepted connection is closed at once; current ones are untouched. */
  public FaultProxy refuse(final boolean on) {
    refuse = on;
    return this;
  }

  /** Closes every current connection now (a FIN to both sides); held bytes are discarded. */
  public FaultProxy disconnect() {
    runOnLoop(
        () -> {
          for (final Link link : new ArrayList<>(links)) {
            link.abort(false);
          }
        });
    return this;
  }

  /** Lifts every fault: no delay, loss, corruption, blackhole, bandwidth limit or refusal. */
  public FaultProxy heal() {
    refuse = false;
    for (final Faults f : faults) {
      f.delay = Delay.NONE;
      f.drop = 0;
      f.corrupt = 0;
      f.bandwidth = 0;
      f.blackhole = false;
    }
    return kick();
  }

  // ---------------------------------------------------------------- counters

  /** Connections accepted on the listening socket, refused ones included. */
  public long connectionsAccepted() {
    return accepted.get();
  }

  /** Connections closed at once because {@link #refuse} was on. */
  public long connectionsRefused() {
    return refused.get();
  }

  /** Connections reset by {@link #dropProbability}. */
  public long connectionsReset() {
    return resets.get();
  }

  /** Connections currently open (either side still open). */
  public int openConnections() {
    return links.size();
  }

  /** Bytes written to the destination socket in one direction. */
  public long bytesForwarded(final Direction dir) {
    return forwarded[dir.ordinal()].get();
  }

  /** Chunks with a bit flipped in one direction. */
  public long chunksCorrupted(final Direction dir) {
    return corrupted[dir.ordinal()].get();
  }

  /** Bytes read and not yet written to their destination socket, over all connections. */
  public long queuedBytes() {
    return queued.get();
  }

  // ---------------------------------------------------------------- internals

  private static double probability(final double p) {
    if (!(p >= 0 && p <= 1)) {
      throw new IllegalArgumentException("probability outside [0, 1]: " + p);
    }
    return p;
  }

  /** Applies changed settings to current connections: releases what is due, adjusts reading. */
  private FaultProxy kick() {
    final EventLoop l = loop;
    if (l == null) {
      return this;
    }
    try {
      l.execute(
          () -> {
            for (final Link link : links) {
              link.up.drain();
              link.down.drain();
              link.up.updateReading();
              link.down.updateReading();
            }
          });
    } catch (final RejectedExecutionException e) {
      // Closed: nothing left to apply to.
    }
    return this;
  }

  private void runOnLoop(final Runnable task) {
    final EventLoop l = loop;
    if (l == null) {
      return;
    }
    if (l.inEventLoop()) {
      task.run();
      return;
    }
    try {
      final Future<?> f = l.submit(task);
      f.awaitUninterruptibly(TimeUnit.SECONDS.toMillis(CLOSE_WAIT_SECONDS));
    } catch (final RejectedExecutionException e) {
      // Closed already.
    }
  }

  private void onAccept(final SocketChannel in, final RecvByteBufAllocator alloc) {
    accepted.incrementAndGet();
    if (refuse) {
      refused.incrementAndGet();
      in.close();
      return;
    }
    final Link link = new Link(in);
    links.add(link);
    in.pipeline().addLast(link.up);
    in.closeFuture().addListener(f -> link.channelClosed());
    final ChannelFuture connect =
        new Bootstrap()
            .group(in.eventLoop())
            .channel(NioSocketChannel.class)
            .option(ChannelOption.AUTO_READ, false)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.RECVBUF_ALLOCATOR, alloc)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
            .handler(link.down)
            .connect(target);
    link.connecting(connect.channel());
    connect.channel().closeFuture().addListener(f -> link.channelClosed());
    connect.addListener(
        (ChannelFutureListener)
            f -> {
              if (f.isSuccess()) {
                link.connected();
              } else {
                link.abort(false);
              }
            });
  }

  private record Delay(long base, long jitter) {
    static final Delay NONE = new Delay(0, 0);
  }

  /** One direction's settings; written by any thread, read by the event loop. */
  private static final class Faults {
    volatile Delay delay = Delay.NONE;
    volatile double drop;
    volatile double corrupt;
    volatile long bandwidth;
    volatile boolean blackhole;
  }

  private record Chunk(ByteBuf buf, long releaseNs) {}

  /** One proxied connection: the accepted channel, the channel to the target, two pipes. */
  private final class Link {
    final Channel in;
    Channel out;
    final Pipe up;
    final Pipe down;
    boolean started;
    boolean aborted;
    int open = 2;

    Link(final Channel in) {
      this.in = in;
      this.up = new Pipe(Direction.UPSTREAM, this);
      this.down = new Pipe(Direction.DOWNSTREAM, this);
      up.source = in;
      down.sink = in;
    }

    void connecting(final Channel out) {
      this.out = out;
      up.sink = out;
      down.source = out;
    }

    void connected() {
      if (aborted || !in.isActive()) {
        abort(false);
        return;
      }
      started = true;
      up.updateReading();
      down.updateReading();
    }

    void channelClosed() {
      if (--open == 0) {
        // Both sockets are gone: whatever a blackholed pipe still holds can never be delivered.
        aborted = true;
        up.discard();
        down.discard();
        links.remove(this);
      }
    }

    /** A source closed: its pipe delivers what it holds then closes its sink; the other is moot. */
    void sourceClosed(final Pipe p) {
      if (!started) {
        abort(false);
        return;
      }
      (p == up ? down : up).discard();
      p.sourceDone = true;
      p.drain();
    }

    void abort(final boolean reset) {
      if (aborted) {
        return;
      }
      aborted = true;
      if (reset) {
        lingerZero(in);
        lingerZero(out);
      }
      in.close();
      if (out != null) {
        out.close();
      }
      up.discard();
      down.discard();
    }

    private void lingerZero(final Channel ch) {
      if (ch != null && ch.isOpen()) {
        try {
          ch.config().setOption(ChannelOption.SO_LINGER, 0);
        } catch (final ChannelException e) {
          // Closing anyway; a FIN instead of a RST is still a closed connection.
        }
      }
    }
  }

  /** One direction of a link; the handler on its source channel. Runs on the event loop only. */
  private final class Pipe extends ChannelInboundHandlerAdapter {
    final Direction dir;
    final Faults faults;
    final Link link;
    Channel source;
    Channel sink;
    final ArrayDeque<Chunk> queue = new ArrayDeque<>();

    /** Bytes read and not yet written to the sink socket (queued plus in flight). */
    long pending;

    long lastReleaseNs = Long.MIN_VALUE;
    long linkFreeNs = Long.MIN_VALUE;
    boolean reading;
    boolean scheduled;
    boolean sourceDone;
    boolean finished;

    Pipe(final Direction dir, final Link link) {
      this.dir = dir;
      this.faults = FaultProxy.this.faults[dir.ordinal()];
      this.link = link;
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg) {
      if (!(msg instanceof ByteBuf buf)) {
        ReferenceCountUtil.release(msg);
        return;
      }
      final int n = buf.readableBytes();
      if (link.aborted || sourceDone || n == 0) {
        buf.release();
        return;
      }
      final double drop = faults.drop;
      if (drop > 0 && random.nextDouble() < drop) {
        buf.release();
        resets.incrementAndGet();
        link.abort(true);
        return;
      }
      final double corrupt = faults.corrupt;
      if (corrupt > 0 && random.nextDouble() < corrupt) {
        final int i = buf.readerIndex() + random.nextInt(n);
        buf.setByte(i, buf.getByte(i) ^ (1 << random.nextInt(8)));
        corrupted[dir.ordinal()].incrementAndGet();
      }
      final long now = System.nanoTime();
      long ready = now;
      final long bandwidth = faults.bandwidth;
      if (bandwidth > 0) {
        final long start = linkFreeNs == Long.MIN_VALUE ? now : Math.max(now, linkFreeNs);
        linkFreeNs = start + n * 1_000_000_000L / bandwidth;
        ready = linkFreeNs;
      }
      final Delay delay = faults.delay;
      ready += delay.base + (delay.jitter > 0 ? random.nextLong(delay.jitter) : 0);
      final long release = lastReleaseNs == Long.MIN_VALUE ? ready : Math.max(ready, lastReleaseNs);
      lastReleaseNs = release;
      queue.add(new Chunk(buf, release));
      pending += n;
      queued.addAndGet(n);
      drain();
      updateReading();
    }

    @Override
    public void channelInactive(final ChannelHandlerContext ctx) {
      link.sourceClosed(this);
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause) {
      ctx.close();
    }

    /** Writes every chunk that is due, unless blackholed; schedules itself for the next one. */
    void drain() {
      if (link.aborted || !link.started) {
        return;
      }
      if (!faults.blackhole) {
        final long now = System.nanoTime();
        boolean wrote = false;
        Chunk c;
        while ((c = queue.peek()) != null && c.releaseNs - now <= 0) {
          queue.poll();
          final int n = c.buf.readableBytes();
          sink.write(c.buf)
              .addListener(
                  f -> {
                    if (f.isSuccess()) {
                      forwarded[dir.ordinal()].addAndGet(n);
                    }
                    pending -= n;
                    queued.addAndGet(-n);
                    updateReading();
                  });
          wrote = true;
        }
        if (wrote) {
          sink.flush();
        }
        if (c != null && !scheduled) {
          scheduled = true;
          source
              .eventLoop()
              .schedule(
                  () -> {
                    scheduled = false;
                    drain();
                  },
                  c.releaseNs - now,
                  TimeUnit.NANOSECONDS);
        }
        if (sourceDone && queue.isEmpty() && !finished) {
          finished = true;
          sink.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
      }
    }

    /** Reads while the queue has room and the direction is not blackholed; hysteresis of half. */
    void updateReading() {
      if (!link.started || link.aborted || sourceDone || !source.isActive()) {
        return;
      }
      final long high = maxQueuedBytes - maxChunk;
      final boolean want = !faults.blackhole && pending <= (reading ? high : high / 2);
      if (want != reading) {
        reading = want;
        source.config().setAutoRead(want);
      }
    }

    /** Releases everything held: the sink is gone or the link was aborted. */
    void discard() {
      Chunk c;
      while ((c = queue.poll()) != null) {
        final int n = c.buf.readableBytes();
        c.buf.release();
        pending -= n;
        queued.addAndGet(-n);
      }
    }
  }

  // ---------------------------------------------------------------- command line

  private static final String USAGE =
      "usage: FaultProxy --listen HOST:PORT --target HOST:PORT [--delay-ms N] [--jitter-ms N]"
          + " [--corrupt P] [--reset P] [--bandwidth BYTES_PER_S] [--max-queued BYTES]"
          + " [--seed S] [--ignore-stdin]";

  /**
   * Runs a proxy from the command line until SIGTERM or standard input's end of file; see the class
   * comment for the flags. Exit codes: 0 done, 1 failed to bind, 2 bad usage.
   */
  public static void main(final String[] args) throws InterruptedException {
    final PrintStream out = System.out;
    final FaultProxy proxy;
    final boolean watchStdin;
    try {
      InetSocketAddress listenAt = null;
      InetSocketAddress targetAt = null;
      long delayMs = 0;
      long jitterMs = 0;
      double corrupt = 0;
      double reset = 0;
      long bandwidth = 0;
      long maxQueued = DEFAULT_MAX_QUEUED_BYTES;
      long seed = 1;
      boolean ignoreStdin = false;
      for (int i = 0; i < args.length; i++) {
        final String flag = args[i];
        if (flag.equals("--ignore-stdin")) {
          ignoreStdin = true;
          continue;
        }
        if (flag.equals("--help") || flag.equals("-h")) {
          out.println(USAGE);
          return;
        }
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException("missing value for " + flag);
        }
        final String v = args[++i];
        switch (flag) {
          case "--listen" -> listenAt = hostPort(v);
          case "--target" -> targetAt = hostPort(v);
          case "--delay-ms" -> delayMs = Long.parseLong(v);
          case "--jitter-ms" -> jitterMs = Long.parseLong(v);
          case "--corrupt" -> corrupt = Double.parseDouble(v);
          case "--reset" -> reset = Double.parseDouble(v);
          case "--bandwidth" -> bandwidth = Long.parseLong(v);
          case "--max-queued" -> maxQueued = Long.parseLong(v);
          case "--seed" -> seed = Long.parseLong(v);
          default -> throw new IllegalArgumentException("unknown flag " + flag);
        }
      }
      if (listenAt == null || targetAt == null) {
        throw new IllegalArgumentException("--listen and --target are required");
      }
      proxy = new FaultProxy(listenAt, targetAt, seed, maxQueued);
      proxy
          .delay(Duration.ofMillis(delayMs), Duration.ofMillis(jitterMs))
          .corruptProbability(corrupt)
          .dropProbability(reset)
          .bandwidth(bandwidth);
      watchStdin = !ignoreStdin;
    } catch (final IllegalArgumentException e) {
      System.err.println("FaultProxy: " + e.getMessage());
      System.err.println(USAGE);
      System.exit(2);
      return;
    }
    final InetSocketAddress bound;
    try {
      bound = proxy.start();
    } catch (final IOException | RuntimeException e) {
      System.err.println("FaultProxy: cannot listen: " + e);
      System.exit(1);
      return;
    }
    out.println(bound.getHostString() + ":" + bound.getPort());
    out.flush();
    final CountDownLatch done = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  proxy.close();
                  done.countDown();
                },
                "stele-fault-proxy-shutdown"));
    if (watchStdin) {
      final InputStream in = System.in;
      final byte[] sink = new byte[512];
      try {
        while (in.read(sink) >= 0) {
          // Discard; only end of file matters.
        }
      } catch (final IOException e) {
        // Treated as end of file.
      }
      proxy.close();
    } else {
      done.await();
    }
  }

  private static InetSocketAddress hostPort(final String s) {
    final int colon = s.lastIndexOf(':');
    if (colon <= 0 || colon == s.length() - 1) {
      throw new IllegalArgumentException("expected HOST:PORT, got " + s);
    }
    String host = s.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    final int port;
    try {
      port = Integer.parseInt(s.substring(colon + 1));
    } catch (final NumberFormatException e) {
      throw new IllegalArgumentException("bad port in " + s, e);
    }
    return new InetSocketAddress(host, port);
  }
}
