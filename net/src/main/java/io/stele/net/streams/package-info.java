/**
 * The Durable Streams protocol at {@code /v1/stream/{path}}, mapped onto single-partition topics.
 */
package io.stele.net.streams;
