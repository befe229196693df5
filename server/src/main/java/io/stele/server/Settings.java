package io.stele.server;

import java.util.List;

/** Every setting Stele reads, in the order {@code stele serve --help} lists them. */
public final class Settings {
  private Settings() {}

  public static final Setting<String> CONFIG =
      Setting.textSetting(
          "config",
          "",
          "a readable file path",
          "configuration file of 'name = value' lines (lowest precedence above defaults)");

  public static final Setting<String> HOST =
      Setting.textSetting(
          "host",
          "127.0.0.1",
          "an IP address or host name",
          "address the HTTP API binds; 0.0.0.0 binds all interfaces");

  public static final Setting<Integer> PORT =
      Setting.intSetting("port", 7070, 0, 65535, "TCP port of the HTTP API; 0 picks a free port");

  public static final Setting<String> DATA_DIR =
      Setting.textSetting(
          "data-dir", "./data", "a directory path", "directory holding this node's data");

  public static final Setting<String> TRANSPORT =
      Setting.choiceSetting(
          "transport",
          "auto",
          "socket transport; auto tries io_uring, then epoll, then nio",
          "auto",
          "io_uring",
          "epoll",
          "nio");

  public static final Setting<Integer> IO_THREADS =
      Setting.intSetting("io-threads", 1, 1, 64, "number of HTTP event loops");

  public static final Setting<Integer> MAX_INITIAL_LINE_BYTES =
      Setting.intSetting(
          "max-initial-line-bytes",
          8192,
          256,
          1 << 20,
          "longest HTTP request line accepted; longer is answered 414");

  public static final Setting<Integer> MAX_HEADER_BYTES =
      Setting.intSetting(
          "max-header-bytes",
          16384,
          1024,
          1 << 20,
          "largest HTTP header block accepted; larger is answered 431");

  public static final Setting<Integer> MAX_BODY_BYTES =
      Setting.intSetting(
          "max-body-bytes",
          16 << 20,
          1024,
          1 << 30,
          "largest HTTP request body accepted; larger is answered 413");

  public static final Setting<Long> IDLE_TIMEOUT_MS =
      Setting.longSetting(
          "idle-timeout-ms",
          60_000,
          100,
          3_600_000,
          "a connection with no traffic in either direction for this long is closed");

  public static final Setting<Long> SHUTDOWN_TIMEOUT_MS =
      Setting.longSetting(
          "shutdown-timeout-ms",
          3_000,
          0,
          60_000,
          "on SIGTERM/SIGINT, how long in-flight requests may take to finish");

  /** All settings, in help order. */
  public static final List<Setting<?>> ALL =
      List.of(
          CONFIG,
          HOST,
          PORT,
          DATA_DIR,
          TRANSPORT,
          IO_THREADS,
          MAX_INITIAL_LINE_BYTES,
          MAX_HEADER_BYTES,
          MAX_BODY_BYTES,
          IDLE_TIMEOUT_MS,
          SHUTDOWN_TIMEOUT_MS);
}
