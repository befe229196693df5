/**
 * Peer transport: checksummed binary framing of Raft messages and one Netty connection per peer.
 */
package io.stele.replication.transport;
