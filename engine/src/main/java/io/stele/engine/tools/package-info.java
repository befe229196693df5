/** Offline tools over a data directory (the log checker behind {@code stele check}). */
package io.stele.engine.tools;
