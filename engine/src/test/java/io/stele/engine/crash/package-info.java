/** Crash, power-cut and fsync-failure tests that run the engine in a child JVM and kill it. */
package io.stele.engine.crash;
