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
 */
public record HttpServerConfig(
    String host,
    int port,
    String transport,
    int ioThreads,
    int maxInitialLineBytes,
    int maxHeaderBytes,
    int maxBodyBytes,
    long idleTimeoutMs) {}
