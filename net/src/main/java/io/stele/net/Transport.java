package io.stele.net;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import java.util.Locale;

/**
 * The socket transports Stele can run on, in order of preference: io_uring, then epoll, then NIO.
 *
 * <p>{@link #select(String)} picks the best available one (or the one asked for) and records why a
 * preferred transport was passed over, so the start-up log can say so in one line.
 */
public enum Transport {
  IO_URING("io_uring"),
  EPOLL("epoll"),
  NIO("nio");

  private final String displayName;

  Transport(final String displayName) {
    this.displayName = displayName;
  }

  /** The name used in settings, logs and metrics. */
  public String displayName() {
    return displayName;
  }

  /** Parses a setting value: {@code auto}, {@code io_uring}, {@code epoll} or {@code nio}. */
  public static Transport parse(final String name) {
    for (final Transport t : values()) {
      if (t.displayName.equals(name.toLowerCase(Locale.ROOT))) {
        return t;
      }
    }
    throw new IllegalArgumentException("unknown transport " + name);
  }

  /** Whether this transport can run on this machine. */
  public boolean isAvailable() {
    switch (this) {
      case IO_URING:
        return IoUring.isAvailable();
      case EPOLL:
        return Epoll.isAvailable();
      default:
        return true;
    }
  }

  /** Why this transport cannot run here, or {@code null} when it can. */
  public String unavailabilityReason() {
    final Throwable cause;
    switch (this) {
      case IO_URING:
        cause = IoUring.unavailabilityCause();
        break;
      case EPOLL:
        cause = Epoll.unavailabilityCause();
        break;
      default:
        cause = null;
        break;
    }
    if (cause == null) {
      return isAvailable() ? null : "unavailable";
    }
    return cause.getClass().getSimpleName()
        + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
  }

  /** The I/O handler factory for event loops of this transport. */
  public IoHandlerFactory ioHandlerFactory() {
    switch (this) {
      case IO_URING:
        return IoUringIoHandler.newFactory();
      case EPOLL:
        return EpollIoHandler.newFactory();
      default:
        return NioIoHandler.newFactory();
    }
  }

  /** The server socket channel class of this transport. */
  public Class<? extends ServerChannel> serverChannelClass() {
    switch (this) {
      case IO_URING:
        return IoUringServerSocketChannel.class;
      case EPOLL:
        return EpollServerSocketChannel.class;
      default:
        return NioServerSocketChannel.class;
    }
  }

  /** A chosen transport and, when a preferred one was passed over, the reason. */
  public record Selection(Transport transport, String fallbackReason) {
    /** One log line naming the transport in use and why a preferred one was not used. */
    public String describe() {
      return fallbackReason == null
          ? "transport " + transport.displayName
          : "transport " + transport.displayName + " (" + fallbackReason + ")";
    }
  }

  /**
   * Selects a transport. {@code "auto"} takes the first available in preference order; a named
   * transport that is unavailable falls back the same way, and the reason says so.
   */
  public static Selection select(final String requested) {
    final StringBuilder reasons = new StringBuilder();
    final boolean auto = "auto".equalsIgnoreCase(requested);
    final Transport wanted = auto ? IO_URING : parse(requested);
    for (final Transport t : values()) {
      if (t.ordinal() < wanted.ordinal()) {
        continue;
      }
      if (t.isAvailable()) {
        return new Selection(t, reasons.length() == 0 ? null : reasons.toString());
      }
      if (reasons.length() > 0) {
        reasons.append("; ");
      }
      reasons.append(t.displayName).append(" unavailable: ").append(t.unavailabilityReason());
    }
    throw new IllegalStateException("no transport available: " + reasons);
  }
}
