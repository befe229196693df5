/** A TCP fault proxy that puts delay, loss, corruption and partitions between peer nodes. */
package io.stele.perf.fault;
