/** Replication: the pure Raft core and the peer transport that carries it. Never imports net. */
package io.stele.replication;
