package io.stele.replication.node;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.stele.replication.raft.Entry;
import io.stele.replication.raft.EntryType;
import io.stele.replication.raft.HardState;
import io.stele.replication.raft.Message;
import io.stele.replication.raft.RaftCore;
import io.stele.replication.raft.Ready;
import io.stele.replication.raft.ReplicaId;
import io.stele.replication.raft.Role;
import io.stele.replication.transport.PeerMessages;
import io.stele.replication.transport.PeerTransport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.agrona.concurrent.NanoClock;

/**
 * Skeleton of a replica node: one agent thread drives one {@link RaftCore} (one shard, group 0 in
 * this skeleton) from a clock read once per duty cycle, the peer transport's inbound queue, and a
 * bounded proposal queue, and handles each {@link Ready} in the documented order (hard state
 * durable first, then entries, then messages, then commit).
 *
 * <p>Skeleton limits: one group; received NORMAL payloads are copied to {@code byte[]} before the
 * core sees them (the engine adapter will append the received slices unchanged instead); snapshot
 * install is not implemented; not wired into {@code server}.
 */
public final class RaftNode implements Agent {
  private static final int POLL_LIMIT = 256;

  private final RaftCore core;
  private final long clusterId;
  private final HardStateFile hardStateFile;
  private final RaftLogStore logStore;
  private final PeerTransport transport;
  private final NanoClock clock;
  private final long tickIntervalNs;
  private final ManyToOneConcurrentArrayQueue<byte[]> proposals;
  private final RaftLogStore.PersistedSink persisted = this::onPersisted;
  private long nextTickNs;

  /** Published status; written by the agent thread only. */
  private volatile Role role = Role.FOLLOWER;

  private volatile long leaderId;
  private volatile long commitIndex;
  private volatile long term;

  /**
   * Creates a node.
   *
   * @param core the group's core, built from recovered state
   * @param clusterId cluster identity, stored in the hard-state file
   * @param hardStateFile where term and vote are made durable
   * @param logStore where entries go
   * @param transport the started peer transport
   * @param clock the duty-cycle clock
   * @param tickIntervalNs length of one Raft tick
   * @param proposalQueueMax bound of the proposal queue
   */
  public RaftNode(
      final RaftCore core,
      final long clusterId,
      final HardStateFile hardStateFile,
      final RaftLogStore logStore,
      final PeerTransport transport,
      final NanoClock clock,
      final long tickIntervalNs,
      final int proposalQueueMax) {
    this.core = core;
    this.clusterId = clusterId;
    this.hardStateFile = hardStateFile;
    this.logStore = logStore;
    this.transport = transport;
    this.clock = clock;
    this.tickIntervalNs = tickIntervalNs;
    this.proposals = new ManyToOneConcurrentArrayQueue<>(proposalQueueMax);
  }

  @Override
  public void onStart() {
    nextTickNs = clock.nanoTime() + tickIntervalNs;
  }

  @Override
  public int doWork() {
    final long nowNs = clock.nanoTime();
    int work = 0;
    if (nowNs - nextTickNs >= 0) {
      core.tick();
      nextTickNs = Math.max(nextTickNs + tickIntervalNs, nowNs - tickIntervalNs);
      work++;
    }
    work += transport.poll(this::onMessage, POLL_LIMIT);
    byte[] p;
    for (int i = 0; i < POLL_LIMIT && (p = proposals.poll()) != null; i++) {
      core.propose(p, p.length);
      work++;
    }
    if (logStore.pollPersisted(persisted)) {
      work++;
    }
    while (core.hasReady()) {
      handle(core.ready());
      work++;
    }
    return work;
  }

  private void onPersisted(final long index, final long term) {
    core.onPersisted(index, term);
  }

  private void onMessage(final Message m) {
    try {
      if (m.groupId() == core.groupId()) {
        core.step(copyPayloads(m));
      }
    } finally {
      PeerMessages.release(m);
    }
  }

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
        hardStateFile.save(
            new HardStateFile.State(clusterId, core.id(), core.groupId(), hs.term(), hs.vote()));
      }
      if (ready.snapshot() != null) {
        throw new UnsupportedOperationException("snapshot install is not implemented yet");
      }
      if (!ready.entries().isEmpty()) {
        logStore.append(ready.entries());
      }
    } catch (final IOException ex) {
      throw new UncheckedIOException("persisting Raft state failed; the node stops", ex);
    }
    final List<Message> messages = ready.messages();
    for (int i = 0; i < messages.size(); i++) {
      transport.send(messages.get(i));
    }
    commitIndex = ready.commitIndex();
    role = ready.role();
    leaderId = ready.leaderId();
    term = ready.term();
  }

  /**
   * Queues a proposal for the agent thread; any thread.
   *
   * @param payload the record batch bytes
   * @return false if the queue is full
   */
  public boolean propose(final byte[] payload) {
    return proposals.offer(payload);
  }

  /**
   * Returns the role as of the last handled Ready.
   *
   * @return the role
   */
  public Role role() {
    return role;
  }

  /**
   * Returns the known leader as of the last handled Ready.
   *
   * @return replica id or {@link ReplicaId#NONE}
   */
  public long leaderId() {
    return leaderId;
  }

  /**
   * Returns the commit index as of the last handled Ready.
   *
   * @return the index
   */
  public long commitIndex() {
    return commitIndex;
  }

  /**
   * Returns the term as of the last handled Ready.
   *
   * @return the term
   */
  public long term() {
    return term;
  }

  @Override
  public String roleName() {
    return "raft-node-" + ReplicaId.toString(core.id());
  }
}
