/**
 * Deliberately broken classes, one per forbidden arrow, that the architecture test must catch: the
 * negative control proving its rules have teeth. Mirrors the real layout under another root.
 */
package io.stele.archfixture;
