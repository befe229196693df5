package io.stele.replication.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.util.ReferenceCountUtil;
import io.stele.replication.raft.Message;
import java.net.InetSocketAddress;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jctools.queues.MpscArrayQueue;

/**
 * The one outbound connection to a peer, carrying every group's messages. Senders enqueue into a
 * bounded queue (count and bytes; a full queue drops the message, which Raft tolerates); the event
 * loop drains it into the socket while the channel is writable, so memory is bounded by the queue
 * plus the high water mark. A lost connection is re-dialled with capped exponential backoff and
 * jitter from the injected source. Messages queued while disconnected wait (bounded) for the next
 * connection.
 */
final class PeerConnection {
  private final int node;
  private final InetSocketAddress address;
  private final EventLoop loop;
  private final TransportConfig config;
  private final TransportCounters counters;
  private final JitterSource jitter;
  private final Handshake handshake;
  private final Bootstrap bootstrap;
  private final PeerMessageEncoder encoder = new PeerMessageEncoder();
  private final MpscArrayQueue<Message> queue;

  /** Frame bytes in {@link #queue}; incremented by senders, decremented by the event loop. */
  private final AtomicLong queuedBytes = new AtomicLong();

  /** Messages to this peer dropped because the queue was full; written by senders. */
  private final AtomicLong dropped = new AtomicLong();

  /** Whether a drain task is pending on the event loop; set by senders, cleared by the loop. */
  private final AtomicBoolean drainScheduled = new AtomicBoolean();

  private final Runnable drainTask = this::drain;
  private final Runnable connectTask = this::connect;

  /** The connected channel, or null; written by the event loop. */
  private volatile Channel channel;

  private volatile boolean closed;

  /** Consecutive failed attempts; event loop only. */
  private int attempts;

  PeerConnection(
      final int node,
      final InetSocketAddress address,
      final EventLoop loop,
      final IoTransport io,
      final TransportConfig config,
      final TransportCounters counters,
      final JitterSource jitter) {
    this.node = node;
    this.address = address;
    this.loop = loop;
    this.config = config;
    this.counters = counters;
    this.jitter = jitter;
    this.handshake = new Handshake(config.clusterId(), config.selfId(), node);
    this.queue = new MpscArrayQueue<>(config.outboundQueueMessagesMax());
    this.bootstrap =
        new Bootstrap()
            .group(loop)
            .channel(io.socketChannel())
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 2000)
            .option(
                ChannelOption.WRITE_BUFFER_WATER_MARK,
                new WriteBufferWaterMark(
                    config.writeBufferLowBytes(), config.writeBufferHighBytes()))
            .handler(new OutboundHandler());
  }

  int node() {
    return node;
  }

  InetSocketAddress address() {
    return address;
  }

  long queuedBytes() {
    return queuedBytes.get();
  }

  int queuedMessages() {
    return queue.size();
  }

  long dropped() {
    return dropped.get();
  }

  boolean isConnected() {
    final Channel ch = channel;
    return ch != null && ch.isActive();
  }

  /** Bytes Netty holds for the socket, above the queue; event loop or any thread (approximate). */
  long pendingSocketBytes() {
    final Channel ch = channel;
    if (ch == null || ch.unsafe().outboundBuffer() == null) {
      return 0;
    }
    return ch.unsafe().outboundBuffer().totalPendingWriteBytes();
  }

  void start() {
    execute(connectTask);
  }

  /**
   * Enqueues a message; any thread. The payloads are retained while queued.
   *
   * @return false if dropped
   */
  boolean offer(final Message m) {
    if (closed) {
      dropped.incrementAndGet();
      counters.outboundDropped.incrementAndGet();
      return false;
    }
    final long length = PeerMessageEncoder.frameLength(m);
    if (length > config.maxFrameLengthBytes()) {
      counters.oversizeDropped.incrementAndGet();
      return false;
    }
    if (queuedBytes.addAndGet(length) > config.outboundQueueBytesMax()) {
      queuedBytes.addAndGet(-length);
      dropped.incrementAndGet();
      counters.outboundDropped.incrementAndGet();
      return false;
    }
    PeerMessages.retain(m);
    if (!queue.offer(m)) {
      PeerMessages.release(m);
      queuedBytes.addAndGet(-length);
      dropped.incrementAndGet();
      counters.outboundDropped.incrementAndGet();
      return false;
    }
    if (closed) {
      // the transport closed meanwhile: the event loop (sole consumer) releases, or nobody is left
      if (loop.isTerminated()) {
        releaseQueued();
      } else {
        execute(this::releaseQueued);
      }
      return false;
    }
    if (drainScheduled.compareAndSet(false, true)) {
      execute(drainTask);
    }
    return true;
  }

  private void drain() {
    drainScheduled.set(false);
    final Channel ch = channel;
    if (ch == null || !ch.isActive()) {
      return;
    }
    int written = 0;
    Message m;
    while (ch.isWritable() && (m = queue.poll()) != null) {
      queuedBytes.addAndGet(-PeerMessageEncoder.frameLength(m));
      final ByteBuf frame;
      try {
        frame = encoder.encode(ch.alloc(), m);
      } catch (final RuntimeException ex) {
        counters.oversizeDropped.incrementAndGet();
        continue;
      } finally {
        PeerMessages.release(m);
      }
      ch.write(frame, ch.voidPromise());
      written++;
    }
    if (written > 0) {
      ch.flush();
      counters.messagesSent.addAndGet(written);
    }
  }

  private void connect() {
    if (closed) {
      return;
    }
    counters.connectAttempts.incrementAndGet();
    final ChannelFuture f = bootstrap.connect(address);
    f.addListener(
        (ChannelFutureListener)
            future -> {
              if (!future.isSuccess()) {
                scheduleReconnect();
                return;
              }
              final Channel ch = future.channel();
              if (closed) {
                ch.close();
                return;
              }
              attempts = 0;
              channel = ch;
              counters.connectionsEstablished.incrementAndGet();
              ch.write(encoder.encodeHandshake(ch.alloc(), handshake), ch.voidPromise());
              ch.closeFuture()
                  .addListener(
                      (ChannelFutureListener)
                          cf -> {
                            if (channel == ch) {
                              channel = null;
                            }
                            scheduleReconnect();
                          });
              drain();
              ch.flush();
            });
  }

  private void scheduleReconnect() {
    if (closed) {
      return;
    }
    long base = config.reconnectMinNs();
    for (int i = 0; i < attempts && base < config.reconnectMaxNs(); i++) {
      base <<= 1;
    }
    base = Math.min(base, config.reconnectMaxNs());
    attempts++;
    final long half = base / 2;
    final long delayNs = half + jitter.nextLong(half + 1);
    try {
      loop.schedule(connectTask, delayNs, TimeUnit.NANOSECONDS);
    } catch (final RejectedExecutionException ex) {
      // event loop shutting down: the transport is closing
    }
  }

  /** Starts closing; any thread. The event loop closes the channel and releases the queue. */
  void close() {
    closed = true;
    execute(
        () -> {
          final Channel ch = channel;
          if (ch != null) {
            ch.close();
          }
          releaseQueued();
        });
  }

  /** Releases what is still queued; only on the event loop or once it has terminated. */
  void releaseQueued() {
    Message m;
    while ((m = queue.poll()) != null) {
      queuedBytes.addAndGet(-PeerMessageEncoder.frameLength(m));
      PeerMessages.release(m);
    }
  }

  private void execute(final Runnable task) {
    try {
      loop.execute(task);
    } catch (final RejectedExecutionException ex) {
      // event loop shutting down: the transport releases the queue once it has terminated
    }
  }

  @ChannelHandler.Sharable
  private final class OutboundHandler extends ChannelInboundHandlerAdapter {
    @Override
    public void channelWritabilityChanged(final ChannelHandlerContext ctx) {
      if (ctx.channel().isWritable()) {
        drain();
      }
      ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg) {
      ReferenceCountUtil.release(msg);
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause) {
      ctx.close();
    }
  }
}
