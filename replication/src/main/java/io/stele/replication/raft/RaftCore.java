package io.stele.replication.raft;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One replica of one Raft group, as a pure deterministic state machine. Inputs: {@link #tick()},
 * {@link #step(Message)}, {@link #onPersisted(long, long)} (the local log is durable up to an
 * index), and client calls ({@link #propose}, {@link #proposeMembership}, {@link #readIndex},
 * {@link #transferLeadership}, {@link #compact}). Output: {@link #ready()} (see {@link Ready} for
 * the node's obligations). No I/O, clock, thread or {@code Random}: equal inputs give equal
 * outputs, which is what makes the simulator's seeds replayable. Not thread-safe: one thread (the
 * group's owner) calls every method. A plain object: many groups per node cost one instance each.
 *
 * <p>Protocol: Raft (Ongaro &amp; Ousterhout 2014, thesis 2014) with pre-vote (§9.6), check-quorum
 * and leader stickiness (§6.2, §4.2.3), leadership transfer (§3.10), single-server membership
 * changes effective on append (§4.1), read index (§6.4), and asynchronous local writes where the
 * leader counts itself only up to its durable index (§10.2.1).
 */
public final class RaftCore {
  private static final long NONE = ReplicaId.NONE;

  private final RaftConfig cfg;
  private final long id;
  private final RandomSource random;
  private final RaftLog log;

  /** CONFIG entries in the log after the snapshot point, in index order. */
  private final ArrayList<Entry> configEntries = new ArrayList<>();

  private Membership membership;

  // Persistent (HardState): written by this core only, durable before messages leave.
  private long term;
  private long vote;
  private boolean hardStateDirty;

  private Role role = Role.FOLLOWER;
  private long leaderId = NONE;

  /** Highest index known committed. Never decreases during this instance's life. */
  private long commitIndex;

  /** Highest index the node reported durable whose term still matches the log. */
  private long stableIndex;

  private int electionElapsed;
  private int heartbeatElapsed;
  private int randomizedElectionTimeout;

  /** Votes of the current (pre-)campaign: parallel arrays, at most one entry per voter. */
  private long[] voteFrom = new long[8];

  private boolean[] voteGranted = new boolean[8];
  private int voteCount;

  /** Leader: one entry per member except itself. */
  private final ArrayList<Progress> peers = new ArrayList<>();

  private long[] scratch = new long[8];
  private long leadTransferee = NONE;
  private boolean committedInTerm;
  private long uncommittedBytes;

  /** Follower: highest index known to match the current term's leader log. Reset on new term. */
  private long verifiedIndex;

  /** Follower: highest index acknowledged to the leader in the current term. */
  private long ackedIndex;

  /** Leader: read-index rounds (seq, requestId, index) awaiting quorum confirmation. */
  private final ArrayDeque<long[]> pendingReads = new ArrayDeque<>();

  /** Leader: reads that arrived before an entry of this term committed (§6.4 step 1). */
  private final ArrayDeque<Long> waitingReads = new ArrayDeque<>();

  private long readSeq;

  // Output of the current Ready.
  private ArrayList<Entry> outEntries = new ArrayList<>();
  private SnapshotMeta outSnapshot;
  private ArrayList<Message> outMessages = new ArrayList<>();
  private ArrayList<ReadState> outReads = new ArrayList<>();
  private long readyCommit;
  private Role readyRole = Role.FOLLOWER;
  private long readyLeader = NONE;
  private long readyTerm;

  /**
   * Starts a replica from its recovered durable state (or a bootstrap state).
   *
   * @param cfg configuration
   * @param random source for election timeouts
   * @param hardState recovered term and vote
   * @param snapshot recovered snapshot point, with the configuration in force there
   * @param entries recovered log after the snapshot point; the node must have flushed them
   */
  public RaftCore(
      final RaftConfig cfg,
      final RandomSource random,
      final HardState hardState,
      final SnapshotMeta snapshot,
      final List<Entry> entries) {
    this(cfg, random, hardState, snapshot, entries, LogStorage.NONE);
  }

  /**
   * Starts a replica from its recovered durable state, with the node's storage of compacted
   * entries.
   *
   * @param cfg configuration
   * @param random source for election timeouts
   * @param hardState recovered term and vote
   * @param snapshot recovered snapshot point, with the configuration in force there
   * @param entries recovered log after the snapshot point; the node must have flushed them
   * @param storage entries at or below the snapshot point that the node still has
   */
  public RaftCore(
      final RaftConfig cfg,
      final RandomSource random,
      final HardState hardState,
      final SnapshotMeta snapshot,
      final List<Entry> entries,
      final LogStorage storage) {
    this.cfg = cfg;
    this.id = cfg.id();
    this.random = random;
    this.log = new RaftLog(snapshot, entries, storage);
    this.term = hardState.term();
    this.vote = hardState.vote();
    if (log.lastTerm() > term) {
      throw new IllegalArgumentException(
          "log term " + log.lastTerm() + " above hard state " + term);
    }
    for (final Entry e : entries) {
      if (e.type() == EntryType.CONFIG) {
        configEntries.add(e);
      }
    }
    this.membership = latestMembership();
    this.commitIndex = snapshot.index();
    this.stableIndex = log.lastIndex();
    this.readyCommit = commitIndex;
    this.readyTerm = term;
    resetRandomizedElectionTimeout();
  }

  /**
   * Starts a brand-new replica of a group with an initial configuration (index 0).
   *
   * @param cfg configuration
   * @param random source for election timeouts
   * @param initial the group's initial voters and learners; {@link Membership#EMPTY} for a replica
   *     that waits to be added by the leader
   * @return the core
   */
  public static RaftCore bootstrap(
      final RaftConfig cfg, final RandomSource random, final Membership initial) {
    return new RaftCore(
        cfg, random, new HardState(0, NONE), new SnapshotMeta(0, 0, initial), List.of());
  }

  // ------------------------------------------------------------------------------------------
  // Inputs

  /** Advances logical time by one tick: election timeouts, heartbeats, check-quorum. */
  public void tick() {
    if (role == Role.LEADER) {
      tickLeader();
    } else {
      electionElapsed++;
      if (promotable() && electionElapsed >= randomizedElectionTimeout) {
        electionElapsed = 0;
        campaign(cfg.preVote(), false);
      }
    }
  }

  /**
   * Handles one message from a peer. Messages for another group or another incarnation are dropped.
   *
   * @param m the message
   */
  public void step(final Message m) {
    if (m.groupId() != cfg.groupId() || m.to() != id) {
      return;
    }
    if (m.term() > term) {
      if (m.type() == MessageType.VOTE || m.type() == MessageType.PRE_VOTE) {
        final boolean force =
            m.type() == MessageType.VOTE && m.context() == Message.CAMPAIGN_TRANSFER;
        final boolean inLease =
            cfg.checkQuorum() && leaderId != NONE && electionElapsed < cfg.electionTicks();
        if (!force && inLease) {
          return; // leader stickiness (thesis §4.2.3): a live leader is not disrupted
        }
      }
      if (m.type() == MessageType.PRE_VOTE) {
        // a pre-vote never changes our term
      } else if (m.type() == MessageType.PRE_VOTE_RESPONSE && !m.reject()) {
        // granted pre-votes carry the term we asked for, not a term we must adopt
      } else if (m.type() == MessageType.APPEND
          || m.type() == MessageType.HEARTBEAT
          || m.type() == MessageType.SNAPSHOT) {
        becomeFollower(m.term(), m.from());
      } else {
        becomeFollower(m.term(), NONE);
      }
    } else if (m.term() < term) {
      if ((cfg.checkQuorum() || cfg.preVote())
          && (m.type() == MessageType.APPEND || m.type() == MessageType.HEARTBEAT)) {
        // tell a stale leader about the newer term so it steps down (it may be unable to learn it
        // any other way when pre-vote keeps terms from rising)
        send(MessageType.APPEND_RESPONSE, m.from(), term, 0, 0, null, false, 0, 0);
      } else if (m.type() == MessageType.PRE_VOTE) {
        send(MessageType.PRE_VOTE_RESPONSE, m.from(), term, 0, 0, null, true, 0, 0);
      }
      return;
    }
    switch (m.type()) {
      case PRE_VOTE, VOTE -> handleVoteRequest(m);
      default -> {
        switch (role) {
          case LEADER -> stepLeader(m);
          case CANDIDATE, PRE_CANDIDATE -> stepCandidate(m);
          case FOLLOWER -> stepFollower(m);
          default -> throw new IllegalStateException();
        }
      }
    }
  }

  /**
   * Reports that the local log is durable up to {@code index}, whose term was {@code term} when
   * written. Stale reports (the entry was since replaced) are ignored.
   *
   * @param index last durable index
   * @param term term of the entry at {@code index}
   */
  public void onPersisted(final long index, final long term) {
    if (index <= stableIndex || index > log.lastIndex() || log.term(index) != term) {
      return;
    }
    stableIndex = index;
    if (role == Role.LEADER) {
      if (maybeCommit()) {
        bcastAppend(true);
      }
    } else if (role == Role.FOLLOWER && leaderId != NONE) {
      sendAck(false);
    }
  }

  /**
   * Proposes a record batch. Only a leader accepts, and not during a leadership transfer or when
   * the uncommitted backlog exceeds its bound.
   *
   * @param payload opaque payload reference
   * @param sizeBytes payload size for flow control
   * @return the entry's index, or 0 if refused
   */
  public long propose(final Object payload, final int sizeBytes) {
    return propose(payload, sizeBytes, true);
  }

  /**
   * Proposes a record batch, optionally without sending it yet: a node that proposes a burst of
   * batches sends them with one {@link #broadcastProposals()}, so each follower gets one
   * AppendEntries for the burst rather than one per batch.
   *
   * @param payload opaque payload reference
   * @param sizeBytes payload size for flow control
   * @param send whether to send AppendEntries now
   * @return the entry's index, or 0 if refused
   */
  public long propose(final Object payload, final int sizeBytes, final boolean send) {
    if (role != Role.LEADER || leadTransferee != NONE) {
      return 0;
    }
    if (uncommittedBytes > 0 && uncommittedBytes + sizeBytes > cfg.uncommittedBytesMax()) {
      return 0;
    }
    final Entry e = new Entry(log.lastIndex() + 1, term, EntryType.NORMAL, payload, sizeBytes);
    appendLocal(e);
    uncommittedBytes += sizeBytes;
    if (send) {
      bcastAppend(false);
    }
    return e.index();
  }

  /** Sends AppendEntries for proposals made with {@code send=false}; a no-op unless leader. */
  public void broadcastProposals() {
    if (role == Role.LEADER) {
      bcastAppend(false);
    }
  }

  /**
   * Proposes a new configuration differing by at most one voter (thesis §4.1). Refused unless
   * leader, no other configuration change is uncommitted, and an entry of this term has committed
   * (which closes the single-server-change hole found after the thesis).
   *
   * @param next the new configuration
   * @return the entry's index, or 0 if refused
   */
  public long proposeMembership(final Membership next) {
    if (role != Role.LEADER
        || leadTransferee != NONE
        || !committedInTerm
        || latestConfigIndex() > commitIndex
        || next.voterCount() == 0
        || next.voterDistance(membership) > 1
        || next.equals(membership)) {
      return 0;
    }
    final Entry e = new Entry(log.lastIndex() + 1, term, EntryType.CONFIG, next, 64);
    appendLocal(e);
    bcastAppend(false);
    return e.index();
  }

  /**
   * Asks for a linearizable read index (thesis §6.4): the leader records its commit index, confirms
   * with a quorum of heartbeats that it is still leader, then releases a {@link ReadState}. Reads
   * pending when leadership is lost are dropped; the caller retries.
   *
   * @param requestId caller's id, echoed in the read state
   * @return false if this replica is not the leader
   */
  public boolean readIndex(final long requestId) {
    if (role != Role.LEADER) {
      return false;
    }
    if (!committedInTerm) {
      waitingReads.add(requestId);
    } else {
      startRead(requestId);
    }
    return true;
  }

  /**
   * Starts handing leadership to a voter (thesis §3.10): proposals are refused until it completes
   * or times out after one election timeout.
   *
   * @param target the voter to hand leadership to
   * @return false if not leader or the target is not another voter
   */
  public boolean transferLeadership(final long target) {
    if (role != Role.LEADER || target == id || !membership.isVoter(target)) {
      return false;
    }
    final Progress pr = peer(target);
    if (pr == null) {
      return false;
    }
    leadTransferee = target;
    electionElapsed = 0;
    if (pr.match == log.lastIndex()) {
      send(MessageType.TIMEOUT_NOW, target, term, 0, 0, null, false, 0, 0);
    } else {
      sendAppend(pr, false);
    }
    return true;
  }

  /**
   * Drops log entries up to {@code index} from memory once they are committed and durable (the
   * shard log keeps them on disk until retention); a follower that needs them later gets a snapshot
   * (segment transfer).
   *
   * @param index new snapshot point
   * @return false if the index is not committed, not durable, or already compacted
   */
  public boolean compact(final long index) {
    if (index <= log.snapshotIndex() || index > commitIndex || index > stableIndex) {
      return false;
    }
    Membership at = log.snapshot().membership();
    int drop = 0;
    for (final Entry e : configEntries) {
      if (e.index() <= index) {
        at = (Membership) e.payload();
        drop++;
      }
    }
    log.compact(new SnapshotMeta(index, log.term(index), at));
    configEntries.subList(0, drop).clear();
    return true;
  }

  // ------------------------------------------------------------------------------------------
  // Output

  /**
   * Returns whether {@link #ready()} has anything to do.
   *
   * @return true if there is output
   */
  public boolean hasReady() {
    return hardStateDirty
        || outSnapshot != null
        || !outEntries.isEmpty()
        || !outMessages.isEmpty()
        || !outReads.isEmpty()
        || commitIndex != readyCommit
        || role != readyRole
        || leaderId != readyLeader
        || term != readyTerm;
  }

  /**
   * Drains the output accumulated since the last call.
   *
   * @return what the node must persist, send and apply
   */
  public Ready ready() {
    final Ready r =
        new Ready(
            hardStateDirty ? new HardState(term, vote) : null,
            outSnapshot,
            outEntries.isEmpty() ? List.of() : outEntries,
            outMessages.isEmpty() ? List.of() : outMessages,
            commitIndex,
            role,
            term,
            leaderId,
            outReads.isEmpty() ? List.of() : outReads);
    hardStateDirty = false;
    outSnapshot = null;
    if (!outEntries.isEmpty()) {
      outEntries = new ArrayList<>();
    }
    if (!outMessages.isEmpty()) {
      outMessages = new ArrayList<>();
    }
    if (!outReads.isEmpty()) {
      outReads = new ArrayList<>();
    }
    readyCommit = commitIndex;
    readyRole = role;
    readyLeader = leaderId;
    readyTerm = term;
    return r;
  }

  // ------------------------------------------------------------------------------------------
  // Status (read-only views for the node, metrics and the simulator)

  /**
   * Returns this replica's id.
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
    return cfg.groupId();
  }

  /**
   * Returns the current term.
   *
   * @return the term
   */
  public long term() {
    return term;
  }

  /**
   * Returns the vote cast in the current term.
   *
   * @return the replica voted for or {@link ReplicaId#NONE}
   */
  public long vote() {
    return vote;
  }

  /**
   * Returns the role.
   *
   * @return the role
   */
  public Role role() {
    return role;
  }

  /**
   * Returns the known leader.
   *
   * @return the leader id or {@link ReplicaId#NONE}
   */
  public long leaderId() {
    return leaderId;
  }

  /**
   * Returns the commit index.
   *
   * @return the commit index
   */
  public long commitIndex() {
    return commitIndex;
  }

  /**
   * Returns the durable index as last reported by the node.
   *
   * @return the durable index
   */
  public long stableIndex() {
    return stableIndex;
  }

  /**
   * Returns the last log index.
   *
   * @return the index
   */
  public long lastIndex() {
    return log.lastIndex();
  }

  /**
   * Returns the term of the last log entry.
   *
   * @return the term
   */
  public long lastTerm() {
    return log.lastTerm();
  }

  /**
   * Returns the snapshot point (everything at or below it is compacted).
   *
   * @return the snapshot metadata
   */
  public SnapshotMeta snapshot() {
    return log.snapshot();
  }

  /**
   * Returns the term at an index.
   *
   * @param index log index
   * @return the term, or -1 if compacted or beyond the end
   */
  public long termAt(final long index) {
    return log.term(index);
  }

  /**
   * Returns the entry at an index.
   *
   * @param index an index in {@code (snapshot().index(), lastIndex()]}
   * @return the entry
   */
  public Entry entryAt(final long index) {
    return log.entry(index);
  }

  /**
   * Returns the configuration in force at an index (what a snapshot taken there carries).
   *
   * @param index an index in {@code [snapshot().index(), lastIndex()]}
   * @return the membership
   */
  public Membership membershipAt(final long index) {
    if (index < log.snapshotIndex() || index > log.lastIndex()) {
      throw new IllegalArgumentException(
          "index " + index + " outside [" + log.snapshotIndex() + ", " + log.lastIndex() + "]");
    }
    Membership at = log.snapshot().membership();
    for (final Entry e : configEntries) {
      if (e.index() <= index) {
        at = (Membership) e.payload();
      }
    }
    return at;
  }

  /**
   * Returns the configuration in force (the latest in the log).
   *
   * @return the membership
   */
  public Membership membership() {
    return membership;
  }

  /**
   * Returns the index of the entry that set the configuration in force (the snapshot index if it
   * came with the snapshot). A change is pending while this is above the commit index.
   *
   * @return the index
   */
  public long membershipIndex() {
    return latestConfigIndex();
  }

  /**
   * Returns a follower's durable match index as the leader knows it.
   *
   * @param peerId a member
   * @return the match index, or -1 if not leader or unknown peer
   */
  public long matchIndex(final long peerId) {
    if (role != Role.LEADER) {
      return -1;
    }
    final Progress pr = peer(peerId);
    return pr == null ? -1 : pr.match;
  }

  /**
   * Returns the ongoing leadership transfer target.
   *
   * @return the target or {@link ReplicaId#NONE}
   */
  public long leadTransferee() {
    return leadTransferee;
  }

  @Override
  public String toString() {
    return ReplicaId.toString(id)
        + "{"
        + role
        + " term="
        + term
        + " vote="
        + ReplicaId.toString(vote)
        + " leader="
        + ReplicaId.toString(leaderId)
        + " log=("
        + log.snapshotIndex()
        + ","
        + log.lastIndex()
        + "] commit="
        + commitIndex
        + " stable="
        + stableIndex
        + " "
        + membership
        + (role == Role.LEADER ? " " + peers : "")
        + "}";
  }

  // ------------------------------------------------------------------------------------------
  // Roles

  private boolean promotable() {
    return membership.isVoter(id);
  }

  private void resetRandomizedElectionTimeout() {
    randomizedElectionTimeout = cfg.electionTicks() + random.nextInt(cfg.electionTicks());
  }

  private void becomeFollower(final long newTerm, final long leader) {
    if (newTerm > term) {
      term = newTerm;
      vote = NONE;
      hardStateDirty = true;
      verifiedIndex = 0;
      ackedIndex = 0;
    }
    role = Role.FOLLOWER;
    leaderId = leader;
    electionElapsed = 0;
    heartbeatElapsed = 0;
    resetRandomizedElectionTimeout();
    peers.clear();
    leadTransferee = NONE;
    pendingReads.clear();
    waitingReads.clear();
  }

  private void campaign(final boolean pre, final boolean transfer) {
    if (!promotable()) {
      return;
    }
    final long voteTerm;
    if (pre) {
      role = Role.PRE_CANDIDATE;
      voteTerm = term + 1;
    } else {
      term++;
      vote = id;
      hardStateDirty = true;
      verifiedIndex = 0;
      ackedIndex = 0;
      role = Role.CANDIDATE;
      voteTerm = term;
    }
    leaderId = NONE;
    peers.clear();
    electionElapsed = 0;
    heartbeatElapsed = 0;
    resetRandomizedElectionTimeout();
    voteCount = 0;
    recordVote(id, true);
    if (poll() == 1) {
      if (pre) {
        campaign(false, false);
      } else {
        becomeLeader();
      }
      return;
    }
    final MessageType type = pre ? MessageType.PRE_VOTE : MessageType.VOTE;
    for (int i = 0; i < membership.voterCount(); i++) {
      final long v = membership.voterAt(i);
      if (v != id) {
        send(
            type,
            v,
            voteTerm,
            log.lastIndex(),
            log.lastTerm(),
            null,
            false,
            0,
            transfer ? Message.CAMPAIGN_TRANSFER : 0);
      }
    }
  }

  private void recordVote(final long from, final boolean granted) {
    for (int i = 0; i < voteCount; i++) {
      if (voteFrom[i] == from) {
        return;
      }
    }
    if (voteCount == voteFrom.length) {
      voteFrom = Arrays.copyOf(voteFrom, voteCount * 2);
      voteGranted = Arrays.copyOf(voteGranted, voteCount * 2);
    }
    voteFrom[voteCount] = from;
    voteGranted[voteCount] = granted;
    voteCount++;
  }

  /** Returns 1 if a quorum granted, -1 if a quorum rejected, 0 if undecided. */
  private int poll() {
    int granted = 0;
    int rejected = 0;
    for (int i = 0; i < voteCount; i++) {
      if (membership.isVoter(voteFrom[i])) {
        if (voteGranted[i]) {
          granted++;
        } else {
          rejected++;
        }
      }
    }
    final int q = membership.quorum();
    if (granted >= q) {
      return 1;
    }
    if (membership.voterCount() - rejected < q) {
      return -1;
    }
    return 0;
  }

  private void becomeLeader() {
    role = Role.LEADER;
    leaderId = id;
    electionElapsed = 0;
    heartbeatElapsed = 0;
    leadTransferee = NONE;
    committedInTerm = false;
    pendingReads.clear();
    waitingReads.clear();
    readSeq = 0;
    peers.clear();
    addMissingPeers();
    uncommittedBytes = 0;
    for (long i = Math.max(commitIndex + 1, log.firstIndex()); i <= log.lastIndex(); i++) {
      uncommittedBytes += log.entry(i).sizeBytes();
    }
    // A new leader commits its predecessors' entries only through an entry of its own term (§8).
    appendLocal(new Entry(log.lastIndex() + 1, term, EntryType.NOOP, null, 0));
    bcastAppend(false);
  }

  private void addMissingPeers() {
    for (int i = 0; i < membership.voterCount(); i++) {
      addPeer(membership.voterAt(i));
    }
    for (int i = 0; i < membership.learnerCount(); i++) {
      addPeer(membership.learnerAt(i));
    }
  }

  private void addPeer(final long peerId) {
    if (peerId == id || peer(peerId) != null) {
      return;
    }
    final Progress pr =
        new Progress(
            peerId, log.lastIndex() + 1, cfg.inflightMessagesMax(), cfg.inflightBytesMax());
    pr.recentActive = true;
    peers.add(pr);
  }

  private Progress peer(final long peerId) {
    for (int i = 0; i < peers.size(); i++) {
      final Progress pr = peers.get(i);
      if (pr.id == peerId) {
        return pr;
      }
    }
    return null;
  }

  // ------------------------------------------------------------------------------------------
  // Elections

  private void handleVoteRequest(final Message m) {
    final boolean pre = m.type() == MessageType.PRE_VOTE;
    final boolean canVote =
        vote == m.from() || (vote == NONE && leaderId == NONE) || (pre && m.term() > term);
    final boolean upToDate =
        cfg.has(PlantedBug.SKIP_UP_TO_DATE_CHECK) || log.isUpToDate(m.index(), m.logTerm());
    final MessageType resp = pre ? MessageType.PRE_VOTE_RESPONSE : MessageType.VOTE_RESPONSE;
    if (canVote && upToDate) {
      send(resp, m.from(), m.term(), 0, 0, null, false, 0, 0);
      if (!pre) {
        electionElapsed = 0;
        vote = m.from();
        hardStateDirty = true;
      }
    } else {
      send(resp, m.from(), term, 0, 0, null, true, 0, 0);
    }
  }

  private void stepCandidate(final Message m) {
    switch (m.type()) {
      case APPEND, HEARTBEAT, SNAPSHOT -> {
        becomeFollower(m.term(), m.from());
        stepFollower(m);
      }
      case PRE_VOTE_RESPONSE, VOTE_RESPONSE -> {
        final boolean pre = m.type() == MessageType.PRE_VOTE_RESPONSE;
        if (pre != (role == Role.PRE_CANDIDATE)) {
          return;
        }
        if (pre && !m.reject() && m.term() != term + 1) {
          return;
        }
        recordVote(m.from(), !m.reject());
        final int result = poll();
        if (result == 1) {
          if (pre) {
            campaign(false, false);
          } else {
            becomeLeader();
          }
        } else if (result == -1) {
          becomeFollower(term, NONE);
        }
      }
      case TIMEOUT_NOW -> campaign(false, true);
      default -> {}
    }
  }

  // ------------------------------------------------------------------------------------------
  // Follower

  private void stepFollower(final Message m) {
    switch (m.type()) {
      case APPEND -> {
        electionElapsed = 0;
        leaderId = m.from();
        handleAppend(m);
      }
      case HEARTBEAT -> {
        electionElapsed = 0;
        leaderId = m.from();
        commitTo(Math.min(m.commit(), log.lastIndex()));
        send(MessageType.HEARTBEAT_RESPONSE, m.from(), term, 0, 0, null, false, 0, m.context());
      }
      case SNAPSHOT -> {
        electionElapsed = 0;
        leaderId = m.from();
        handleSnapshot(m);
      }
      case TIMEOUT_NOW -> campaign(false, true);
      default -> {}
    }
  }

  private void handleAppend(final Message m) {
    if (m.index() < commitIndex) {
      // Everything up to our commit index is committed, hence identical in the leader's log; but
      // acknowledge only what is also durable here, or the leader's view of this follower would
      // outlive a crash that loses the unflushed part (and heartbeats would commit stale entries).
      verifiedIndex = Math.max(verifiedIndex, commitIndex);
      sendAck(true);
      return;
    }
    final boolean prevMatches =
        cfg.has(PlantedBug.SKIP_PREV_TERM_CHECK)
            ? m.index() <= log.lastIndex() && log.term(m.index()) >= 0
            : log.matchTerm(m.index(), m.logTerm());
    if (!prevMatches) {
      // Fast backtracking: the largest index at or below the probe whose term could match.
      final long hint = log.findConflictByTerm(Math.min(m.index(), log.lastIndex()), m.logTerm());
      send(
          MessageType.APPEND_RESPONSE,
          m.from(),
          term,
          m.index(),
          log.term(hint),
          null,
          true,
          hint,
          0);
      return;
    }
    final List<Entry> ents = m.entries();
    final long lastNew = m.index() + ents.size();
    final int conflict = log.findConflict(ents);
    if (conflict < ents.size()) {
      final long from = ents.get(conflict).index();
      if (from <= commitIndex) {
        throw new IllegalStateException(
            "entry " + from + " conflicts with committed " + commitIndex + " at " + this);
      }
      truncateAndAppend(ents, conflict);
    }
    verifiedIndex = Math.max(verifiedIndex, lastNew);
    commitTo(Math.min(m.commit(), lastNew));
    // Acknowledge now if everything in the message is durable already, else after the flush.
    sendAck(stableIndex >= lastNew || cfg.has(PlantedBug.FOLLOWER_ACK_BEFORE_FLUSH));
  }

  private void sendAck(final boolean force) {
    final long ack =
        cfg.has(PlantedBug.FOLLOWER_ACK_BEFORE_FLUSH)
            ? verifiedIndex
            : Math.min(stableIndex, verifiedIndex);
    if (ack > ackedIndex || force) {
      ackedIndex = Math.max(ackedIndex, ack);
      send(MessageType.APPEND_RESPONSE, leaderId, term, ack, 0, null, false, 0, 0);
    }
  }

  private void handleSnapshot(final Message m) {
    final SnapshotMeta s = m.snapshot();
    if (s.index() <= commitIndex) {
      verifiedIndex = Math.max(verifiedIndex, commitIndex);
      sendAck(true);
      return;
    }
    if (log.matchTerm(s.index(), s.term())) {
      verifiedIndex = Math.max(verifiedIndex, s.index());
      commitTo(s.index());
      sendAck(stableIndex >= s.index());
      return;
    }
    // Replace the log: everything up to s.index() comes from the leader's segments.
    log.restore(s);
    configEntries.clear();
    onMembershipChanged();
    // Of the old log only the committed prefix is known to equal the leader's; what was durable
    // beyond it may differ, and the installed snapshot is durable only once the node says so.
    stableIndex = Math.min(stableIndex, commitIndex);
    commitIndex = s.index();
    outSnapshot = s;
    outEntries.clear();
    verifiedIndex = Math.max(verifiedIndex, s.index());
  }

  private void truncateAndAppend(final List<Entry> ents, final int from) {
    final long first = ents.get(from).index();
    if (first <= log.lastIndex()) {
      log.truncateFrom(first);
      stableIndex = Math.min(stableIndex, first - 1);
      while (!configEntries.isEmpty()
          && configEntries.get(configEntries.size() - 1).index() >= first) {
        configEntries.remove(configEntries.size() - 1);
      }
    }
    // The node truncates at the first written entry's index: drop superseded pending output.
    if (!outEntries.isEmpty() && outEntries.get(0).index() >= first) {
      outEntries.clear();
    } else {
      while (!outEntries.isEmpty() && outEntries.get(outEntries.size() - 1).index() >= first) {
        outEntries.remove(outEntries.size() - 1);
      }
    }
    for (int i = from; i < ents.size(); i++) {
      final Entry e = ents.get(i);
      log.append(e);
      outEntries.add(e);
      if (e.type() == EntryType.CONFIG) {
        configEntries.add(e);
      }
    }
    onMembershipChanged(); // a truncated or an appended configuration entry is in force at once
  }

  private void commitTo(final long index) {
    if (index > commitIndex) {
      assert index <= log.lastIndex() : "commit " + index + " beyond log " + log.lastIndex();
      commitIndex = index;
    }
  }

  // ------------------------------------------------------------------------------------------
  // Leader

  private void tickLeader() {
    heartbeatElapsed++;
    electionElapsed++;
    if (electionElapsed >= cfg.electionTicks()) {
      electionElapsed = 0;
      if (cfg.checkQuorum()) {
        if (!quorumActive()) {
          becomeFollower(term, NONE); // a partitioned leader steps down (thesis §6.2)
          return;
        }
        for (int i = 0; i < peers.size(); i++) {
          peers.get(i).recentActive = false;
        }
      }
      leadTransferee = NONE; // a transfer that did not finish in an election timeout is aborted
    }
    for (int i = 0; i < peers.size(); i++) {
      final Progress pr = peers.get(i);
      if (pr.state == Progress.State.SNAPSHOT || pr.match < log.lastIndex()) {
        if (++pr.ticksSinceProgress >= cfg.electionTicks()) {
          // Lost snapshot or lost AppendEntries: re-probe from the durable match.
          pr.becomeProbe();
          pr.next = pr.match + 1;
          sendAppend(pr, false);
        }
      }
    }
    if (heartbeatElapsed >= cfg.heartbeatTicks()) {
      heartbeatElapsed = 0;
      bcastHeartbeat();
    }
  }

  private boolean quorumActive() {
    int active = 0;
    for (int i = 0; i < membership.voterCount(); i++) {
      final long v = membership.voterAt(i);
      if (v == id) {
        active++;
      } else {
        final Progress pr = peer(v);
        if (pr != null && pr.recentActive) {
          active++;
        }
      }
    }
    return active >= membership.quorum();
  }

  private void stepLeader(final Message m) {
    final Progress pr = peer(m.from());
    if (pr == null) {
      return;
    }
    switch (m.type()) {
      case APPEND_RESPONSE -> {
        pr.recentActive = true;
        handleAppendResponse(pr, m);
      }
      case HEARTBEAT_RESPONSE -> {
        pr.recentActive = true;
        pr.probeSent = false;
        if (m.context() > pr.readAck) {
          pr.readAck = m.context();
          releaseReads();
        }
        if (pr.state == Progress.State.REPLICATE && pr.inflights.full()) {
          // The window is full but the follower is alive: what filled it may have been lost with
          // a connection. Free one slot so an append goes out; if the follower lacks what came
          // before, its rejection sends this follower back to probing (etcd-io/raft does the same).
          pr.inflights.freeFirstOne();
        }
        if (pr.match < log.lastIndex()) {
          sendAppend(pr, false);
        }
      }
      default -> {}
    }
  }

  private void handleAppendResponse(final Progress pr, final Message m) {
    if (m.reject()) {
      long hint = m.rejectHint();
      if (m.logTerm() > 0) {
        hint = log.findConflictByTerm(m.rejectHint(), m.logTerm());
      }
      if (pr.maybeDecrTo(m.index(), hint)) {
        if (pr.state == Progress.State.REPLICATE) {
          pr.becomeProbe();
        }
        sendAppend(pr, false);
      }
      return;
    }
    final boolean old = pr.paused();
    if (!pr.maybeUpdate(m.index())) {
      return;
    }
    switch (pr.state) {
      case PROBE -> pr.becomeReplicate();
      case SNAPSHOT -> {
        if (pr.match >= pr.pendingSnapshot) {
          pr.becomeProbe();
          pr.becomeReplicate();
        }
      }
      case REPLICATE -> pr.inflights.freeLe(m.index());
      default -> throw new IllegalStateException();
    }
    if (maybeCommit()) {
      bcastAppend(true);
    } else if (old || pr.match < log.lastIndex()) {
      sendAllAppends(pr, false);
    }
    if (pr.id == leadTransferee && pr.match == log.lastIndex()) {
      send(MessageType.TIMEOUT_NOW, pr.id, term, 0, 0, null, false, 0, 0);
    }
  }

  /** Sends as many AppendEntries as the follower's state and window allow. */
  private void sendAllAppends(final Progress pr, final boolean sendIfEmpty) {
    boolean sent = false;
    while (sendAppend(pr, false)) {
      sent = true;
      if (pr.state != Progress.State.REPLICATE) {
        break;
      }
    }
    if (!sent && sendIfEmpty && pr.state == Progress.State.REPLICATE) {
      sendAppend(pr, true);
    }
  }

  private void bcastAppend(final boolean sendIfEmpty) {
    for (int i = 0; i < peers.size(); i++) {
      sendAllAppends(peers.get(i), sendIfEmpty);
    }
  }

  private void bcastHeartbeat() {
    for (int i = 0; i < peers.size(); i++) {
      final Progress pr = peers.get(i);
      send(
          MessageType.HEARTBEAT,
          pr.id,
          term,
          0,
          0,
          null,
          false,
          0,
          readSeq,
          Math.min(pr.match, commitIndex));
    }
  }

  /** Returns whether a message was sent. */
  private boolean sendAppend(final Progress pr, final boolean sendIfEmpty) {
    if (pr.paused()) {
      return false;
    }
    if (pr.next > log.lastIndex() + 1) {
      pr.next = log.lastIndex() + 1;
    }
    final long prevIndex = pr.next - 1;
    final long prevTerm = log.term(prevIndex);
    if (prevTerm < 0) {
      pr.becomeSnapshot(log.snapshotIndex());
      send(MessageType.SNAPSHOT, pr.id, term, 0, 0, null, false, 0, 0, 0, log.snapshot());
      return true;
    }
    final List<Entry> ents =
        log.slice(pr.next, log.lastIndex(), cfg.maxAppendEntries(), cfg.maxAppendBytes());
    if (ents.isEmpty() && !sendIfEmpty && pr.state == Progress.State.REPLICATE) {
      return false;
    }
    send(MessageType.APPEND, pr.id, term, prevIndex, prevTerm, ents, false, 0, 0, commitIndex);
    if (pr.state == Progress.State.PROBE) {
      pr.probeSent = true;
    } else if (!ents.isEmpty()) {
      final long last = ents.get(ents.size() - 1).index();
      long bytes = 0;
      for (int i = 0; i < ents.size(); i++) {
        bytes += ents.get(i).sizeBytes();
      }
      pr.next = last + 1;
      pr.inflights.add(last, bytes);
    }
    return !ents.isEmpty();
  }

  /** Commit rule (§5.3, §5.4.2): a quorum has it durable and it is of the current term. */
  private boolean maybeCommit() {
    final long q = quorumMatch();
    if (q <= commitIndex) {
      return false;
    }
    if (log.term(q) != term && !cfg.has(PlantedBug.COMMIT_PREVIOUS_TERM_BY_COUNTING)) {
      return false;
    }
    final long before = commitIndex;
    commitIndex = q;
    for (long i = Math.max(before + 1, log.firstIndex()); i <= q; i++) {
      uncommittedBytes -= log.entry(i).sizeBytes();
    }
    if (uncommittedBytes < 0) {
      uncommittedBytes = 0;
    }
    if (!committedInTerm && log.term(commitIndex) == term) {
      committedInTerm = true;
      while (!waitingReads.isEmpty()) {
        startRead(waitingReads.poll());
      }
    }
    if (!membership.isVoter(id) && commitIndex >= latestConfigIndex()) {
      becomeFollower(term, NONE); // removed leader steps down once its removal commits (§4.2.2)
    }
    return true;
  }

  /** The largest index that a quorum of voters holds durably. */
  private long quorumMatch() {
    final int n = membership.voterCount();
    if (n == 0) {
      return 0;
    }
    if (scratch.length < n) {
      scratch = new long[n];
    }
    for (int i = 0; i < n; i++) {
      final long v = membership.voterAt(i);
      if (v == id) {
        scratch[i] = cfg.has(PlantedBug.COUNT_LEADER_BEFORE_FLUSH) ? log.lastIndex() : stableIndex;
      } else {
        final Progress pr = peer(v);
        scratch[i] = pr == null ? 0 : pr.match;
      }
    }
    Arrays.sort(scratch, 0, n);
    return scratch[n - membership.quorum()];
  }

  private void startRead(final long requestId) {
    if (cfg.has(PlantedBug.READ_WITHOUT_QUORUM_CHECK)
        || (membership.voterCount() == 1 && membership.isVoter(id))) {
      outReads.add(new ReadState(requestId, commitIndex));
      return;
    }
    readSeq++;
    pendingReads.add(new long[] {readSeq, requestId, commitIndex});
    bcastHeartbeat();
  }

  private void releaseReads() {
    final int n = membership.voterCount();
    if (n == 0 || pendingReads.isEmpty()) {
      return;
    }
    if (scratch.length < n) {
      scratch = new long[n];
    }
    for (int i = 0; i < n; i++) {
      final long v = membership.voterAt(i);
      if (v == id) {
        scratch[i] = readSeq;
      } else {
        final Progress pr = peer(v);
        scratch[i] = pr == null ? 0 : pr.readAck;
      }
    }
    Arrays.sort(scratch, 0, n);
    final long confirmed = scratch[n - membership.quorum()];
    while (!pendingReads.isEmpty() && pendingReads.peek()[0] <= confirmed) {
      final long[] r = pendingReads.poll();
      outReads.add(new ReadState(r[1], r[2]));
    }
  }

  // ------------------------------------------------------------------------------------------
  // Log and membership

  private void appendLocal(final Entry e) {
    log.append(e);
    outEntries.add(e);
    if (e.type() == EntryType.CONFIG) {
      configEntries.add(e);
      onMembershipChanged();
    }
  }

  private long latestConfigIndex() {
    return configEntries.isEmpty()
        ? log.snapshotIndex()
        : configEntries.get(configEntries.size() - 1).index();
  }

  private Membership latestMembership() {
    return configEntries.isEmpty()
        ? log.snapshot().membership()
        : (Membership) configEntries.get(configEntries.size() - 1).payload();
  }

  /** A configuration is in force as soon as it is in the log (thesis §4.1). */
  private void onMembershipChanged() {
    final Membership next = latestMembership();
    if (next.equals(membership)) {
      return;
    }
    membership = next;
    if (role == Role.LEADER) {
      peers.removeIf(pr -> !membership.isMember(pr.id));
      addMissingPeers();
      if (leadTransferee != NONE && !membership.isVoter(leadTransferee)) {
        leadTransferee = NONE;
      }
    } else if (role != Role.FOLLOWER && !promotable()) {
      becomeFollower(term, NONE);
    }
  }

  // ------------------------------------------------------------------------------------------
  // Messages

  private void send(
      final MessageType type,
      final long to,
      final long msgTerm,
      final long index,
      final long logTerm,
      final List<Entry> ents,
      final boolean reject,
      final long hint,
      final long context) {
    send(type, to, msgTerm, index, logTerm, ents, reject, hint, context, 0, null);
  }

  private void send(
      final MessageType type,
      final long to,
      final long msgTerm,
      final long index,
      final long logTerm,
      final List<Entry> ents,
      final boolean reject,
      final long hint,
      final long context,
      final long commit) {
    send(type, to, msgTerm, index, logTerm, ents, reject, hint, context, commit, null);
  }

  private void send(
      final MessageType type,
      final long to,
      final long msgTerm,
      final long index,
      final long logTerm,
      final List<Entry> ents,
      final boolean reject,
      final long hint,
      final long context,
      final long commit,
      final SnapshotMeta snapshot) {
    outMessages.add(
        new Message(
            type,
            cfg.groupId(),
            id,
            to,
            msgTerm,
            index,
            logTerm,
            ents,
            commit,
            reject,
            hint,
            context,
            snapshot));
  }
}
