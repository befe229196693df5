package io.stele.replication.raft.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stele.replication.raft.EntryType;
import io.stele.replication.raft.Membership;
import io.stele.replication.raft.Message;
import io.stele.replication.raft.MessageType;
import io.stele.replication.raft.PlantedBug;
import io.stele.replication.raft.ReplicaId;
import io.stele.replication.raft.Role;
import java.util.EnumSet;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Named scenarios as readable transcripts (printed to the test output): each line is one event,
 * {@code S<n>} the node it happened on. The checker runs after every step as in the randomized
 * runs.
 */
class ScenarioTest {
  private SimCluster current;

  private SimCluster track(final SimCluster c) {
    current = c;
    return c;
  }

  @AfterEach
  void printTranscript(final TestInfo info) {
    if (current != null) {
      System.out.println("=== " + info.getDisplayName() + current.transcript());
    }
  }

  private static Predicate<Message> to(final SimCluster c, final int... slots) {
    return m -> {
      for (final int s : slots) {
        if (m.to() == c.id(s)) {
          return true;
        }
      }
      return false;
    };
  }

  private static Predicate<Message> type(final MessageType t) {
    return m -> m.type() == t;
  }

  /**
   * Figure 8 of the Raft paper (§5.4.2): an entry of an old term stored on a majority can still be
   * overwritten, so a leader must not commit it by counting. Five nodes, one entry per message.
   */
  private SimCluster figure8(final SimOptions opts) {
    opts.nodes = 5;
    opts.maxAppendEntries = 1;
    final SimCluster c = track(SimCluster.scripted(opts));
    c.say("S1 is elected for term 1 and its no-op commits everywhere");
    c.campaign(0);
    c.stabilize();
    c.say("(a) S1 appends write A at index 2; only S2 receives it");
    c.propose(0);
    c.deliver(type(MessageType.APPEND).and(to(c, 1)));
    c.drop(m -> true);
    c.flush(0);
    c.flush(1);
    c.drop(m -> true);
    c.say("(b) S1 crashes; S5 wins term 2 with votes from S3 and S4, appends its no-op at 2");
    c.crash(0);
    c.campaign(4);
    c.deliver(type(MessageType.VOTE).or(type(MessageType.VOTE_RESPONSE)));
    assertEquals(Role.LEADER, c.core(4).role());
    c.drop(m -> true);
    c.flush(4);
    c.say("S5 crashes before replicating anything");
    c.crash(4);
    c.say("(c) S1 restarts and wins term 3 (S2, S3, S4); it replicates A (term 1) to S3 and S4");
    c.restart(0);
    c.campaign(0);
    c.deliver(type(MessageType.VOTE).or(type(MessageType.VOTE_RESPONSE)));
    if (c.core(0).role() != Role.LEADER) {
      c.campaign(0);
      c.deliver(type(MessageType.VOTE).or(type(MessageType.VOTE_RESPONSE)));
    }
    assertEquals(Role.LEADER, c.core(0).role());
    c.drop(to(c, 1));
    c.deliver(type(MessageType.APPEND).and(to(c, 2, 3)));
    c.deliver(type(MessageType.APPEND_RESPONSE).and(to(c, 0)));
    c.deliver(type(MessageType.APPEND).and(to(c, 2, 3)).and(m -> m.index() == 1));
    c.flush(0);
    c.flush(2);
    c.flush(3);
    c.say("A is now on S1, S2, S3, S4: a majority, but of term 1; S3/S4 acknowledge index 2");
    c.drop(to(c, 1, 4).or(type(MessageType.APPEND)));
    c.deliver(type(MessageType.APPEND_RESPONSE).and(to(c, 0)));
    final long s1Commit = c.core(0).commitIndex();
    c.say("S1 commit index is now " + s1Commit + ": A is not committed");
    assertTrue(opts.bugs.isEmpty() ? s1Commit < 2 : s1Commit >= 2, "commit " + s1Commit);
    c.drop(m -> true);
    c.say("(d) S1 crashes; S5 restarts and wins term 4 with S2, S3, S4: its term-2 entry is newer");
    c.crash(0);
    c.restart(4);
    c.campaign(4);
    c.deliver(type(MessageType.VOTE).or(type(MessageType.VOTE_RESPONSE)));
    if (c.core(4).role() != Role.LEADER) {
      c.campaign(4);
      c.deliver(type(MessageType.VOTE).or(type(MessageType.VOTE_RESPONSE)));
    }
    c.say("S5 replicates its log: index 2 is overwritten on S2, S3, S4");
    c.stabilize();
    return c;
  }

  @Test
  void figure8OldTermEntryOnAMajorityIsNotCommittedByCounting(final TestInfo info) {
    final SimCluster c = figure8(new SimOptions());
    assertEquals(Role.LEADER, c.core(4).role());
    assertEquals(4, c.core(4).term());
    assertNotEquals(1, c.core(2).termAt(2), "A (term 1) was overwritten, which is safe");
    c.restart(0);
    c.propose(4);
    for (int i = 0; i < 4; i++) {
      c.tickAll();
      c.stabilize();
    }
    c.checkAckedEverywhere();
    assertEquals(c.core(4).lastIndex(), c.core(0).lastIndex());
  }

  @Test
  void figure8WithPreviousTermCountingLosesACommittedEntry(final TestInfo info) {
    final SimOptions opts = new SimOptions();
    opts.bugs = EnumSet.of(PlantedBug.COMMIT_PREVIOUS_TERM_BY_COUNTING);
    final Violation v = assertThrows(Violation.class, () -> figure8(opts));
    System.out.println("=== " + info.getDisplayName() + ": " + v.getMessage());
    // Caught at the bad commit itself: S5 lacks A yet could still win with S2, S3, S4's votes.
    assertTrue(
        v.getMessage().startsWith("acknowledged write lost: n1.0 committed 2@1"), v.getMessage());
  }

  @Test
  void leaderPartitionedDuringAWriteNeverAcknowledgesIt(final TestInfo info) {
    final SimCluster c = track(SimCluster.scripted(new SimOptions()));
    c.say("S1 leads term 1");
    c.campaign(0);
    c.stabilize();
    c.say("a client writes to S1, and S1 is cut off before the AppendEntries leave");
    final long w = c.propose(0);
    c.isolate(0);
    c.flush(0);
    c.say("time passes: S1 loses check-quorum, S2 and S3 elect a new leader (with pre-vote)");
    for (int i = 0;
        i < 100
            && (c.core(0).role() == Role.LEADER
                || !(c.core(1).role() == Role.LEADER || c.core(2).role() == Role.LEADER));
        i++) {
      c.tickAll();
      c.stabilize();
    }
    final int leader = c.core(1).role() == Role.LEADER ? 1 : 2;
    assertEquals(Role.LEADER, c.core(leader).role());
    assertEquals(Role.FOLLOWER, c.core(0).role(), "the partitioned leader stepped down");
    c.say("the new leader commits a write of its own");
    c.propose(leader);
    c.stabilize();
    assertEquals(0, c.acked() - 1, "only the new leader's write was acknowledged");
    c.say("the partition heals: S1 learns the new term and its unacknowledged write is replaced");
    c.healNetwork();
    for (int i = 0; i < 10; i++) {
      c.tickAll();
      c.stabilize();
    }
    assertNotEquals(1, c.core(0).termAt(w), "S1's uncommitted entry at " + w + " was truncated");
    assertEquals(c.core(leader).commitIndex(), c.core(0).commitIndex());
    c.checkAckedEverywhere();
  }

  @Test
  void followerWithDivergentUncommittedSuffixIsTruncatedWithFastBacktracking(final TestInfo info) {
    final SimCluster c = track(SimCluster.scripted(new SimOptions()));
    c.say("S1 leads term 1; then, isolated, it appends three writes nobody else sees");
    c.campaign(0);
    c.stabilize();
    c.isolate(0);
    c.propose(0);
    c.propose(0);
    c.propose(0);
    c.flush(0);
    c.drop(m -> true);
    c.say("S2 is elected and commits two writes with S3");
    c.crash(0);
    c.campaign(1);
    c.stabilize();
    c.propose(1);
    c.propose(1);
    c.stabilize();
    assertEquals(2, c.acked());
    c.say("S3 takes over in term 3; its view of S1 starts past S1's divergent entries");
    c.campaign(2);
    c.stabilize();
    assertEquals(Role.LEADER, c.core(2).role());
    c.say("S1 comes back as a follower with a divergent suffix of term 1");
    c.restart(0);
    c.healNetwork();
    assertEquals(4, c.core(0).lastIndex());
    for (int i = 0; i < 4; i++) {
      c.tickAll();
      c.stabilize();
    }
    assertTrue(c.transcript().contains("reject"), "S1 rejected the first probe with a hint");
    for (long i = 1; i <= c.core(2).lastIndex(); i++) {
      assertEquals(c.core(2).termAt(i), c.core(0).termAt(i), "log matches at " + i);
    }
    assertEquals(c.core(2).commitIndex(), c.core(0).commitIndex());
    c.checkAckedEverywhere();
  }

  @Test
  void wipedDiskRejoinsUnderANewIdentityAndNeverVotesAsItsOldSelf(final TestInfo info) {
    final SimCluster c = track(SimCluster.scripted(new SimOptions()));
    c.say("S1 leads term 1 and commits three writes on S1, S2, S3");
    c.campaign(0);
    c.stabilize();
    c.propose(0);
    c.propose(0);
    c.propose(0);
    c.stabilize();
    c.say("S3's disk is wiped: it restarts empty under identity n3.1, knowing no configuration");
    c.crash(2);
    c.wipe(2);
    c.restart(2);
    assertEquals(ReplicaId.of(3, 1), c.id(2));
    assertEquals(Membership.EMPTY, c.core(2).membership());
    c.campaign(2);
    assertEquals(Role.FOLLOWER, c.core(2).role(), "an unconfigured replica never campaigns");
    c.say("S1 compacts its log, so the newcomer must catch up by snapshot (segment transfer)");
    assertTrue(c.compact(0, c.core(0).commitIndex()));
    final long old = ReplicaId.of(3, 0);
    final long fresh = c.id(2);
    c.say("one change at a time: remove n3.0, add n3.1 as learner, promote it");
    assertTrue(c.proposeMembership(0, Membership.ofVoters(c.id(0), c.id(1))) > 0);
    c.stabilize();
    assertTrue(
        c.proposeMembership(0, Membership.of(new long[] {c.id(0), c.id(1)}, new long[] {fresh}))
            > 0);
    c.stabilize();
    for (int i = 0; i < 4; i++) {
      c.tickAll();
      c.stabilize();
    }
    assertTrue(c.transcript().contains("SNAPSHOT"), "the learner was caught up by snapshot");
    assertEquals(c.core(0).commitIndex(), c.core(2).commitIndex());
    assertTrue(c.proposeMembership(0, Membership.ofVoters(c.id(0), c.id(1), fresh)) > 0);
    c.stabilize();
    assertTrue(c.core(0).membership().isVoter(fresh));
    assertFalse(c.core(0).membership().isMember(old));
    c.say("S1 fails; S2 and the new S3 elect a leader and keep every acknowledged write");
    c.crash(0);
    c.campaign(1);
    c.stabilize();
    assertEquals(Role.LEADER, c.core(1).role());
    c.propose(1);
    c.stabilize();
    c.checkAckedEverywhere();
    assertEquals(EntryType.NORMAL, c.core(2).entryAt(c.core(2).lastIndex()).type());
  }
}
