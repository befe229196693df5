package io.stele.replication.transport;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The Netty I/O flavour the peer transport runs on: io_uring, then epoll, then NIO. The server
 * module makes the same choice for HTTP; it can pass its own instance so both agree.
 *
 * @param name "io_uring", "epoll" or "nio"
 * @param ioHandlerFactory supplies a handler factory for an event loop group
 * @param socketChannel client channel class
 * @param serverSocketChannel server channel class
 */
public record IoTransport(
    String name,
    Supplier<IoHandlerFactory> ioHandlerFactory,
    Class<? extends SocketChannel> socketChannel,
    Class<? extends ServerSocketChannel> serverSocketChannel) {

  /**
   * Returns NIO, available everywhere.
   *
   * @return the NIO transport
   */
  public static IoTransport nio() {
    return new IoTransport(
        "nio", NioIoHandler::newFactory, NioSocketChannel.class, NioServerSocketChannel.class);
  }

  /**
   * Selects a transport by preference.
   *
   * @param preference "auto" (io_uring, then epoll, then NIO), "io_uring", "epoll" or "nio"
   * @return the first available transport at or after the preference
   */
  public static IoTransport select(final String preference) {
    final String p = preference.toLowerCase(Locale.ROOT);
    if ((p.equals("auto") || p.equals("io_uring")) && IoUring.isAvailable()) {
      return new IoTransport(
          "io_uring",
          IoUringIoHandler::newFactory,
          IoUringSocketChannel.class,
          IoUringServerSocketChannel.class);
    }
    if ((p.equals("auto") || p.equals("io_uring") || p.equals("epoll")) && Epoll.isAvailable()) {
      return new IoTransport(
          "epoll",
          EpollIoHandler::newFactory,
          EpollSocketChannel.class,
          EpollServerSocketChannel.class);
    }
    if (!p.equals("auto") && !p.equals("io_uring") && !p.equals("epoll") && !p.equals("nio")) {
      throw new IllegalArgumentException("unknown transport " + preference);
    }
    return nio();
  }
}
