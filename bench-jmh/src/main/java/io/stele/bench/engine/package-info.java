/** JMH benchmarks of the storage engine: append throughput, storage choice, group commit. */
package io.stele.bench.engine;
