/** Tests of the peer transport over real loopback sockets. */
package io.stele.replication.transport;
