package io.stele.replication.raft.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stele.replication.raft.PlantedBug;
import java.util.EnumSet;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Negative controls: plant one protocol bug at a time and require the simulator to report a safety
 * violation (not just a stall) within a bounded number of seeds, and the same violation again when
 * the failing seed is replayed. A checker that never fires would pass every other test.
 */
class MutationTest {
  private static final int MAX_SEEDS = 400;

  private static SimulationFailure findViolation(
      final String name, final SimOptions base, final Consumer<SimOptions> plant) {
    final SimOptions opts = base.copy();
    plant.accept(opts);
    for (long seed = 0; seed < MAX_SEEDS; seed++) {
      try {
        SimCluster.randomized(opts, seed).run();
      } catch (SimulationFailure f) {
        System.out.println(name + ": found at seed " + seed + ": " + f.violation);
        assertTrue(
            f.violation.startsWith("election safety")
                || f.violation.startsWith("log matching")
                || f.violation.startsWith("leader completeness")
                || f.violation.startsWith("state machine safety")
                || f.violation.startsWith("acknowledged write")
                || f.violation.startsWith("linearizable read"),
            "a safety invariant fired, not a stall: " + f.getMessage());
        assertTrue(f.getMessage().contains("replay with seed " + seed));
        final SimulationFailure again =
            assertThrows(SimulationFailure.class, () -> SimCluster.randomized(opts, f.seed).run());
        assertEquals(f.violation, again.violation, "the seed replays the same failure");
        return f;
      }
    }
    throw new AssertionError(
        "no violation found in " + MAX_SEEDS + " seeds: the check is toothless");
  }

  private static Consumer<SimOptions> bug(final PlantedBug b) {
    return o -> o.bugs = EnumSet.of(b);
  }

  @Test
  void shouldCatchVotesGrantedWithoutTheUpToDateCheck() {
    assertNotNull(
        findViolation(
            "shouldCatchVotesGrantedWithoutTheUpToDateCheck",
            SimOptionsFor.crashy(3),
            bug(PlantedBug.SKIP_UP_TO_DATE_CHECK)));
  }

  @Test
  void shouldCatchALeaderCountingItselfBeforeItsFlush() {
    assertNotNull(
        findViolation(
            "shouldCatchALeaderCountingItselfBeforeItsFlush",
            SimOptionsFor.crashy(3),
            bug(PlantedBug.COUNT_LEADER_BEFORE_FLUSH)));
  }

  @Test
  void shouldCatchAFollowerAcknowledgingBeforeItsFlush() {
    assertNotNull(
        findViolation(
            "shouldCatchAFollowerAcknowledgingBeforeItsFlush",
            SimOptionsFor.crashy(3),
            bug(PlantedBug.FOLLOWER_ACK_BEFORE_FLUSH)));
  }

  @Test
  void shouldCatchCommittingAPreviousTermEntryByCounting() {
    assertNotNull(
        findViolation(
            "shouldCatchCommittingAPreviousTermEntryByCounting",
            SimOptionsFor.noCheckQuorum(3),
            bug(PlantedBug.COMMIT_PREVIOUS_TERM_BY_COUNTING)));
  }

  @Test
  void shouldCatchAppendEntriesAcceptedWithoutThePreviousTermCheck() {
    assertNotNull(
        findViolation(
            "shouldCatchAppendEntriesAcceptedWithoutThePreviousTermCheck",
            SimOptionsFor.crashy(3),
            bug(PlantedBug.SKIP_PREV_TERM_CHECK)));
  }

  @Test
  void shouldCatchReadsAnsweredWithoutAQuorumRound() {
    final SimulationFailure f =
        findViolation(
            "shouldCatchReadsAnsweredWithoutAQuorumRound",
            SimOptionsFor.noCheckQuorum(3),
            bug(PlantedBug.READ_WITHOUT_QUORUM_CHECK));
    assertTrue(f.violation.startsWith("linearizable read"), f.violation);
  }

  @Test
  void shouldCatchAWipedNodeVotingUnderItsOldIdentity() {
    assertNotNull(
        findViolation(
            "shouldCatchAWipedNodeVotingUnderItsOldIdentity",
            SimOptionsFor.crashy(3),
            o -> o.wipeKeepsIdentity = true));
  }

  @Test
  void shouldCatchANodeThatForgetsItsVote() {
    assertNotNull(
        findViolation(
            "shouldCatchANodeThatForgetsItsVote",
            SimOptionsFor.crashy(3),
            o -> o.skipHardStatePersist = true));
  }
}
