/** Black-box load generation over HTTP; imports nothing else of Stele. */
package io.stele.perf;
