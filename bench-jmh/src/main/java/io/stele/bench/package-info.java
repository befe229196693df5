/** JMH microbenchmarks of the engine, net and replication modules. */
package io.stele.bench;
