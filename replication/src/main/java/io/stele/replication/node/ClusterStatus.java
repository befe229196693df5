package io.stele.replication.node;

import io.stele.replication.raft.Role;
import java.util.List;

/**
 * A replica's view of its shard group, published by the Raft thread about every 50 ms.
 *
 * @param node this node's number
 * @param replica this replica's id ({@code nN.I}: node and incarnation)
 * @param voters the voters' replica ids
 * @param role its role
 * @param term its current term
 * @param leader the node number of the known leader, 0 if none
 * @param commitIndex the commit index
 * @param durableIndex the last log index flushed here
 * @param lastIndex the last log index in the core's log
 * @param leaderReady true on a leader whose no-op has committed (everything before it has too)
 * @param peers the other voters (match index known on the leader only, else -1)
 */
public record ClusterStatus(
    int node,
    String replica,
    List<String> voters,
    Role role,
    long term,
    int leader,
    long commitIndex,
    long durableIndex,
    long lastIndex,
    boolean leaderReady,
    List<Peer> peers) {

  /**
   * One other voter.
   *
   * @param node its node number
   * @param matchIndex highest log index known replicated there (leader only; else -1)
   * @param connected whether the outbound connection to it is up
   */
  public record Peer(int node, long matchIndex, boolean connected) {}
}
