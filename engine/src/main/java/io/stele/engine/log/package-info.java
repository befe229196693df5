/** Segment files of a shard log: naming, preallocation, positional writes and read-only maps. */
package io.stele.engine.log;
