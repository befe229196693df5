/** Architecture rules for the replication module. */
package io.stele.replication.raft.arch;
