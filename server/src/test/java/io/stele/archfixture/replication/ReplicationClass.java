package io.stele.archfixture.replication;

/** Breaks "replication never imports net". */
public final class ReplicationClass {
  public io.stele.archfixture.net.NetClass net;
}
