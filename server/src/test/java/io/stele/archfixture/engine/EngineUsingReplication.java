package io.stele.archfixture.engine;

/** Breaks "engine imports no replication". */
public final class EngineUsingReplication {
  public io.stele.archfixture.replication.ReplicationClass replication;
}
