/** The on-disk and on-wire record-batch format: layout constants, flyweights and codecs. */
package io.stele.engine.format;
