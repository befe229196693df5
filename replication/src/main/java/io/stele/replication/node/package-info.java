/** The replica node: drives the Raft core on one thread and persists what it must (in progress). */
package io.stele.replication.node;
