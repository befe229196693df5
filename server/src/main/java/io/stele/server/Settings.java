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

  public static final Setting<String> PROFILE =
      Setting.choiceSetting(
          "profile",
          "balanced",
          "how threads wait for work, write sizes, event loops and the GC bin/stele picks"
              + " (docs/tuning.md): balanced (short spin, then park), latency (spin up to ~1 ms,"
              + " ZGC, heap pre-touched), throughput (park at once, 8 MiB writes, half the cores"
              + " as event loops unless --io-threads is given, parallel GC)",
          "balanced",
          "latency",
          "throughput");

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
          1 << 20,
          1024,
          16 << 20,
          "largest HTTP request body accepted (one produce request is one log batch); larger is"
              + " answered 413");

  public static final Setting<Integer> MAX_RECORDS_PER_REQUEST =
      Setting.intSetting(
          "max-records-per-request",
          10_000,
          1,
          100_000,
          "most records one produce request may carry; more is answered 413");

  public static final Setting<Integer> MAX_PARTITIONS =
      Setting.intSetting("max-partitions", 1024, 1, 65_536, "most partitions a topic may have");

  public static final Setting<Integer> MAX_READ_RECORDS =
      Setting.intSetting(
          "max-read-records", 10_000, 1, 1_000_000, "largest 'limit' a consume request may ask");

  public static final Setting<Integer> MAX_READ_BYTES =
      Setting.intSetting(
          "max-read-bytes",
          16 << 20,
          4096,
          256 << 20,
          "largest 'max_bytes' a consume request may ask");

  public static final Setting<Long> MAX_WAIT_MS =
      Setting.longSetting(
          "max-wait-ms", 30_000, 0, 600_000, "longest long-poll 'wait_ms' a request may ask");

  public static final Setting<Long> SSE_MAX_LIFETIME_MS =
      Setting.longSetting(
          "sse-max-lifetime-ms",
          300_000,
          1_000,
          86_400_000,
          "an SSE tail ends after this long; clients resume with Last-Event-ID");

  public static final Setting<Long> SSE_KEEPALIVE_MS =
      Setting.longSetting(
          "sse-keepalive-ms",
          15_000,
          100,
          600_000,
          "an idle SSE tail sends a comment line this often");

  public static final Setting<Integer> SEGMENT_BYTES =
      Setting.intSetting(
          "segment-bytes",
          64 << 20,
          1 << 20,
          1 << 30,
          "size of each preallocated log segment file (multiple of 4096); fixed when the log is"
              + " created");

  public static final Setting<String> SEGMENT_INIT =
      Setting.choiceSetting(
          "segment-init",
          "zeros",
          "how a new segment file gets its space: zeros (write zero bytes; flushes stay cheapest:"
              + " small records, durable appends under load) or allocate (reserve the blocks with"
              + " fallocate and read them into memory ahead of the writer: faster for large"
              + " records at memory durability and a lone durable producer, slower otherwise;"
              + " zeros where the system cannot reserve)",
          "zeros",
          "allocate");

  public static final Setting<Long> CACHE_WINDOW_BYTES =
      Setting.longSetting(
          "cache-window-bytes",
          256L << 20,
          -1,
          1L << 50,
          "flushed bytes of each shard log kept in the page cache behind its durable position;"
              + " older ones are dropped from it, so new segments reuse that memory instead of"
              + " growing the cache (readers of older records read them from the disk); -1 leaves"
              + " the page cache to the kernel");

  public static final Setting<Integer> SHARDS =
      Setting.intSetting(
          "shards",
          1,
          1,
          64,
          "shard logs of a single node, each with its own writer and group-committed flush;"
              + " fixed when the data directory is created; a cluster node has one");

  public static final Setting<Long> IDLE_TIMEOUT_MS =
      Setting.longSetting(
          "idle-timeout-ms",
          60_000,
          100,
          3_600_000,
          "a connection with no traffic in either direction for this long is closed");

  public static final Setting<Long> REQUEST_TIMEOUT_MS =
      Setting.longSetting(
          "request-timeout-ms",
          10_000,
          100,
          600_000,
          "a request must arrive whole within this long of its first byte, else 408 and close");

  public static final Setting<Integer> MAX_CONNECTIONS =
      Setting.intSetting(
          "max-connections", 10_000, 1, 1_000_000, "connections beyond this many are closed");

  public static final Setting<Long> SHUTDOWN_TIMEOUT_MS =
      Setting.longSetting(
          "shutdown-timeout-ms",
          3_000,
          0,
          60_000,
          "on SIGTERM/SIGINT, how long in-flight requests may take to finish");

  public static final Setting<Integer> NODE_ID =
      Setting.intSetting(
          "node-id",
          0,
          0,
          255,
          "this node's number in --peers; 0 runs a single node (no replication)");

  public static final Setting<String> PEERS =
      Setting.optionalTextSetting(
          "peers",
          "N=HOST:HTTP_PORT:RAFT_PORT,... (every voter, this node included)",
          "the cluster's voters: node number, HTTP address, peer (Raft) port");

  public static final Setting<String> PEER_DIAL =
      Setting.optionalTextSetting(
          "peer-dial",
          "N=HOST:PORT,...",
          "connect to peer N at this address instead of its --peers one (a proxy in between)");

  public static final Setting<String> VOTERS =
      Setting.optionalTextSetting(
          "voters",
          "N,N,... (an odd number of --peers; default all of them)",
          "the nodes that form the group when it is first created; others join later");

  public static final Setting<String> CLUSTER_STATE =
      Setting.choiceSetting(
          "cluster-state",
          "new",
          "new: start or restart a member; existing: join a running group with an empty data"
              + " directory (a new incarnation, added with POST /v1/cluster/voters/N)",
          "new",
          "existing");

  public static final Setting<Long> CLUSTER_ID =
      Setting.longSetting(
          "cluster-id", 1, 1, Long.MAX_VALUE, "cluster identity; every node of a cluster the same");

  public static final Setting<Long> RAFT_TICK_MS =
      Setting.longSetting("raft-tick-ms", 10, 1, 1_000, "length of one Raft tick");

  public static final Setting<Integer> ELECTION_TICKS =
      Setting.intSetting(
          "election-ticks",
          30,
          4,
          10_000,
          "election timeout in ticks (randomized in [n, 2n)); heartbeats every n/10 ticks");

  /** All settings, in help order. */
  public static final List<Setting<?>> ALL =
      List.of(
          CONFIG,
          HOST,
          PORT,
          DATA_DIR,
          TRANSPORT,
          PROFILE,
          IO_THREADS,
          MAX_INITIAL_LINE_BYTES,
          MAX_HEADER_BYTES,
          MAX_BODY_BYTES,
          MAX_RECORDS_PER_REQUEST,
          MAX_PARTITIONS,
          MAX_READ_RECORDS,
          MAX_READ_BYTES,
          MAX_WAIT_MS,
          SSE_MAX_LIFETIME_MS,
          SSE_KEEPALIVE_MS,
          SEGMENT_BYTES,
          SEGMENT_INIT,
          CACHE_WINDOW_BYTES,
          SHARDS,
          IDLE_TIMEOUT_MS,
          REQUEST_TIMEOUT_MS,
          MAX_CONNECTIONS,
          SHUTDOWN_TIMEOUT_MS,
          NODE_ID,
          PEERS,
          PEER_DIAL,
          VOTERS,
          CLUSTER_STATE,
          CLUSTER_ID,
          RAFT_TICK_MS,
          ELECTION_TICKS);
}
