/** Tests of the replica node. */
package io.stele.replication.node;
