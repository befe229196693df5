package io.stele.replication.node;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.stele.engine.ReplicatedLog;
import io.stele.engine.format.BatchDescriptor;
import io.stele.engine.format.ControlCodec;
import io.stele.replication.raft.Entry;
import io.stele.replication.raft.EntryType;
import io.stele.replication.raft.HardState;
import io.stele.replication.raft.Membership;
import io.stele.replication.raft.Message;
import io.stele.replication.raft.MessageType;
import io.stele.replication.raft.RaftConfig;
import io.stele.replication.raft.RaftCore;
import io.stele.replication.raft.RandomSource;
import io.stele.replication.raft.Ready;
import io.stele.replication.raft.ReplicaId;
import io.stele.replication.raft.Role;
import io.stele.replication.raft.SnapshotMeta;
import io.stele.replication.transport.PeerMessages;
import io.stele.replication.transport.PeerTransport;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentTerminationException;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One replica of a shard: an agent thread that drives the shard's {@link RaftCore} over the shard
 * log itself ({@link ReplicatedLog}). The log is the Raft log, so:
 *
 * <ul>
 *   <li><b>leader</b>: the engine's writer assigns offsets and log indexes and writes client
 *       batches; this thread scans the written headers and proposes each batch of its term to the
 *       core (payload: a {@link BatchRef}), then reads the bytes back from the segment for
 *       AppendEntries. The write gate opens ({@link ReplicatedLog#lead}) only after the leader's
 *       no-op is written, and closes ({@link ReplicatedLog#fence}) the moment the core steps down;
 *   <li><b>follower</b>: received batches are appended byte for byte ({@link
 *       ReplicatedLog#appendEncoded}) after truncating a conflicting suffix; no-op and membership
 *       entries become RAFT control batches, so every index is a batch;
 *   <li><b>both</b>: the durable log index reported by the sync thread is the core's stable index;
 *       the core's commit index goes to the engine, which completes quorum appends and advances the
 *       readers' high watermarks up to it.
 * </ul>
 *
 * Term and vote are fsync'd ({@link HardStateFile}) before any message of the same Ready is sent.
 * Any storage failure stops the agent (DESIGN §3).
 */
public final class RaftNode implements Agent {
  private static final Logger LOG = LoggerFactory.getLogger(RaftNode.class);
  private static final int POLL_LIMIT = 256;
  private static final int SCAN_LIMIT = 4096;

  /**
   * Committed entries kept in the core's memory behind the commit index; older ones are read back
   * from the shard log when a follower needs them ({@link EngineLogStorage}).
   */
  private static final long KEEP_ENTRIES = Long.getLong("stele.raft.keep-entries", 10_000);

  private final RaftCore core;
  private final long clusterId;
  private final HardStateFile hardStateFile;
  private final ReplicatedLog log;
  private final PeerTransport transport;
  private final NanoClock clock;
  private final long tickIntervalNs;
  private final ByteBufAllocator alloc;
  private final ReplicatedLog.BatchSink scanSink = this::onScanned;
  private final ReplicatedLog.IndexSink durableSink = this::onDurable;
  private final io.stele.replication.transport.MessageHandler inbound = this::onMessage;
  private long nextTickNs;
  private long scanPosition;

  /** Highest log index written or queued to the engine (this thread's view). */
  private long writtenLast;

  /** The term the write gate is open for, 0 if closed. */
  private long ledTerm;

  /** Set when the gate closes: batches of the lost term may follow what was scanned. */
  private boolean mayHaveOrphans;

  /** Index of this leader's no-op: once committed, everything before it is too. */
  private long termStartIndex;

  private int proposed;

  /** Leader: when each follower (by node number) last answered in {@link #leaseTerm}; 0 never. */
  private final long[] heardFromNs = new long[256];

  private final long[] answers = new long[256];

  private long leaseTerm;
  private final long leaseNs;
  private volatile long leaseUntilNs;

  /** A membership change asked for over HTTP, run by the agent thread. */
  private record Change(boolean add, int node, int incarnation, CompletableFuture<Long> done) {}

  private final org.agrona.concurrent.ManyToOneConcurrentArrayQueue<Change> changes =
      new org.agrona.concurrent.ManyToOneConcurrentArrayQueue<>(16);

  /** Agent thread: the change whose entry is in the log, not yet committed. */
  private Change pendingChange;

  private long pendingChangeIndex;

  /** Agent thread: reopen the write gate once the membership entry is queued for writing. */
  private boolean reopenAfterWrite;

  /** Set by any thread: hand leadership to the most caught-up follower, then stay a follower. */
  private volatile boolean handOffRequested;

  /** Agent thread: the hand-off started; never lead again in this process. */
  private boolean handingOff;

  /** Batches read back for this Ready's AppendEntries: one copy shared by every follower. */
  private final java.util.IdentityHashMap<BatchRef, ByteBuf> copies =
      new java.util.IdentityHashMap<>();

  private long lastDurableIndex = -1;
  private long lastDurableTerm = -1;
  private long lastStatusNs;
  private volatile Throwable appendFailure;

  private volatile ClusterStatus status;

  private final SnapshotTransfer transfer;

  /** The applied point last saved in the hard-state file (index, term, configuration there). */
  private long savedApplied;

  private long savedAppliedTerm;
  private Membership savedMembership;
  private long appliedSavedNs;

  /** The index of the last snapshot this node installed and made durable (0: none). */
  private long installedIndex;

  /** How often the applied point is saved, at most (each save is two fsyncs). */
  private static final long APPLIED_SAVE_NS =
      Long.getLong("stele.raft.applied-save-ms", 1_000) * 1_000_000L;

  /** Set when a SNAPSHOT was given to the core: a staged copy it did not restore is dropped. */
  private boolean snapshotStepped;

  /**
   * Creates a node over a recovered engine. Use {@link #recover} to build the core.
   *
   * @param core the group's core, built by {@link #recover}
   * @param clusterId cluster identity, stored in the hard-state file
   * @param hardStateFile where term and vote are made durable
   * @param log the shard log
   * @param transport the started peer transport
   * @param clock the duty-cycle clock
   * @param tickIntervalNs length of one Raft tick
   * @param alloc allocator for outgoing payload copies
   * @param leaseNs how long a majority's answers let the leader serve reads alone (at most half the
   *     election timeout)
   */
  public RaftNode(
      final RaftCore core,
      final long clusterId,
      final HardStateFile hardStateFile,
      final ReplicatedLog log,
      final PeerTransport transport,
      final NanoClock clock,
      final long tickIntervalNs,
      final ByteBufAllocator alloc,
      final long leaseNs) {
    this.core = core;
    this.clusterId = clusterId;
    this.hardStateFile = hardStateFile;
    this.log = log;
    this.transport = transport;
    this.clock = clock;
    this.tickIntervalNs = tickIntervalNs;
    this.alloc = alloc;
    this.leaseNs = leaseNs;
    this.scanPosition = log.appendedPosition();
    this.writtenLast = log.lastLogIndex();
    this.transfer =
        new SnapshotTransfer(core, log, transport, alloc, System.currentTimeMillis() << 20);
    this.savedApplied = core.snapshot().index();
    this.savedAppliedTerm = core.snapshot().term();
    this.savedMembership = core.snapshot().membership();
    log.fence();
    publishStatus();
  }

  /**
   * Builds the core from what survived on disk: term and vote from the hard-state file, the log
   * from the shard log's batch headers (data and topic batches as {@link BatchRef}s, RAFT control
   * batches as no-op and membership entries).
   *
   * @param cfg core configuration
   * @param random election-timeout randomness
   * @param hardStateFile the hard-state file
   * @param clusterId expected cluster id
   * @param log the recovered shard log
   * @param initial the configured voters, used until a membership entry says otherwise
   * @return the core
   * @throws IOException if the files disagree with each other or cannot be read
   */
  public static RaftCore recover(
      final RaftConfig cfg,
      final RandomSource random,
      final HardStateFile hardStateFile,
      final long clusterId,
      final ReplicatedLog log,
      final Membership initial)
      throws IOException {
    final HardStateFile.State hs = hardStateFile.load();
    if (hs != null && (hs.clusterId() != clusterId || hs.replicaId() != cfg.id())) {
      throw new IOException(
          "hard state of "
              + hardStateFile.path()
              + " belongs to cluster "
              + hs.clusterId()
              + " replica "
              + ReplicaId.toString(hs.replicaId())
              + ", not cluster "
              + clusterId
              + " replica "
              + ReplicaId.toString(cfg.id()));
    }
    final List<Entry> entries = new ArrayList<>();
    final IOException[] failure = new IOException[1];
    long pos = log.startPosition();
    final long end = log.appendedPosition();
    SnapshotMeta snapshot = new SnapshotMeta(0, 0, initial);
    // Start from the saved applied point when the log still holds it: committed and durable
    // there, so the core needs only what follows (the rest is read back from the log on demand).
    if (hs != null
        && hs.appliedIndex() > 0
        && hs.membership() != null
        && hs.appliedIndex() <= log.lastLogIndex()) {
      final long at = log.positionOf(hs.appliedIndex());
      if (at >= 0) {
        final long[] seen = {-1, 0};
        log.scan(
            at,
            1,
            (index, term, type, position, length) -> {
              seen[0] = Math.max(1, term);
              seen[1] = position + io.stele.engine.format.BatchDescriptor.alignedLength(length);
            });
        if (seen[0] != hs.appliedTerm()) {
          throw new IOException(
              "the shard log has term "
                  + seen[0]
                  + " at the applied index "
                  + hs.appliedIndex()
                  + " of "
                  + hardStateFile.path()
                  + ", which says "
                  + hs.appliedTerm());
        }
        snapshot = new SnapshotMeta(hs.appliedIndex(), hs.appliedTerm(), hs.membership());
        pos = seen[1];
        LOG.info("recovering the Raft log after the applied index {}", hs.appliedIndex());
      }
    }
    while (pos < end) {
      final long next =
          log.scan(
              pos,
              SCAN_LIMIT,
              (index, term, type, position, length) -> {
                try {
                  entries.add(entryOf(log, index, term, type, position, length));
                } catch (final IOException e) {
                  failure[0] = e;
                }
              });
      if (failure[0] != null) {
        throw failure[0];
      }
      if (next == pos) {
        break;
      }
      pos = next;
    }
    if (snapshot.index() == 0 && !entries.isEmpty() && entries.get(0).index() > 1) {
      // retention removed the log start: it was committed and applied everywhere it was read
      final Entry first = entries.get(0);
      snapshot = new SnapshotMeta(first.index() - 1, first.term(), initial);
    }
    final long lastTerm = entries.isEmpty() ? 0 : entries.get(entries.size() - 1).term();
    final long term = Math.max(hs == null ? 0 : hs.term(), lastTerm);
    final long vote = hs == null || hs.term() != term ? ReplicaId.NONE : hs.vote();
    return new RaftCore(
        cfg, random, new HardState(term, vote), snapshot, entries, new EngineLogStorage(log));
  }

  static Entry entryOf(
      final ReplicatedLog log,
      final long index,
      final long term,
      final byte type,
      final long position,
      final int length)
      throws IOException {
    final long t = Math.max(1, term);
    if (type == BatchDescriptor.TYPE_CONTROL) {
      final ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
      log.copy(position, b);
      final UnsafeBuffer ub = new UnsafeBuffer(b.array());
      final int body = BatchDescriptor.recordsOffset(ub, 0);
      final byte kind = ControlCodec.raftKind(ub, body, BatchDescriptor.recordsLength(ub, 0));
      if (kind == ControlCodec.RAFT_NOOP) {
        return new Entry(index, t, EntryType.NOOP, null, 0);
      }
      if (kind == ControlCodec.RAFT_CONFIG) {
        return new Entry(
            index,
            t,
            EntryType.CONFIG,
            MembershipCodec.decode(ControlCodec.raftPayload(ub, body)),
            64);
      }
    }
    return new Entry(index, t, EntryType.NORMAL, new BatchRef(position, length), length);
  }

  @Override
  public void onStart() {
    nextTickNs = clock.nanoTime() + tickIntervalNs;
  }

  @Override
  public int doWork() throws IOException {
    try {
      return duty();
    } catch (final AgentTerminationException e) {
      throw e;
    } catch (final IOException | RuntimeException e) {
      // fail-stop: a half-done step could leave the core believing something the log does not say
      LOG.error("the Raft thread failed; the replica stops", e);
      throw new AgentTerminationException(e);
    }
  }

  private int duty() throws IOException {
    if (!log.isHealthy()) {
      // fsyncgate: this node acknowledges nothing more, so it leaves the group and lets the others
      // elect a leader rather than lead (or vote) with a log it cannot trust
      LOG.error("the shard log failed; the replica stops");
      throw new AgentTerminationException("the shard log failed");
    }
    final Throwable failed = appendFailure;
    if (failed != null) {
      LOG.error("appending to the shard log failed; the replica stops", failed);
      throw new AgentTerminationException(failed);
    }
    final long nowNs = clock.nanoTime();
    int work = 0;
    if (nowNs - nextTickNs >= 0) {
      core.tick();
      nextTickNs = Math.max(nextTickNs + tickIntervalNs, nowNs - tickIntervalNs);
      work++;
    }
    work += transport.poll(inbound, POLL_LIMIT);
    if (handOffRequested && !handingOff) {
      startHandOff();
      work++;
    }
    if (pendingChange == null) {
      // poll, not isEmpty-then-poll: a producer may have claimed a slot it has not filled yet,
      // and then the queue is not empty while poll still returns null
      final Change c = changes.poll();
      if (c != null) {
        startChange(c);
        work++;
      }
    }
    if (log.appendedPosition() != scanPosition) {
      proposed = 0;
      scanPosition = log.scan(scanPosition, SCAN_LIMIT, scanSink);
      if (proposed > 0) {
        core.broadcastProposals(); // one AppendEntries per follower for the whole burst
      }
      work++;
    }
    log.durableIndex(durableSink);
    while (core.hasReady()) {
      handle(core.ready());
      work++;
    }
    if (snapshotStepped) {
      snapshotStepped = false;
      transfer.dropUnused();
    }
    work += transfer.pump(nowNs);
    if (core.role() == Role.LEADER && core.membership().quorum() == 1) {
      leaseUntilNs = nowNs + leaseNs; // a group of one needs no one's answer
    }
    if (pendingChange != null) {
      if (core.role() != Role.LEADER) {
        pendingChange
            .done()
            .completeExceptionally(
                new IllegalStateException("leadership was lost before the change committed"));
        pendingChange = null;
      } else if (core.commitIndex() >= pendingChangeIndex) {
        pendingChange.done().complete(pendingChangeIndex);
        pendingChange = null;
        publishStatus();
      }
    }
    if (nowNs - lastStatusNs > 50_000_000L) {
      lastStatusNs = nowNs;
      maybeCompact();
      publishStatus();
      transfer.expire(nowNs);
      if (nowNs - appliedSavedNs > APPLIED_SAVE_NS) {
        appliedSavedNs = nowNs;
        if (appliedPoint() > savedApplied) {
          saveHardState(core.term(), core.vote());
        }
      }
    }
    return work;
  }

  /** A batch header the engine wrote: the leader proposes its own term's client batches. */
  private void onScanned(
      final long index, final long term, final byte type, final long position, final int length) {
    writtenLast = Math.max(writtenLast, index);
    if (ledTerm == 0
        || term != ledTerm
        || core.role() != Role.LEADER
        || core.term() != ledTerm
        || index != core.lastIndex() + 1) {
      return; // a follower's batch, the leader's own no-op, or an orphan of a lost term
    }
    final long assigned = core.propose(new BatchRef(position, length), length, false);
    proposed++;
    if (assigned != index) {
      // The batch is in the log but not in Raft's view (cannot happen while the uncommitted bound
      // is unreachable and no transfer runs): leave the group rather than diverge.
      log.fence();
      throw new AgentTerminationException(
          "proposal of log index " + index + " refused (got " + assigned + ")");
    }
  }

  private void onDurable(final long index, final long term) {
    if (index != lastDurableIndex || term != lastDurableTerm) {
      lastDurableIndex = index;
      lastDurableTerm = term;
      core.onPersisted(index, term);
    }
  }

  private void onMessage(final Message m) {
    try {
      if (m.groupId() != core.groupId()) {
        return;
      }
      if (m.type() == MessageType.SNAPSHOT_CHUNK) {
        transfer.onChunk(m, clock.nanoTime());
        return;
      }
      if (m.type() == MessageType.SNAPSHOT) {
        if (!transfer.accept(m)) {
          return; // no whole copy staged for it: the leader sends the bytes first
        }
        snapshotStepped = true;
      }
      core.step(copyPayloads(m));
      if (core.role() == Role.LEADER
          && m.term() == core.term()
          && !m.reject()
          && (m.type() == MessageType.APPEND_RESPONSE
              || m.type() == MessageType.HEARTBEAT_RESPONSE)) {
        renewLease(ReplicaId.node(m.from()));
      }
    } finally {
      PeerMessages.release(m);
    }
  }

  /**
   * A follower answered this leader in its term: the leader holds a read lease while a majority has
   * answered within the last half election timeout. Followers do not vote for another candidate
   * until a full election timeout has passed since they last heard from this leader (check-quorum's
   * leader stickiness), and they heard from it before they answered, so no other leader can exist
   * while the lease holds (given clocks that run at nearly the same rate and answers that take far
   * less than half an election timeout).
   */
  private void renewLease(final int node) {
    final long now = clock.nanoTime();
    if (core.term() != leaseTerm) {
      leaseTerm = core.term();
      java.util.Arrays.fill(heardFromNs, 0);
    }
    heardFromNs[node] = now;
    final Membership m = core.membership();
    final int need = m.quorum() - 1; // answers needed besides this leader's own
    int count = 0;
    for (int i = 0; i < m.voterCount(); i++) {
      final long v = m.voterAt(i);
      final long t = heardFromNs[ReplicaId.node(v)];
      if (v != core.id() && t != 0) {
        answers[count++] = t;
      }
    }
    if (count < need) {
      return;
    }
    java.util.Arrays.sort(answers, 0, count);
    // the need-th most recent answer: a majority (with this leader) answered at or after it
    leaseUntilNs = answers[count - need] + leaseNs;
  }

  /**
   * Returns until when (in the node's {@link NanoClock}) this leader may serve reads without asking
   * the followers; any thread.
   *
   * @return the lease end
   */
  public long leaseUntilNs() {
    return leaseUntilNs;
  }

  /** Received payloads are slices of the frame; they are copied so the frame is freed at once. */
  private static Message copyPayloads(final Message m) {
    if (m.entries().isEmpty()) {
      return m;
    }
    final List<Entry> entries = new ArrayList<>(m.entries().size());
    for (final Entry e : m.entries()) {
      if (e.type() == EntryType.NORMAL && e.payload() instanceof ByteBuf b) {
        entries.add(
            new Entry(e.index(), e.term(), e.type(), ByteBufUtil.getBytes(b), e.sizeBytes()));
      } else {
        entries.add(e);
      }
    }
    return withEntries(m, entries);
  }

  private static Message withEntries(final Message m, final List<Entry> entries) {
    return new Message(
        m.type(),
        m.groupId(),
        m.from(),
        m.to(),
        m.term(),
        m.index(),
        m.logTerm(),
        entries,
        m.commit(),
        m.reject(),
        m.rejectHint(),
        m.context(),
        m.snapshot());
  }

  private void handle(final Ready ready) {
    try {
      final HardState hs = ready.hardState();
      if (hs != null) {
        saveHardState(hs.term(), hs.vote());
      }
      if (ready.snapshot() != null) {
        // the core replaced its log with the snapshot: so does the engine, with the staged copy
        final long x = ready.snapshot().index();
        transfer.install(
            ready.snapshot(),
            () -> {
              // the copy is durable and a restart finishes it: it may be the applied point now
              installedIndex = x;
              saveHardState(core.term(), core.vote());
            });
        writtenLast = ready.snapshot().index();
        scanPosition = log.appendedPosition();
        mayHaveOrphans = false;
        lastDurableIndex = -1; // the engine's durable index moved: report it to the core again
      }
      if (ready.role() != Role.LEADER && ledTerm != 0) {
        log.fence();
        ledTerm = 0;
        mayHaveOrphans = true;
      }
      write(ready.entries());
      if (reopenAfterWrite) {
        reopenAfterWrite = false;
        if (ledTerm != 0) {
          log.lead(ledTerm); // queued behind the membership entry
        }
      }
    } catch (final IOException ex) {
      // The core believes this Ready is persisted: running on would lie to the peers (DESIGN §3).
      LOG.error("persisting Raft state failed; the replica stops", ex);
      throw new AgentTerminationException(ex);
    }
    if (ready.role() == Role.LEADER && ledTerm != ready.term() && !handingOff) {
      // After the no-op of this term was queued above: the writer opens the gate behind it.
      ledTerm = ready.term();
      termStartIndex = core.lastIndex();
      log.lead(ledTerm);
      LOG.info("leading in term {} from log index {}", ledTerm, core.lastIndex());
    }
    final List<Message> messages = ready.messages();
    try {
      for (int i = 0; i < messages.size(); i++) {
        send(messages.get(i));
      }
    } finally {
      for (final ByteBuf b : copies.values()) {
        b.release();
      }
      copies.clear();
    }
    log.commit(ready.commitIndex());
  }

  /**
   * A committed index this node holds durably: where a restart may start its core's log. Below the
   * core's snapshot point only an installed (durable) snapshot counts: a snapshot the core has
   * taken in memory is not on disk until the install completes.
   */
  private long appliedPoint() {
    final long p = Math.min(core.commitIndex(), Math.min(core.stableIndex(), lastDurableIndex));
    if (p >= core.snapshot().index()) {
      return p;
    }
    return installedIndex == core.snapshot().index() ? installedIndex : savedApplied;
  }

  /**
   * Saves term and vote with the applied point (so a restart reads only the log after it). Fails
   * the replica if the file cannot be written (the vote must never be forgotten).
   */
  private void saveHardState(final long term, final long vote) {
    final long applied = appliedPoint();
    if (applied > savedApplied) {
      final long t =
          applied == core.snapshot().index() ? core.snapshot().term() : core.termAt(applied);
      if (t > 0) {
        savedApplied = applied;
        savedAppliedTerm = t;
        savedMembership = core.membershipAt(applied);
      }
    }
    try {
      hardStateFile.save(
          new HardStateFile.State(
              clusterId,
              core.id(),
              core.groupId(),
              term,
              vote,
              savedApplied,
              savedAppliedTerm,
              savedApplied == 0 ? null : savedMembership));
    } catch (final IOException e) {
      LOG.error("saving the Raft hard state failed; the replica stops", e);
      throw new AgentTerminationException(e);
    }
  }

  /** Writes the entries the engine does not have yet; the leader's own batches are skipped. */
  private void write(final List<Entry> entries) throws IOException {
    int i = 0;
    while (i < entries.size() && entries.get(i).payload() instanceof BatchRef) {
      i++;
    }
    if (i == entries.size()) {
      return;
    }
    for (int j = i; j < entries.size(); j++) {
      if (entries.get(j).payload() instanceof BatchRef) {
        throw new IllegalStateException("a batch of this leader after an entry it must write");
      }
    }
    final long first = entries.get(i).index();
    // After leading, the writer may have written batches this thread has not scanned yet (admitted
    // just before the fence): truncate through the writer's queue, which orders it after them.
    if (first <= writtenLast || mayHaveOrphans) {
      mayHaveOrphans = false;
      try {
        log.truncateAfter(first - 1).get(60, TimeUnit.SECONDS);
      } catch (final Exception e) {
        throw new IOException("truncating the shard log after index " + (first - 1), e);
      }
      writtenLast = first - 1;
      scanPosition = Math.min(scanPosition, log.appendedPosition());
    }
    int length = 0;
    for (int j = i; j < entries.size(); j++) {
      length += BatchDescriptor.alignedLength(encodedLength(entries.get(j)));
    }
    final byte[] bytes = new byte[length];
    final UnsafeBuffer out = new UnsafeBuffer(bytes);
    int o = 0;
    for (int j = i; j < entries.size(); j++) {
      final Entry e = entries.get(j);
      final byte[] batch =
          switch (e.type()) {
            case NORMAL -> (byte[]) e.payload();
            case NOOP ->
                ControlCodec.raftBatch(e.index(), e.term(), ControlCodec.RAFT_NOOP, new byte[0]);
            case CONFIG ->
                ControlCodec.raftBatch(
                    e.index(),
                    e.term(),
                    ControlCodec.RAFT_CONFIG,
                    MembershipCodec.encode((Membership) e.payload()));
          };
      out.putBytes(o, batch);
      o += BatchDescriptor.alignedLength(batch.length);
    }
    final CompletableFuture<Long> f = log.appendEncoded(out, 0, length);
    f.whenComplete(
        (index, ex) -> {
          if (ex != null) {
            appendFailure = ex;
          }
        });
    writtenLast = entries.get(entries.size() - 1).index();
  }

  private static int encodedLength(final Entry e) {
    return switch (e.type()) {
      case NORMAL -> ((byte[]) e.payload()).length;
      case NOOP -> BatchDescriptor.HEADER_LENGTH + 6;
      case CONFIG ->
          BatchDescriptor.HEADER_LENGTH
              + 6
              + MembershipCodec.encode((Membership) e.payload()).length;
    };
  }

  /** Sends a message; the leader's batches are read back from the log for AppendEntries. */
  private void send(final Message m) {
    if (m.type() == MessageType.SNAPSHOT) {
      transfer.request(m, clock.nanoTime()); // the bytes go first, the message after them
      return;
    }
    if (m.type() != MessageType.APPEND || m.entries().isEmpty()) {
      transport.send(m);
      return;
    }
    final List<Entry> src = m.entries();
    List<Entry> out = null;
    for (int i = 0; i < src.size(); i++) {
      final Entry e = src.get(i);
      if (e.payload() instanceof BatchRef r) {
        if (out == null) {
          out = new ArrayList<>(src.subList(0, i));
        }
        ByteBuf b = copies.get(r);
        if (b == null) {
          b = alloc.directBuffer(r.length(), r.length());
          try {
            log.copy(r.position(), b.nioBuffer(0, r.length()));
          } catch (final IOException ex) {
            b.release();
            LOG.warn("cannot read log index {} back for a follower: {}", e.index(), ex.toString());
            return; // the follower asks again (retention removed it: it gets a copy of the log)
          }
          b.writerIndex(r.length());
          copies.put(r, b);
        }
        // a read-only view per message: the transport retains it until written
        out.add(new Entry(e.index(), e.term(), e.type(), b.duplicate(), e.sizeBytes()));
      } else if (out != null) {
        out.add(e);
      }
    }
    if (out == null) {
      transport.send(m);
      return;
    }
    transport.send(withEntries(m, out));
  }

  private void maybeCompact() {
    final long to = Math.min(core.commitIndex(), core.stableIndex()) - KEEP_ENTRIES;
    if (to > core.snapshot().index()) {
      core.compact(to);
    }
  }

  private void publishStatus() {
    final Membership m = core.membership();
    final List<ClusterStatus.Peer> peers = new ArrayList<>();
    final List<String> voters = new ArrayList<>();
    for (int i = 0; i < m.voterCount(); i++) {
      final long v = m.voterAt(i);
      voters.add(ReplicaId.toString(v));
      if (v != core.id()) {
        peers.add(
            new ClusterStatus.Peer(
                ReplicaId.node(v),
                core.role() == Role.LEADER ? core.matchIndex(v) : -1,
                transport.isConnected(ReplicaId.node(v))));
      }
    }
    status =
        new ClusterStatus(
            ReplicaId.node(core.id()),
            ReplicaId.toString(core.id()),
            List.copyOf(voters),
            core.role(),
            core.term(),
            core.leaderId() == ReplicaId.NONE ? 0 : ReplicaId.node(core.leaderId()),
            core.commitIndex(),
            lastDurableIndex,
            core.lastIndex(),
            ledTerm != 0 && core.commitIndex() >= termStartIndex,
            List.copyOf(peers));
  }

  /**
   * Returns the status as of the last duty cycle that published one (about every 50 ms); any
   * thread.
   *
   * @return the status
   */
  public ClusterStatus status() {
    return status;
  }

  /**
   * Returns {copies of the log sent and held by followers, copies installed here}; any thread.
   *
   * @return the counts
   */
  public long[] snapshotCounts() {
    return new long[] {transfer.sent(), transfer.installed()};
  }

  /**
   * Asks the agent to add or remove a voter; any thread. The leader closes the write gate, waits
   * for every batch the writer has written to be proposed, appends the membership entry (a RAFT
   * control batch, so it takes the next index of the shard log) and reopens the gate behind it.
   *
   * @param add true to add, false to remove
   * @param node the node number
   * @param incarnation the incarnation to add (ignored for a removal)
   * @return completes with the entry's index once committed, or fails with the reason
   */
  public CompletableFuture<Long> changeMembership(
      final boolean add, final int node, final int incarnation) {
    final CompletableFuture<Long> f = new CompletableFuture<>();
    if (!changes.offer(new Change(add, node, incarnation, f))) {
      f.completeExceptionally(new IllegalStateException("too many membership changes queued"));
    }
    return f;
  }

  private void startChange(final Change c) {
    if (core.role() != Role.LEADER || ledTerm == 0 || handingOff) {
      c.done().completeExceptionally(new IllegalStateException("this node does not lead"));
      return;
    }
    if (core.membershipIndex() > core.commitIndex()) {
      c.done().completeExceptionally(new IllegalStateException("another change is in progress"));
      return;
    }
    final Membership m = core.membership();
    final List<Long> voters = new ArrayList<>();
    long existing = ReplicaId.NONE;
    for (int i = 0; i < m.voterCount(); i++) {
      final long v = m.voterAt(i);
      if (ReplicaId.node(v) == c.node()) {
        existing = v;
      } else {
        voters.add(v);
      }
    }
    if (c.add()) {
      if (existing != ReplicaId.NONE) {
        c.done()
            .completeExceptionally(
                new IllegalStateException(
                    "node "
                        + c.node()
                        + " is already a voter as "
                        + ReplicaId.toString(existing)
                        + "; remove it first"));
        return;
      }
      voters.add(ReplicaId.of(c.node(), c.incarnation()));
    } else {
      if (existing == ReplicaId.NONE) {
        c.done()
            .completeExceptionally(
                new IllegalStateException("node " + c.node() + " is not a voter"));
        return;
      }
      if (existing == core.id()) {
        c.done()
            .completeExceptionally(
                new IllegalStateException(
                    "this node leads: stop it (it hands over) or remove another"));
        return;
      }
    }
    final Membership next =
        Membership.ofVoters(voters.stream().mapToLong(Long::longValue).toArray());
    // Close the gate, and let the writer's queue order a barrier behind anything it admitted.
    log.fence();
    try {
      log.truncateAfter(Long.MAX_VALUE).get(60, TimeUnit.SECONDS);
      long end;
      while ((end = log.appendedPosition()) != scanPosition) {
        proposed = 0;
        scanPosition = log.scan(scanPosition, SCAN_LIMIT, scanSink);
        if (proposed > 0) {
          core.broadcastProposals();
        }
        if (scanPosition == end) {
          break;
        }
      }
    } catch (final Exception e) {
      log.lead(ledTerm);
      c.done().completeExceptionally(e);
      return;
    }
    final long index = core.proposeMembership(next);
    if (index == 0) {
      log.lead(ledTerm);
      c.done()
          .completeExceptionally(
              new IllegalStateException(
                  "the change was refused (one voter at a time, term committed)"));
      return;
    }
    LOG.info("membership change at index {}: {}", index, next);
    pendingChange = c;
    pendingChangeIndex = index;
    reopenAfterWrite = true;
  }

  /**
   * Asks the agent to hand leadership over (graceful shutdown): it closes the write gate, picks the
   * voter with the highest match index and sends it TimeoutNow once it has the whole log, so it
   * campaigns at once instead of after an election timeout. Any thread.
   */
  public void requestHandOff() {
    handOffRequested = true;
  }

  private void startHandOff() {
    handingOff = true;
    if (core.role() != Role.LEADER) {
      return;
    }
    log.fence();
    ledTerm = 0;
    mayHaveOrphans = true;
    long target = ReplicaId.NONE;
    long best = -1;
    final Membership m = core.membership();
    for (int i = 0; i < m.voterCount(); i++) {
      final long v = m.voterAt(i);
      if (v != core.id() && transport.isConnected(ReplicaId.node(v)) && core.matchIndex(v) > best) {
        best = core.matchIndex(v);
        target = v;
      }
    }
    if (target != ReplicaId.NONE && core.transferLeadership(target)) {
      LOG.info("handing leadership to {} (match index {})", ReplicaId.toString(target), best);
    }
  }

  @Override
  public void onClose() {
    log.fence();
    transfer.close();
    if (log.isHealthy() && appendFailure == null && appliedPoint() > savedApplied) {
      try {
        saveHardState(core.term(), core.vote()); // the next start reads only what follows
      } catch (final AgentTerminationException e) {
        LOG.warn("the applied point was not saved at close", e.getCause());
      }
    }
    transport.close(); // peers see the connections end and stop counting on this node
  }

  @Override
  public String roleName() {
    return "stele-raft-" + ReplicaId.toString(core.id());
  }
}
