package io.stele.replication.node;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.stele.engine.ReplicatedLog;
import io.stele.replication.raft.Entry;
import io.stele.replication.raft.EntryType;
import io.stele.replication.raft.Message;
import io.stele.replication.raft.MessageType;
import io.stele.replication.raft.RaftCore;
import io.stele.replication.raft.ReplicaId;
import io.stele.replication.raft.Role;
import io.stele.replication.raft.SnapshotMeta;
import io.stele.replication.transport.PeerTransport;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bulk catch-up: the leader copies its shard files to a follower instead of entries (Raft's
 * InstallSnapshot, thesis §5; the "snapshot" of a log-structured store is the log itself). Driven
 * by the Raft thread of each side.
 *
 * <p><b>Leader.</b> When the core wants to send a {@link MessageType#SNAPSHOT} (the follower needs
 * entries the leader no longer serves from its log), a session starts instead: the committed index
 * {@code X} at that moment, {@link ReplicatedLog#snapshotSource} for it (checkpoint + log bytes up
 * to the end of batch {@code X}), and the configuration in force at {@code X}. The stream goes out
 * in {@link MessageType#SNAPSHOT_CHUNK} pieces of at most {@link #PIECE_BYTES}, read from the
 * segments, with at most {@link #WINDOW_BYTES} unacknowledged. When the follower has acknowledged
 * the whole stream, the {@code SNAPSHOT} message (metadata {@code X}, its term and configuration)
 * follows, and the core takes over again once the follower's answer shows it holds {@code X}.
 *
 * <p><b>Follower.</b> The first piece of a session (stream offset 0) starts a staged install
 * ({@link ReplicatedLog#beginInstall}); pieces are written in order and each is acknowledged with
 * the stream bytes received. A piece out of order is answered with what was received, and the
 * leader resends from there (as it does when nothing is acknowledged for {@link #RESEND_NS}, and
 * for the {@code SNAPSHOT} message); a piece of an unknown session that is not its first is
 * refused, and the leader drops the session (the core asks again). The {@code SNAPSHOT} message is
 * given to the core only if the staged copy is complete and is for that index; if the core then
 * restores it, {@link RaftNode} installs the copy before anything else happens, otherwise the copy
 * is dropped.
 *
 * <p>A {@code SNAPSHOT_CHUNK} carries: {@code index} = stream offset (acknowledgement: bytes
 * received), {@code context} = session id, {@code logTerm} = segment size, {@code rejectHint} =
 * start position, {@code commit} = end position, the snapshot block = the metadata, and one NORMAL
 * entry whose {@code index} is the checkpoint's length plus one, whose {@code term} is the resend
 * round and whose payload is the piece. An answer carries {@code index} = bytes received, {@code
 * logTerm} = the answered piece's offset, {@code rejectHint} = its round.
 */
final class SnapshotTransfer {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotTransfer.class);

  /** Largest piece of one message. */
  static final int PIECE_BYTES = 1 << 20;

  /** Most stream bytes in flight to one follower. */
  static final long WINDOW_BYTES = 4L << 20;

  /** A session without any acknowledgement for this long is dropped (the core asks again). */
  static final long STALL_NS = 10_000_000_000L;

  /**
   * Pieces in flight this long without an acknowledgement are sent again from the last one
   * acknowledged (a connection dropped them); the SNAPSHOT message likewise.
   */
  static final long RESEND_NS = 500_000_000L;

  /** A follower drops a partial copy that received nothing for this long. */
  static final long STAGING_IDLE_NS = 30_000_000_000L;

  private final RaftCore core;
  private final ReplicatedLog log;
  private final PeerTransport transport;
  private final ByteBufAllocator alloc;

  /** Leader: sessions by follower node. */
  private final Map<Integer, Session> sessions = new HashMap<>();

  private long nextId;

  /** Follower: the copy being received. */
  private ReplicatedLog.SnapshotInstall staged;

  private long stagedId;
  private long stagedFrom;
  private SnapshotMeta stagedMeta;
  private long stagedLastNs;

  /** Sessions completed (leader) and copies installed (follower), for status and tests. */
  private volatile long sent;

  private volatile long installed;

  private static final class Session {
    final long peer;
    final long id;
    final long term;
    final ReplicatedLog.SnapshotSource source;
    final SnapshotMeta meta;
    long next;
    long acked;
    long lastProgressNs;
    long lastResendNs;

    /** Incremented at each resend; answers to pieces of an earlier round cause no rewind. */
    int round = 1;

    boolean finished;

    Session(
        final long peer,
        final long id,
        final long term,
        final ReplicatedLog.SnapshotSource source,
        final SnapshotMeta meta,
        final long nowNs) {
      this.peer = peer;
      this.id = id;
      this.term = term;
      this.source = source;
      this.meta = meta;
      this.lastProgressNs = nowNs;
      this.lastResendNs = nowNs;
    }
  }

  SnapshotTransfer(
      final RaftCore core,
      final ReplicatedLog log,
      final PeerTransport transport,
      final ByteBufAllocator alloc,
      final long seed) {
    this.core = core;
    this.log = log;
    this.transport = transport;
    this.alloc = alloc;
    this.nextId = seed;
  }

  // ---- leader ---------------------------------------------------------------------------------

  /** The core wants to send a snapshot to {@code m.to()}: start a session unless one runs. */
  void request(final Message m, final long nowNs) {
    final int node = ReplicaId.node(m.to());
    final Session running = sessions.get(node);
    if (running != null && running.peer == m.to() && running.term == core.term()) {
      return;
    }
    final long x = core.commitIndex();
    final ReplicatedLog.SnapshotSource source;
    try {
      if (x < core.snapshot().index() || x < 1) {
        return;
      }
      source = log.snapshotSource(x);
    } catch (final IOException e) {
      LOG.warn("no copy of the log for {} yet: {}", ReplicaId.toString(m.to()), e.getMessage());
      return;
    }
    final long term = x == core.snapshot().index() ? core.snapshot().term() : core.termAt(x);
    final Session s =
        new Session(
            m.to(),
            ++nextId,
            core.term(),
            source,
            new SnapshotMeta(x, term, core.membershipAt(x)),
            nowNs);
    sessions.put(node, s);
    LOG.info(
        "sending {} a copy of the log up to index {}: {} bytes (checkpoint {}, log {} to {})",
        ReplicaId.toString(m.to()),
        x,
        source.length(),
        source.checkpoint().length,
        source.startPosition(),
        source.endPosition());
  }

  /** Leader: sends what the windows allow; ends sessions that are done, stale or stalled. */
  int pump(final long nowNs) {
    if (sessions.isEmpty()) {
      return 0;
    }
    int work = 0;
    final List<Integer> done = new ArrayList<>(0);
    for (final Map.Entry<Integer, Session> e : sessions.entrySet()) {
      final Session s = e.getValue();
      if (core.role() != Role.LEADER || core.term() != s.term) {
        done.add(e.getKey());
        continue;
      }
      if (s.finished && core.matchIndex(s.peer) >= s.meta.index()) {
        done.add(e.getKey());
        sent++;
        LOG.info("{} holds the copy up to index {}", ReplicaId.toString(s.peer), s.meta.index());
        continue;
      }
      if (nowNs - s.lastProgressNs > STALL_NS) {
        LOG.warn(
            "copy of the log to {} stalled at {} of {} bytes; dropped",
            ReplicaId.toString(s.peer),
            s.acked,
            s.source.length());
        done.add(e.getKey());
        continue;
      }
      if (!s.finished
          && s.next > s.acked
          && nowNs - Math.max(s.lastProgressNs, s.lastResendNs) > RESEND_NS) {
        s.next = s.acked; // pieces lost on a dropped connection: send them again
        s.round++;
        s.lastResendNs = nowNs;
      }
      try {
        work += sendPieces(s);
      } catch (final IOException | RuntimeException ex) {
        // retention deleted a segment meanwhile, say: the core asks again and a new copy starts
        LOG.warn("copy of the log to {} failed: {}", ReplicaId.toString(s.peer), ex.toString());
        done.add(e.getKey());
        continue;
      }
      final boolean resendFinal =
          s.finished && nowNs - Math.max(s.lastProgressNs, s.lastResendNs) > RESEND_NS * 4;
      if ((!s.finished && s.acked == s.source.length()) || resendFinal) {
        final boolean queued =
            transport.send(
                new Message(
                    MessageType.SNAPSHOT,
                    core.groupId(),
                    core.id(),
                    s.peer,
                    s.term,
                    0,
                    0,
                    List.of(),
                    0,
                    false,
                    0,
                    0,
                    s.meta));
        if (queued) {
          if (!s.finished) {
            s.lastProgressNs = nowNs;
          }
          s.finished = true;
          s.lastResendNs = nowNs;
          work++;
        }
      }
    }
    for (final Integer node : done) {
      sessions.remove(node);
    }
    return work;
  }

  private int sendPieces(final Session s) throws IOException {
    final ReplicatedLog.SnapshotSource src = s.source;
    final int ck = src.checkpoint().length;
    int work = 0;
    while (s.next < src.length() && s.next - s.acked < WINDOW_BYTES) {
      final ByteBuf piece;
      if (s.next < ck) {
        final int n = (int) Math.min(PIECE_BYTES, ck - s.next);
        piece = Unpooled.wrappedBuffer(src.checkpoint(), (int) s.next, n);
      } else {
        final long position = src.startPosition() + (s.next - ck);
        final long segmentEnd = position - position % src.segmentBytes() + src.segmentBytes();
        final int n =
            (int) Math.min(PIECE_BYTES, Math.min(segmentEnd, src.endPosition()) - position);
        piece = alloc.directBuffer(n, n);
        try {
          log.copy(position, piece.nioBuffer(0, n));
        } catch (final IOException e) {
          piece.release();
          throw e;
        }
        piece.writerIndex(n);
      }
      final int n = piece.readableBytes();
      final Message m =
          new Message(
              MessageType.SNAPSHOT_CHUNK,
              core.groupId(),
              core.id(),
              s.peer,
              s.term,
              s.next,
              src.segmentBytes(),
              List.of(new Entry(ck + 1L, s.round, EntryType.NORMAL, piece, n)),
              src.endPosition(),
              false,
              src.startPosition(),
              s.id,
              s.meta);
      final boolean queued = transport.send(m);
      piece.release(); // the transport holds its own reference while queued
      if (!queued) {
        break; // queue full or not connected: the next duty cycle tries again
      }
      s.next += n;
      work++;
    }
    return work;
  }

  /** Leader: a follower acknowledged (or refused) pieces. */
  private void onAck(final Message m, final long nowNs) {
    final Session s = sessions.get(ReplicaId.node(m.from()));
    if (s == null || s.id != m.context() || s.peer != m.from()) {
      return;
    }
    if (m.reject()) {
      LOG.warn("{} refused the copy of the log; dropped", ReplicaId.toString(s.peer));
      sessions.remove(ReplicaId.node(m.from()));
      return;
    }
    if (m.index() > s.acked) {
      s.acked = Math.min(m.index(), s.next);
      s.lastProgressNs = nowNs;
    } else if (m.rejectHint() == s.round && m.logTerm() > m.index() && s.next > m.index()) {
      // the follower got a piece beyond what it holds (one was lost): resend from its position;
      // answers to the other pieces of this round say the same and are ignored after the rewind
      s.next = m.index();
      s.round++;
      s.lastResendNs = nowNs;
    }
  }

  // ---- follower -------------------------------------------------------------------------------

  /** Any side: a {@link MessageType#SNAPSHOT_CHUNK} arrived. */
  void onChunk(final Message m, final long nowNs) {
    if (m.entries().isEmpty()) {
      onAck(m, nowNs);
      return;
    }
    final Entry e = m.entries().get(0);
    final ByteBuf piece = (ByteBuf) e.payload();
    try {
      if (core.role() == Role.LEADER || m.term() < core.term()) {
        answer(m, 0, true, e.term());
        return;
      }
      if (staged == null || stagedId != m.context() || stagedFrom != m.from()) {
        if (m.index() != 0) {
          answer(m, 0, true, e.term());
          return;
        }
        abortStaged();
        staged =
            log.beginInstall(
                m.snapshot().index(),
                m.rejectHint(),
                m.commit(),
                (int) m.logTerm(),
                (int) (e.index() - 1));
        stagedId = m.context();
        stagedFrom = m.from();
        stagedMeta = m.snapshot();
        stagedLastNs = nowNs;
        LOG.info(
            "receiving a copy of the leader's log up to index {} ({} bytes)",
            stagedMeta.index(),
            staged.length());
      }
      if (m.index() == staged.received()) {
        staged.write(m.index(), piece.nioBuffer());
        stagedLastNs = nowNs;
      }
      answer(m, staged.received(), false, e.term());
    } catch (final IOException | RuntimeException ex) {
      LOG.warn("cannot stage the copy of the leader's log: {}", ex.toString());
      abortStaged();
      answer(m, 0, true, e.term());
    }
  }

  /**
   * Answers a piece: the stream bytes held, the piece's own offset (beyond them: one was lost) and
   * its round.
   */
  private void answer(
      final Message m, final long received, final boolean reject, final long round) {
    transport.send(
        new Message(
            MessageType.SNAPSHOT_CHUNK,
            core.groupId(),
            core.id(),
            m.from(),
            core.term(),
            received,
            m.index(),
            List.of(),
            0,
            reject,
            round,
            m.context(),
            null));
  }

  /**
   * Follower: whether the core may see this {@code SNAPSHOT}: only when the staged copy is whole
   * and is the one it describes.
   */
  boolean accept(final Message m) {
    return staged != null
        && stagedFrom == m.from()
        && staged.received() == staged.length()
        && stagedMeta.index() == m.snapshot().index()
        && stagedMeta.term() == m.snapshot().term();
  }

  /**
   * Follower: the core restored {@code meta}; replaces the shard log with the staged copy (blocks
   * the Raft thread until the engine has swapped the files in).
   */
  void install(final SnapshotMeta meta, final Runnable whenDurable) throws IOException {
    if (staged == null
        || staged.received() != staged.length()
        || stagedMeta.index() != meta.index()) {
      throw new IOException("the core restored snapshot " + meta + " but no such copy is staged");
    }
    final ReplicatedLog.SnapshotInstall in = staged;
    staged = null;
    in.prepare(); // durable and complete: a restart from here finishes the install
    whenDurable.run();
    try {
      in.complete().get(10, java.util.concurrent.TimeUnit.MINUTES);
    } catch (final Exception e) {
      throw new IOException("installing the copy of the leader's log up to " + meta.index(), e);
    }
    installed++;
  }

  /** Follower: drops a partial copy nobody sends any more, or one this node no longer wants. */
  void expire(final long nowNs) {
    if (staged != null
        && (core.role() == Role.LEADER
            || nowNs - stagedLastNs > STAGING_IDLE_NS
            || core.commitIndex() >= stagedMeta.index())) {
      LOG.info("dropping the partial copy of the log up to index {}", stagedMeta.index());
      abortStaged();
    }
  }

  /** Follower: a whole copy the core did not restore (it already had those entries) is dropped. */
  void dropUnused() {
    if (staged != null && staged.received() == staged.length()) {
      abortStaged();
    }
  }

  private void abortStaged() {
    if (staged != null) {
      staged.abort();
      staged = null;
    }
  }

  /** Leader sessions completed. */
  long sent() {
    return sent;
  }

  /** Copies installed on this node. */
  long installed() {
    return installed;
  }

  /** Releases the staging (node closing). */
  void close() {
    abortStaged();
    sessions.clear();
  }
}
