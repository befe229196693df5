package io.stele.replication.transport;

import io.stele.replication.raft.ReplicaId;

/**
 * The first frame on a connection: who is sending, for which cluster, to which node. A receiver
 * refuses a connection whose cluster id or receiver node is not its own, so a misconfigured peer
 * (wrong cluster, wrong address list) can never inject messages.
 *
 * @param clusterId cluster the sender belongs to
 * @param senderId sender replica id (node and incarnation)
 * @param receiverNode node number the sender believes it dialled
 */
public record Handshake(long clusterId, long senderId, int receiverNode) {
  @Override
  public String toString() {
    return "handshake(cluster="
        + Long.toHexString(clusterId)
        + " from="
        + ReplicaId.toString(senderId)
        + " to=n"
        + receiverNode
        + ")";
  }
}
