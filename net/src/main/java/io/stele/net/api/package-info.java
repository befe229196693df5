/** The native API: topics, produce, consume (NDJSON, long-poll, SSE) and consumer-group offsets. */
package io.stele.net.api;
