/** The engine implementation: writer, sync and housekeeping agents, shard state and recovery. */
package io.stele.engine.internal;
