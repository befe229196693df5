/** Deterministic simulator for the Raft core: seeded network, disks, crashes and invariants. */
package io.stele.replication.raft.sim;
