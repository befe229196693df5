package io.stele.replication.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Focused unit tests of the core; the simulator covers the interleavings. */
class RaftCoreTest {
  private static final long GROUP = 3;
  private static final long A = ReplicaId.of(1, 0);
  private static final long B = ReplicaId.of(2, 0);
  private static final long C = ReplicaId.of(3, 0);

  private static RaftCore core(final long id, final long... voters) {
    return core(RaftConfig.builder(id, GROUP).electionTicks(10).heartbeatTicks(1), voters);
  }

  private static RaftCore core(final RaftConfig.Builder b, final long... voters) {
    return RaftCore.bootstrap(b.build(), new SplitMix64(42), Membership.ofVoters(voters));
  }

  private static Message msg(
      final MessageType type, final long from, final long to, final long term) {
    return new Message(type, GROUP, from, to, term, 0, 0, null, 0, false, 0, 0, null);
  }

  private static List<Message> sent(final Ready r, final MessageType type, final long to) {
    final List<Message> out = new ArrayList<>();
    for (final Message m : r.messages()) {
      if (m.type() == type && m.to() == to) {
        out.add(m);
      }
    }
    return out;
  }

  /** Elects {@code a} leader of term 1 in a three-voter group; returns the drained Ready. */
  private static Ready electLeader(final RaftCore a) {
    a.step(msg(MessageType.TIMEOUT_NOW, B, A, 0));
    assertEquals(Role.CANDIDATE, a.role());
    a.ready();
    a.step(msg(MessageType.VOTE_RESPONSE, B, A, 1));
    assertEquals(Role.LEADER, a.role());
    return a.ready();
  }

  @Test
  void shouldCommitOnASingleNodeOnlyAfterItsOwnFlush() {
    final RaftCore a = core(A, A);
    for (int i = 0; i < 20 && a.role() != Role.LEADER; i++) {
      a.tick();
    }
    assertEquals(Role.LEADER, a.role());
    final long index = a.propose("batch", 64);
    final Ready r = a.ready();
    assertEquals(index, r.entries().get(r.entries().size() - 1).index());
    assertEquals(0, r.commitIndex(), "nothing commits before the leader's own flush");
    a.onPersisted(index, a.term());
    assertEquals(index, a.ready().commitIndex());
  }

  @Test
  void shouldReplicateBeforeTheLeaderFlushesButCountTheLeaderOnlyWhenDurable() {
    final RaftCore a = core(A, A, B, C);
    electLeader(a);
    a.step(
        new Message(MessageType.APPEND_RESPONSE, GROUP, B, A, 1, 1, 0, null, 0, false, 0, 0, null));
    assertEquals(0, a.ready().commitIndex(), "B has the no-op durable but A does not yet");
    final long index = a.propose("batch", 64);
    final Ready r = a.ready();
    assertFalse(sent(r, MessageType.APPEND, B).isEmpty(), "sent before the local flush");
    a.step(
        new Message(
            MessageType.APPEND_RESPONSE, GROUP, B, A, 1, index, 0, null, 0, false, 0, 0, null));
    assertEquals(0, a.ready().commitIndex(), "B alone is not a quorum while A is not durable");
    a.onPersisted(index, 1);
    assertEquals(index, a.ready().commitIndex());
  }

  @Test
  void shouldAcknowledgeAppendedEntriesOnlyOnceDurable() {
    final RaftCore b = core(B, A, B, C);
    final Entry e1 = new Entry(1, 1, EntryType.NOOP, null, 0);
    final Entry e2 = new Entry(2, 1, EntryType.NORMAL, "x", 10);
    b.step(
        new Message(
            MessageType.APPEND, GROUP, A, B, 1, 0, 0, List.of(e1, e2), 1, false, 0, 0, null));
    Ready r = b.ready();
    assertNotNull(r.hardState(), "the new term must be persisted");
    assertEquals(2, r.entries().size());
    assertTrue(sent(r, MessageType.APPEND_RESPONSE, A).isEmpty(), "no ack before the flush");
    b.onPersisted(2, 1);
    r = b.ready();
    final List<Message> acks = sent(r, MessageType.APPEND_RESPONSE, A);
    assertEquals(1, acks.size());
    assertEquals(2, acks.get(0).index());
    assertFalse(acks.get(0).reject());
  }

  @Test
  void shouldPreVoteWithoutRaisingItsTerm() {
    final RaftCore a = core(A, A, B, C);
    for (int i = 0; i < 20 && a.role() == Role.FOLLOWER; i++) {
      a.tick();
    }
    assertEquals(Role.PRE_CANDIDATE, a.role());
    assertEquals(0, a.term());
    final Ready r = a.ready();
    assertNull(r.hardState(), "a pre-vote changes no durable state");
    assertEquals(1, sent(r, MessageType.PRE_VOTE, B).get(0).term());
  }

  @Test
  void shouldRefuseAVoteToACandidateWithAStaleLog() {
    final RaftCore b = core(B, A, B, C);
    b.step(
        new Message(
            MessageType.APPEND,
            GROUP,
            A,
            B,
            2,
            0,
            0,
            List.of(new Entry(1, 2, EntryType.NOOP, null, 0)),
            0,
            false,
            0,
            0,
            null));
    b.ready();
    b.step(new Message(MessageType.VOTE, GROUP, C, B, 3, 5, 1, null, 0, false, 0, 1, null));
    final Message resp = sent(b.ready(), MessageType.VOTE_RESPONSE, C).get(0);
    assertTrue(resp.reject(), "last term 1 is older than our last term 2 (§5.4.1)");
  }

  @Test
  void shouldBoundTheInflightWindowByCountAndBytes() {
    final RaftCore a =
        core(
            RaftConfig.builder(A, GROUP)
                .electionTicks(10)
                .maxAppend(1, 1 << 20)
                .inflight(3, 1 << 20),
            A,
            B,
            C);
    electLeader(a);
    a.step(
        new Message(MessageType.APPEND_RESPONSE, GROUP, B, A, 1, 1, 0, null, 0, false, 0, 0, null));
    a.ready();
    for (int i = 0; i < 10; i++) {
      a.propose("p" + i, 10);
    }
    assertEquals(3, sent(a.ready(), MessageType.APPEND, B).size(), "count bound");

    final RaftCore x =
        core(
            RaftConfig.builder(A, GROUP).electionTicks(10).maxAppend(1, 1 << 20).inflight(64, 250),
            A,
            B,
            C);
    electLeader(x);
    x.step(
        new Message(MessageType.APPEND_RESPONSE, GROUP, B, A, 1, 1, 0, null, 0, false, 0, 0, null));
    x.ready();
    for (int i = 0; i < 10; i++) {
      x.propose("p" + i, 100);
    }
    assertEquals(3, sent(x.ready(), MessageType.APPEND, B).size(), "bytes bound: 100+100+100");
  }

  @Test
  void shouldDropMessagesForAnotherGroupOrAnotherIncarnation() {
    final RaftCore b = core(B, A, B, C);
    b.step(new Message(MessageType.VOTE, GROUP + 1, A, B, 5, 0, 0, null, 0, false, 0, 0, null));
    b.step(
        new Message(
            MessageType.VOTE, GROUP, A, ReplicaId.of(2, 7), 5, 0, 0, null, 0, false, 0, 0, null));
    assertEquals(0, b.term());
    assertFalse(b.hasReady());
  }

  @Test
  void shouldConfirmAReadIndexWithAQuorumBeforeAnsweringIt() {
    final RaftCore a = core(A, A, B, C);
    electLeader(a);
    a.onPersisted(1, 1);
    a.step(
        new Message(MessageType.APPEND_RESPONSE, GROUP, B, A, 1, 1, 0, null, 0, false, 0, 0, null));
    assertEquals(1, a.ready().commitIndex());
    assertTrue(a.readIndex(99));
    final Ready r = a.ready();
    assertTrue(r.readStates().isEmpty(), "not before a quorum confirms leadership");
    final long ctx = sent(r, MessageType.HEARTBEAT, C).get(0).context();
    a.step(
        new Message(
            MessageType.HEARTBEAT_RESPONSE, GROUP, C, A, 1, 0, 0, null, 0, false, 0, ctx, null));
    final Ready r2 = a.ready();
    assertEquals(1, r2.readStates().size());
    assertEquals(1, r2.readStates().get(0).index());
  }

  @Test
  void shouldStepDownWhenItCannotHearFromAQuorum() {
    final RaftCore a = core(A, A, B, C);
    electLeader(a);
    for (int i = 0; i < 25; i++) {
      a.tick();
    }
    assertEquals(Role.FOLLOWER, a.role(), "check-quorum (thesis §6.2)");
  }

  @Test
  void shouldCatchUpAFollowerBehindTheCompactionPointWithASnapshot() {
    final RaftCore a = core(A, A, B, C);
    electLeader(a);
    a.onPersisted(1, 1);
    a.step(
        new Message(MessageType.APPEND_RESPONSE, GROUP, B, A, 1, 1, 0, null, 0, false, 0, 0, null));
    a.ready();
    assertTrue(a.compact(1));
    a.step(
        new Message(MessageType.APPEND_RESPONSE, GROUP, C, A, 1, 0, 0, null, 0, true, 0, 0, null));
    final List<Message> snaps = sent(a.ready(), MessageType.SNAPSHOT, C);
    assertEquals(1, snaps.size());
    assertEquals(1, snaps.get(0).snapshot().index());
  }

  @Test
  void shouldCatchUpAFollowerBehindTheCompactionPointFromStorageInsteadOfASnapshot() {
    // the node still has the compacted entry on disk: the leader reads it back from storage
    final List<Entry> disk = new ArrayList<>();
    final LogStorage storage =
        new LogStorage() {
          @Override
          public long term(final long index) {
            return index >= 1 && index <= disk.size() ? disk.get((int) index - 1).term() : -1;
          }

          @Override
          public List<Entry> entries(
              final long lo, final long hi, final int maxEntries, final long maxBytes) {
            return lo < 1 || lo > disk.size()
                ? List.of()
                : List.copyOf(disk.subList((int) lo - 1, (int) Math.min(hi, disk.size())));
          }
        };
    final RaftCore a =
        new RaftCore(
            RaftConfig.builder(A, GROUP).electionTicks(10).heartbeatTicks(1).build(),
            new SplitMix64(42),
            new HardState(0, ReplicaId.NONE),
            new SnapshotMeta(0, 0, Membership.ofVoters(A, B, C)),
            List.of(),
            storage);
    final Ready elected = electLeader(a);
    disk.addAll(elected.entries()); // the leader's no-op, as the node wrote it
    a.onPersisted(1, 1);
    a.step(
        new Message(MessageType.APPEND_RESPONSE, GROUP, B, A, 1, 1, 0, null, 0, false, 0, 0, null));
    a.ready();
    assertTrue(a.compact(1));
    a.step(
        new Message(MessageType.APPEND_RESPONSE, GROUP, C, A, 1, 0, 0, null, 0, true, 0, 0, null));
    final Ready r = a.ready();
    assertTrue(sent(r, MessageType.SNAPSHOT, C).isEmpty(), "no snapshot while storage has it");
    final List<Message> apps = sent(r, MessageType.APPEND, C);
    assertEquals(1, apps.size());
    assertEquals(0, apps.get(0).index(), "sent from the start of the log");
    assertEquals(1, apps.get(0).entries().size());
    assertEquals(1, apps.get(0).entries().get(0).index());
  }

  @Test
  void shouldSendAgainWhenTheWindowIsFullOfLostAppendsAndTheFollowerAnswersAHeartbeat() {
    final RaftCore a =
        core(
            RaftConfig.builder(A, GROUP).electionTicks(10).heartbeatTicks(1).inflight(1, 1 << 20),
            A,
            B,
            C);
    electLeader(a);
    a.onPersisted(1, 1);
    // B acknowledges the no-op: its progress goes to REPLICATE
    a.step(
        new Message(MessageType.APPEND_RESPONSE, GROUP, B, A, 1, 1, 0, null, 0, false, 0, 0, null));
    a.ready();
    a.propose("x", 10);
    assertEquals(1, sent(a.ready(), MessageType.APPEND, B).size(), "fills the window of one");
    a.propose("y", 10);
    assertTrue(sent(a.ready(), MessageType.APPEND, B).isEmpty(), "the window is full");
    // the append to B was lost with its connection; B still answers heartbeats
    a.step(msg(MessageType.HEARTBEAT_RESPONSE, B, A, 1));
    assertEquals(
        1, sent(a.ready(), MessageType.APPEND, B).size(), "a heartbeat answer reopens the window");
  }

  @Test
  void shouldNotAcknowledgeItsOldDurableLogAfterInstallingASnapshot() {
    final RaftCore b = core(B, A, B, C);
    final List<Entry> old = new ArrayList<>();
    for (long i = 1; i <= 3; i++) {
      old.add(new Entry(i, 1, EntryType.NORMAL, "old" + i, 10));
    }
    b.step(new Message(MessageType.APPEND, GROUP, A, B, 1, 0, 0, old, 0, false, 0, 0, null));
    b.onPersisted(3, 1);
    b.ready();
    final SnapshotMeta snap = new SnapshotMeta(10, 2, Membership.ofVoters(A, B, C));
    b.step(new Message(MessageType.SNAPSHOT, GROUP, C, B, 2, 0, 0, null, 0, false, 0, 0, snap));
    // a delayed probe from before the snapshot takes the "below my commit index" shortcut
    b.step(new Message(MessageType.APPEND, GROUP, C, B, 2, 0, 0, null, 10, false, 0, 0, null));
    Ready r = b.ready();
    assertEquals(snap, r.snapshot());
    assertFalse(sent(r, MessageType.APPEND_RESPONSE, C).isEmpty());
    assertTrue(
        sent(r, MessageType.APPEND_RESPONSE, C).stream().allMatch(m -> m.index() == 0),
        "the old durable entries 1..3 of term 1 are not the leader's: never acknowledge them");
    b.onPersisted(10, 2);
    r = b.ready();
    assertEquals(10, sent(r, MessageType.APPEND_RESPONSE, C).get(0).index());
  }
}
