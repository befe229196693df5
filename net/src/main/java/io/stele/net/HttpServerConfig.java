package io.stele.net;

/**
 * Settings of the HTTP front door, validated by the caller (the server's configuration) before they
 * get here.
 *
 * @param host address to bind
 * @param port TCP port to bind; 0 picks a free one
 * @param transport {@code auto}, {@code io_uring}, {@code epoll} or {@code nio}
 * @param ioThreads number of event loops
 * @param maxInitialLineBytes longest request line accepted (longer: 414)
 * @param maxHeaderBytes largest header block accepted (larger: 431)
 * @param maxBodyBytes largest request body accepted (larger: 413)
 * @param idleTimeoutMs a connection with no traffic for this long is closed
 * @param requestTimeoutMs a request must arrive whole within this long of its first byte (else 408
 *     and close: slowloris)
 * @param maxConnections connections beyond this many are closed at accept
 */
public record HttpServerConfig(
    String host,
    int port,
    String transport,
    int ioThreads,
    int maxInitialLineBytes,
    int maxHeaderBytes,
    int maxBodyBytes,
    long idleTimeoutMs,
    long requestTimeoutMs,
    int maxConnections) {

  /** Default request timeout and connection limit. */
  public HttpServerConfig(
      final String host,
      final int port,
      final String transport,
      final int ioThreads,
      final int maxInitialLineBytes,
      final int maxHeaderBytes,
      final int maxBodyBytes,
      final long idleTimeoutMs) {
    this(
        host,
        port,
        transport,
        ioThreads,
        maxInitialLineBytes,
        maxHeaderBytes,
        maxBodyBytes,
        idleTimeoutMs,
        10_000,
        10_000);
  }
}
