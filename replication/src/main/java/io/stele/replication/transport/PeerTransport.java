package io.stele.replication.transport;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.stele.replication.raft.Message;
import io.stele.replication.raft.ReplicaId;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jctools.queues.MpscArrayQueue;

/**
 * The peer transport of one node: a listener for inbound peer connections, one outbound connection
 * per peer carrying every group, and a bounded inbound queue the node's Raft thread drains with
 * {@link #poll}. Runs on its own single-thread Netty event loop group.
 *
 * <p>Threads: {@link #send} may be called from any thread (normally the Raft thread); {@link #poll}
 * from one thread only (the Raft thread, the queue's single consumer); everything else happens on
 * the event loop. Nothing here blocks the event loop.
 *
 * <p>Buffers: {@link #send} retains the ByteBuf payloads it keeps and releases them once written or
 * dropped; the caller keeps its own references and must not move their reader or writer indexes (or
 * write into the readable bytes) until then: the frame is built from them on the event loop.
 * Messages handed to {@link #poll}'s handler carry payloads the handler owns and releases ({@link
 * PeerMessages#release(Message)}).
 */
public final class PeerTransport implements AutoCloseable {
  private final TransportConfig config;
  private final IoTransport io;
  private final JitterSource jitter;
  private final TransportCounters counters = new TransportCounters();
  private final EventLoopGroup group;
  private final EventLoop loop;
  private final MpscArrayQueue<Message> inbound;
  private volatile Runnable inboundWakeup = () -> {};
  private final ConcurrentHashMap<Integer, PeerConnection> peers = new ConcurrentHashMap<>();

  /** Accepted inbound connections, closed explicitly on {@link #close()} so peers see EOF. */
  private final ChannelGroup inboundChannels;

  private volatile Channel serverChannel;
  private volatile boolean closed;

  /**
   * Creates a transport; nothing is bound until {@link #start()}.
   *
   * @param config configuration
   * @param io the Netty I/O flavour
   * @param jitter randomness for reconnect jitter
   */
  public PeerTransport(
      final TransportConfig config, final IoTransport io, final JitterSource jitter) {
    this.config = config;
    this.io = io;
    this.jitter = jitter;
    this.group = new MultiThreadIoEventLoopGroup(1, io.ioHandlerFactory().get());
    this.loop = group.next();
    this.inbound = new MpscArrayQueue<>(config.inboundQueueMessagesMax());
    this.inboundChannels = new DefaultChannelGroup("peer-inbound", loop);
  }

  /**
   * Registers what to call after inbound messages were queued (on the event loop; must be cheap and
   * never block): wakes the thread that polls.
   *
   * @param wakeup the callback
   */
  public void onInbound(final Runnable wakeup) {
    inboundWakeup = wakeup;
  }

  /**
   * Binds the listener.
   *
   * @return the bound address (useful with port 0)
   * @throws InterruptedException if interrupted while binding
   */
  public InetSocketAddress start() throws InterruptedException {
    final ServerBootstrap b =
        new ServerBootstrap()
            .group(loop)
            .channel(io.serverSocketChannel())
            .option(ChannelOption.SO_REUSEADDR, true)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(final SocketChannel ch) {
                    if (closed) {
                      ch.close();
                      return;
                    }
                    inboundChannels.add(ch);
                    ch.pipeline()
                        .addLast(new PeerFrameDecoder(config.maxFrameLengthBytes(), counters))
                        .addLast(
                            new InboundHandler(
                                config, counters, inbound, () -> inboundWakeup.run()));
                  }
                });
    serverChannel = b.bind(config.bindAddress()).sync().channel();
    return (InetSocketAddress) serverChannel.localAddress();
  }

  /**
   * Returns the address the listener is bound to.
   *
   * @return the address, or null before {@link #start()}
   */
  public InetSocketAddress localAddress() {
    final Channel server = serverChannel;
    return server == null ? null : (InetSocketAddress) server.localAddress();
  }

  /**
   * Adds a peer and starts dialling it.
   *
   * @param node the peer's node number
   * @param address where it listens
   */
  public void addPeer(final int node, final InetSocketAddress address) {
    if (node == ReplicaId.node(config.selfId())) {
      throw new IllegalArgumentException("self as peer: n" + node);
    }
    final PeerConnection c = new PeerConnection(node, address, loop, io, config, counters, jitter);
    if (peers.putIfAbsent(node, c) != null) {
      throw new IllegalArgumentException("peer n" + node + " already added");
    }
    c.start();
  }

  /**
   * Removes a peer, closing its connection and dropping what is queued for it.
   *
   * @param node the peer's node number
   */
  public void removePeer(final int node) {
    final PeerConnection c = peers.remove(node);
    if (c != null) {
      c.close();
    }
  }

  /**
   * Queues a message to the node of {@code m.to()}; never blocks.
   *
   * @param m the message
   * @return false if dropped (unknown peer, queue full, frame too long, transport closed)
   */
  public boolean send(final Message m) {
    final PeerConnection c = peers.get(ReplicaId.node(m.to()));
    if (c == null || closed) {
      counters.outboundDropped.incrementAndGet();
      return false;
    }
    return c.offer(m);
  }

  /**
   * Hands up to {@code limit} inbound messages to the handler; single consumer thread only.
   *
   * @param handler the consumer
   * @param limit most messages to hand over
   * @return messages handed over
   */
  public int poll(final MessageHandler handler, final int limit) {
    int n = 0;
    Message m;
    while (n < limit && (m = inbound.poll()) != null) {
      handler.onMessage(m);
      n++;
    }
    return n;
  }

  /**
   * Returns the counters.
   *
   * @return the counters
   */
  public TransportCounters counters() {
    return counters;
  }

  /**
   * Returns the frame bytes queued for a peer.
   *
   * @param node the peer
   * @return bytes, 0 for an unknown peer
   */
  public long queuedBytes(final int node) {
    final PeerConnection c = peers.get(node);
    return c == null ? 0 : c.queuedBytes();
  }

  /**
   * Returns the messages queued for a peer.
   *
   * @param node the peer
   * @return count, 0 for an unknown peer
   */
  public int queuedMessages(final int node) {
    final PeerConnection c = peers.get(node);
    return c == null ? 0 : c.queuedMessages();
  }

  /**
   * Returns the bytes written to a peer's channel but not yet taken by its socket.
   *
   * @param node the peer
   * @return bytes, 0 for an unknown or disconnected peer
   */
  public long pendingSocketBytes(final int node) {
    final PeerConnection c = peers.get(node);
    return c == null ? 0 : c.pendingSocketBytes();
  }

  /**
   * Returns the messages dropped for a peer because its queue was full.
   *
   * @param node the peer
   * @return count
   */
  public long dropped(final int node) {
    final PeerConnection c = peers.get(node);
    return c == null ? 0 : c.dropped();
  }

  /**
   * Returns whether the outbound connection to a peer is up.
   *
   * @param node the peer
   * @return true if connected
   */
  public boolean isConnected(final int node) {
    final PeerConnection c = peers.get(node);
    return c != null && c.isConnected();
  }

  /**
   * Returns the I/O flavour in use.
   *
   * @return the transport name
   */
  public String ioName() {
    return io.name();
  }

  /**
   * Closes every connection and the listener, stops the event loop (waiting up to 5 s) and releases
   * every buffer still queued in either direction.
   */
  @Override
  public void close() {
    closed = true;
    for (final PeerConnection c : peers.values()) {
      c.close();
    }
    final Channel server = serverChannel;
    if (server != null) {
      server.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
    // close accepted connections before stopping the loop: a channel dropped with the loop could
    // leave its socket open, and the peer would never see the end of stream
    inboundChannels.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    for (final PeerConnection c : peers.values()) {
      c.releaseQueued();
    }
    Message m;
    while ((m = inbound.poll()) != null) {
      PeerMessages.release(m);
    }
  }
}
