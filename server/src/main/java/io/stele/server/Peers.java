package io.stele.server;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code --peers} setting: {@code N=HOST:HTTP_PORT:RAFT_PORT,...}, one entry per voter.
 *
 * @param byNode each voter's addresses by node number
 */
record Peers(Map<Integer, Peer> byNode) {
  /**
   * One voter.
   *
   * @param node its number
   * @param host its host
   * @param httpPort its HTTP API port
   * @param raftPort its peer (Raft) port
   */
  record Peer(int node, String host, int httpPort, int raftPort) {
    InetSocketAddress raftAddress() {
      return new InetSocketAddress(host, raftPort);
    }

    String httpBase() {
      return "http://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + httpPort;
    }
  }

  /**
   * Parses the setting.
   *
   * @param spec the value
   * @param self this node's number, which must be listed
   * @return the peers
   * @throws IllegalArgumentException naming what is wrong
   */
  static Peers parse(final String spec, final int self) {
    final Map<Integer, Peer> m = new TreeMap<>();
    for (final String raw : spec.split(",")) {
      final String e = raw.trim();
      if (e.isEmpty()) {
        continue;
      }
      final int eq = e.indexOf('=');
      final int c2 = e.lastIndexOf(':');
      final int c1 = c2 < 0 ? -1 : e.lastIndexOf(':', c2 - 1);
      if (eq <= 0 || c1 <= eq + 1 || c2 <= c1 + 1 || c2 == e.length() - 1) {
        throw new IllegalArgumentException("peer '" + e + "' is not N=HOST:HTTP_PORT:RAFT_PORT");
      }
      final int node = number(e.substring(0, eq), 1, 255, e);
      final String host = e.substring(eq + 1, c1);
      final int http = number(e.substring(c1 + 1, c2), 1, 65535, e);
      final int raft = number(e.substring(c2 + 1), 1, 65535, e);
      if (m.put(node, new Peer(node, host, http, raft)) != null) {
        throw new IllegalArgumentException("node " + node + " is listed twice");
      }
    }
    if (!m.containsKey(self)) {
      throw new IllegalArgumentException(
          "--node-id " + self + " is not among the peers " + m.keySet());
    }
    return new Peers(m);
  }

  private static int number(final String s, final int min, final int max, final String entry) {
    try {
      final int v = Integer.parseInt(s.trim());
      if (v >= min && v <= max) {
        return v;
      }
    } catch (final NumberFormatException ignored) {
      // reported below
    }
    throw new IllegalArgumentException(
        "'" + s + "' in peer '" + entry + "' is not a number in [" + min + ", " + max + "]");
  }

  /**
   * Parses {@code --peer-dial}: {@code N=HOST:PORT,...} for peers listed in {@code --peers}.
   *
   * @param spec the value, may be blank
   * @return the dial addresses by node
   */
  Map<Integer, InetSocketAddress> parseDial(final String spec) {
    final Map<Integer, InetSocketAddress> m = new TreeMap<>();
    for (final String raw : spec.split(",")) {
      final String e = raw.trim();
      if (e.isEmpty()) {
        continue;
      }
      final int eq = e.indexOf('=');
      final int c = e.lastIndexOf(':');
      if (eq <= 0 || c <= eq + 1 || c == e.length() - 1) {
        throw new IllegalArgumentException("peer-dial '" + e + "' is not N=HOST:PORT");
      }
      final int node = number(e.substring(0, eq), 1, 255, e);
      if (!byNode.containsKey(node)) {
        throw new IllegalArgumentException("peer-dial names node " + node + ", not in --peers");
      }
      m.put(
          node,
          new InetSocketAddress(e.substring(eq + 1, c), number(e.substring(c + 1), 1, 65535, e)));
    }
    return m;
  }

  /**
   * Parses {@code --voters}: the node numbers that form the group when it is first created; blank
   * means every peer.
   *
   * @param spec the value
   * @return the voters
   */
  java.util.Set<Integer> parseVoters(final String spec) {
    final java.util.Set<Integer> v = new java.util.TreeSet<>();
    if (spec.isBlank()) {
      v.addAll(byNode.keySet());
    } else {
      for (final String raw : spec.split(",")) {
        final int n = number(raw, 1, 255, spec);
        if (!byNode.containsKey(n)) {
          throw new IllegalArgumentException(
              "voter " + n + " is not in --peers " + byNode.keySet());
        }
        v.add(n);
      }
    }
    if (v.size() % 2 == 0) {
      throw new IllegalArgumentException(
          v.size()
              + " voters: use an odd number (a majority of an even count tolerates no more"
              + " failures)");
    }
    return v;
  }

  Map<Integer, InetSocketAddress> raftAddresses() {
    final Map<Integer, InetSocketAddress> out = new TreeMap<>();
    byNode.forEach((n, p) -> out.put(n, p.raftAddress()));
    return out;
  }
}
