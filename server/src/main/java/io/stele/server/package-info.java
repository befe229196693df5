/** main(), CLI, configuration, wiring and lifecycle: the only package that wires the modules. */
package io.stele.server;
