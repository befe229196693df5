package io.stele.replication.raft;

import java.util.EnumSet;
import java.util.Set;

/**
 * Configuration of one Raft group replica, validated once when built. Time is in ticks; the node
 * decides how long a tick is (for example 10 ms).
 */
public final class RaftConfig {
  private final long id;
  private final long groupId;
  private final int electionTicks;
  private final int heartbeatTicks;
  private final boolean preVote;
  private final boolean checkQuorum;
  private final int maxAppendEntries;
  private final long maxAppendBytes;
  private final int inflightMessagesMax;
  private final long inflightBytesMax;
  private final long uncommittedBytesMax;
  private final Set<PlantedBug> plantedBugs;

  private RaftConfig(final Builder b) {
    this.id = b.id;
    this.groupId = b.groupId;
    this.electionTicks = b.electionTicks;
    this.heartbeatTicks = b.heartbeatTicks;
    this.preVote = b.preVote;
    this.checkQuorum = b.checkQuorum;
    this.maxAppendEntries = b.maxAppendEntries;
    this.maxAppendBytes = b.maxAppendBytes;
    this.inflightMessagesMax = b.inflightMessagesMax;
    this.inflightBytesMax = b.inflightBytesMax;
    this.uncommittedBytesMax = b.uncommittedBytesMax;
    this.plantedBugs = b.plantedBugs.isEmpty() ? Set.of() : EnumSet.copyOf(b.plantedBugs);
  }

  /**
   * Starts a builder.
   *
   * @param id this replica's persistent identity ({@link ReplicaId})
   * @param groupId the Raft group (one per shard)
   * @return the builder
   */
  public static Builder builder(final long id, final long groupId) {
    return new Builder(id, groupId);
  }

  /**
   * Returns the replica id.
   *
   * @return the id
   */
  public long id() {
    return id;
  }

  /**
   * Returns the group id.
   *
   * @return the group
   */
  public long groupId() {
    return groupId;
  }

  /**
   * Returns the minimum election timeout; the actual one is drawn from {@code [e, 2e)}.
   *
   * @return ticks
   */
  public int electionTicks() {
    return electionTicks;
  }

  /**
   * Returns the heartbeat interval.
   *
   * @return ticks
   */
  public int heartbeatTicks() {
    return heartbeatTicks;
  }

  /**
   * Returns whether pre-vote is on (thesis §9.6).
   *
   * @return true if on
   */
  public boolean preVote() {
    return preVote;
  }

  /**
   * Returns whether check-quorum and leader stickiness are on (thesis §6.2, §4.2.3).
   *
   * @return true if on
   */
  public boolean checkQuorum() {
    return checkQuorum;
  }

  /**
   * Returns the most entries in one AppendEntries.
   *
   * @return the count
   */
  public int maxAppendEntries() {
    return maxAppendEntries;
  }

  /**
   * Returns the most entry bytes in one AppendEntries (at least one entry is always sent).
   *
   * @return bytes
   */
  public long maxAppendBytes() {
    return maxAppendBytes;
  }

  /**
   * Returns the in-flight window per follower, in messages.
   *
   * @return the count
   */
  public int inflightMessagesMax() {
    return inflightMessagesMax;
  }

  /**
   * Returns the in-flight window per follower, in entry bytes.
   *
   * @return bytes
   */
  public long inflightBytesMax() {
    return inflightBytesMax;
  }

  /**
   * Returns how many bytes of uncommitted proposals the leader accepts before refusing more.
   *
   * @return bytes
   */
  public long uncommittedBytesMax() {
    return uncommittedBytesMax;
  }

  /**
   * Returns whether a planted bug is active (mutation tests only).
   *
   * @param bug the bug
   * @return true if planted
   */
  boolean has(final PlantedBug bug) {
    return plantedBugs.contains(bug);
  }

  /** Builder; every setting has a default sized for a LAN and 10 ms ticks. */
  public static final class Builder {
    private final long id;
    private final long groupId;
    private int electionTicks = 10;
    private int heartbeatTicks = 1;
    private boolean preVote = true;
    private boolean checkQuorum = true;
    private int maxAppendEntries = 256;
    private long maxAppendBytes = 1 << 20;
    private int inflightMessagesMax = 64;
    private long inflightBytesMax = 8L << 20;
    private long uncommittedBytesMax = 64L << 20;
    private final EnumSet<PlantedBug> plantedBugs = EnumSet.noneOf(PlantedBug.class);

    private Builder(final long id, final long groupId) {
      this.id = id;
      this.groupId = groupId;
    }

    /**
     * Sets the election timeout base.
     *
     * @param ticks at least 2 and more than the heartbeat interval
     * @return this
     */
    public Builder electionTicks(final int ticks) {
      this.electionTicks = ticks;
      return this;
    }

    /**
     * Sets the heartbeat interval.
     *
     * @param ticks at least 1
     * @return this
     */
    public Builder heartbeatTicks(final int ticks) {
      this.heartbeatTicks = ticks;
      return this;
    }

    /**
     * Turns pre-vote on or off.
     *
     * @param on whether on
     * @return this
     */
    public Builder preVote(final boolean on) {
      this.preVote = on;
      return this;
    }

    /**
     * Turns check-quorum (and leader stickiness) on or off.
     *
     * @param on whether on
     * @return this
     */
    public Builder checkQuorum(final boolean on) {
      this.checkQuorum = on;
      return this;
    }

    /**
     * Bounds one AppendEntries.
     *
     * @param entries most entries
     * @param bytes most entry bytes
     * @return this
     */
    public Builder maxAppend(final int entries, final long bytes) {
      this.maxAppendEntries = entries;
      this.maxAppendBytes = bytes;
      return this;
    }

    /**
     * Bounds the per-follower in-flight window.
     *
     * @param messages most unacknowledged AppendEntries
     * @param bytes most unacknowledged entry bytes
     * @return this
     */
    public Builder inflight(final int messages, final long bytes) {
      this.inflightMessagesMax = messages;
      this.inflightBytesMax = bytes;
      return this;
    }

    /**
     * Bounds uncommitted proposals at the leader.
     *
     * @param bytes most bytes
     * @return this
     */
    public Builder uncommittedBytesMax(final long bytes) {
      this.uncommittedBytesMax = bytes;
      return this;
    }

    /**
     * Plants protocol bugs. For mutation tests only: proves the simulator detects them.
     *
     * @param bugs bugs to plant
     * @return this
     */
    public Builder plantBugsForTesting(final Set<PlantedBug> bugs) {
      this.plantedBugs.addAll(bugs);
      return this;
    }

    /**
     * Validates and builds.
     *
     * @return the configuration
     */
    public RaftConfig build() {
      if (ReplicaId.node(id) < 1) {
        throw new IllegalArgumentException("id must be a ReplicaId: " + id);
      }
      if (heartbeatTicks < 1 || electionTicks <= heartbeatTicks) {
        throw new IllegalArgumentException(
            "need 1 <= heartbeatTicks < electionTicks: " + heartbeatTicks + ", " + electionTicks);
      }
      if (maxAppendEntries < 1 || maxAppendBytes < 1) {
        throw new IllegalArgumentException("append bounds must be positive");
      }
      if (inflightMessagesMax < 1 || inflightBytesMax < 1 || uncommittedBytesMax < 1) {
        throw new IllegalArgumentException("window bounds must be positive");
      }
      return new RaftConfig(this);
    }
  }
}
