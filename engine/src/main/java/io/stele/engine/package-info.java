/**
 * Storage: the record-batch format, the shard log, the single-writer append pipeline and recovery.
 * Imports neither Netty nor replication.
 */
package io.stele.engine;
