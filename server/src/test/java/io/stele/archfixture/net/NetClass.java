package io.stele.archfixture.net;

/** Breaks "net never imports replication" and "only server wires". */
public final class NetClass {
  public io.stele.archfixture.replication.ReplicationClass replication;
  public io.stele.archfixture.server.ServerClass server;
}
