/**
 * HTTP front door on Netty: transport selection, routing, problem+json errors. Never imports
 * replication.
 */
package io.stele.net;
