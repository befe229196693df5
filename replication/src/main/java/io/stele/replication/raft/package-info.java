/**
 * The pure Raft core: messages, ticks and durable acknowledgements in; entries, hard state and
 * messages out. No I/O, no clock, no threads, no {@code Random} (enforced by an ArchUnit test).
 */
package io.stele.replication.raft;
