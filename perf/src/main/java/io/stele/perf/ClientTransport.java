package io.stele.perf;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringSocketChannel;
import java.util.Locale;

/** The client's socket transport: io_uring, then epoll, then NIO, whichever is available first. */
enum ClientTransport {
  IO_URING("io_uring"),
  EPOLL("epoll"),
  NIO("nio");

  final String label;

  ClientTransport(final String label) {
    this.label = label;
  }

  boolean available() {
    try {
      switch (this) {
        case IO_URING:
          return IoUring.isAvailable();
        case EPOLL:
          return Epoll.isAvailable();
        default:
          return true;
      }
    } catch (final LinkageError e) {
      return false; // native classes absent from the class path
    }
  }

  IoHandlerFactory ioHandlerFactory() {
    switch (this) {
      case IO_URING:
        return IoUringIoHandler.newFactory();
      case EPOLL:
        return EpollIoHandler.newFactory();
      default:
        return NioIoHandler.newFactory();
    }
  }

  Class<? extends SocketChannel> channelClass() {
    switch (this) {
      case IO_URING:
        return IoUringSocketChannel.class;
      case EPOLL:
        return EpollSocketChannel.class;
      default:
        return NioSocketChannel.class;
    }
  }

  /** {@code auto} picks the first available; a named one that is unavailable is an error. */
  static ClientTransport select(final String requested) {
    if ("auto".equalsIgnoreCase(requested)) {
      for (final ClientTransport t : values()) {
        if (t.available()) {
          return t;
        }
      }
    }
    for (final ClientTransport t : values()) {
      if (t.label.equals(requested.toLowerCase(Locale.ROOT))) {
        if (!t.available()) {
          throw new IllegalArgumentException("transport " + requested + " is not available here");
        }
        return t;
      }
    }
    throw new IllegalArgumentException("unknown transport " + requested);
  }
}
