/** History checker for cluster fault tests: client operations against final replica logs. */
package io.stele.perf.check;
