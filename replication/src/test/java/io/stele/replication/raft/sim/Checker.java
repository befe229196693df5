package io.stele.replication.raft.sim;

import io.stele.replication.raft.Entry;
import io.stele.replication.raft.RaftCore;
import io.stele.replication.raft.ReplicaId;
import io.stele.replication.raft.SnapshotMeta;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Objects;

/**
 * The safety invariants of Raft (§5.2 Figure 3), checked after every step of a simulation:
 *
 * <ul>
 *   <li>election safety: at most one leader per term;
 *   <li>log matching: two entries with the same index and term carry the same payload and follow
 *       entries with the same term (by induction, identical prefixes);
 *   <li>leader completeness: a new leader's log holds every entry committed so far;
 *   <li>state-machine safety: every node commits the same entry at each index, across crashes and
 *       identities, and a node's commit index never decreases during its life;
 *   <li>no acknowledged quorum write is lost: an acknowledged entry is the committed one at its
 *       index, and after healing every member commits past it;
 *   <li>linearizable reads: a read index covers every write acknowledged before the read began.
 * </ul>
 */
final class Checker {
  private final HashMap<Long, Long> leaderOfTerm = new HashMap<>();
  private long[] committedTerm = new long[1024];
  private Object[] committedPayload = new Object[1024];
  private long maxCommitted;
  private final HashMap<Key, Object[]> entries = new HashMap<>();
  private final ArrayList<long[]> acked = new ArrayList<>();
  private long maxAckedIndex;
  private long commitChecks;

  private record Key(long index, long term) {}

  static void fail(final String message) {
    throw new Violation(message);
  }

  long maxCommitted() {
    return maxCommitted;
  }

  long maxAckedIndex() {
    return maxAckedIndex;
  }

  int ackedCount() {
    return acked.size();
  }

  long commitChecks() {
    return commitChecks;
  }

  long committedTerm(final long index) {
    return index < committedTerm.length ? committedTerm[(int) index] : 0;
  }

  void onLeader(final RaftCore core, final long term) {
    final Long prev = leaderOfTerm.putIfAbsent(term, core.id());
    if (prev != null && prev != core.id()) {
      fail(
          "election safety: two leaders in term "
              + term
              + ": "
              + ReplicaId.toString(prev)
              + " and "
              + ReplicaId.toString(core.id()));
    }
    if (prev == null) {
      // Leader completeness (§5.4): every committed entry is in the new leader's log.
      if (core.lastIndex() < maxCommitted) {
        fail(
            "leader completeness: "
                + ReplicaId.toString(core.id())
                + " leads term "
                + term
                + " with last index "
                + core.lastIndex()
                + " < committed "
                + maxCommitted);
      }
      for (long i = core.snapshot().index() + 1; i <= maxCommitted; i++) {
        if (core.termAt(i) != committedTerm[(int) i]) {
          fail(
              "leader completeness: "
                  + ReplicaId.toString(core.id())
                  + " leads term "
                  + term
                  + " with term "
                  + core.termAt(i)
                  + " at committed index "
                  + i
                  + " (committed term "
                  + committedTerm[(int) i]
                  + ")");
        }
      }
    }
  }

  /** Log matching, checked on every entry a node writes (index, term) -> (prev term, payload). */
  void onAppend(final RaftCore core, final List<Entry> written) {
    for (final Entry e : written) {
      if (core.termAt(e.index()) != e.term()) {
        fail("core log does not hold the entry it asked to persist: " + e + " at " + core);
      }
      final long prevTerm = core.termAt(e.index() - 1);
      final Object payload =
          e.type() == io.stele.replication.raft.EntryType.NORMAL
              ? e.payload()
              : e.type().name() + (e.payload() == null ? "" : e.payload().toString());
      final Object[] seen =
          entries.putIfAbsent(new Key(e.index(), e.term()), new Object[] {prevTerm, payload});
      if (seen != null) {
        if (!Objects.equals(seen[1], payload)) {
          fail(
              "log matching: two different entries at "
                  + e.index()
                  + "@"
                  + e.term()
                  + ": "
                  + seen[1]
                  + " and "
                  + payload
                  + " on "
                  + ReplicaId.toString(core.id()));
        }
        if (prevTerm >= 0 && (long) seen[0] >= 0 && (long) seen[0] != prevTerm) {
          fail(
              "log matching: entry "
                  + e
                  + " follows term "
                  + prevTerm
                  + " on "
                  + ReplicaId.toString(core.id())
                  + " but term "
                  + seen[0]
                  + " elsewhere");
        }
      }
    }
  }

  /** State-machine safety for a commit advance from {@code from} (exclusive) to {@code to}. */
  void onCommit(final RaftCore core, final long from, final long to) {
    if (to < from) {
      fail(
          "commit index went backwards on "
              + ReplicaId.toString(core.id())
              + ": "
              + from
              + " -> "
              + to);
    }
    final SnapshotMeta s = core.snapshot();
    for (long i = from + 1; i <= to; i++) {
      final long t;
      final Object payload;
      if (i < s.index()) {
        continue; // installed by snapshot: checked through the snapshot point below
      } else if (i == s.index()) {
        t = s.term();
        payload = null;
      } else {
        t = core.termAt(i);
        final Entry e = core.entryAt(i);
        payload = e.type() == io.stele.replication.raft.EntryType.NORMAL ? e.payload() : null;
      }
      record(core, i, t, payload);
    }
  }

  void onSnapshot(final RaftCore core, final SnapshotMeta s) {
    if (s.index() > maxCommitted || committedTerm[(int) s.index()] != s.term()) {
      fail("snapshot " + s + " on " + ReplicaId.toString(core.id()) + " is not a committed point");
    }
  }

  private void record(final RaftCore core, final long i, final long t, final Object payload) {
    commitChecks++;
    ensure(i);
    final int ix = (int) i;
    if (committedTerm[ix] == 0) {
      if (i != maxCommitted + 1 && i > maxCommitted) {
        // commits arrive contiguously per node; a gap means an index was never checked
        for (long g = maxCommitted + 1; g < i; g++) {
          if (committedTerm[(int) g] == 0) {
            fail("commit skipped index " + g + " on " + ReplicaId.toString(core.id()));
          }
        }
      }
      committedTerm[ix] = t;
      committedPayload[ix] = payload;
      maxCommitted = Math.max(maxCommitted, i);
    } else if (committedTerm[ix] != t
        || (payload != null
            && committedPayload[ix] != null
            && !payload.equals(committedPayload[ix]))) {
      fail(
          "state machine safety: "
              + ReplicaId.toString(core.id())
              + " commits "
              + i
              + "@"
              + t
              + " ("
              + payload
              + ") but "
              + i
              + "@"
              + committedTerm[ix]
              + " ("
              + committedPayload[ix]
              + ") was committed before");
    } else if (committedPayload[ix] == null) {
      committedPayload[ix] = payload;
    }
  }

  /** A leader acknowledged a quorum write to its client. */
  void onAck(final long index, final long term, final Object payload) {
    if (index > maxCommitted
        || committedTerm[(int) index] != term
        || !Objects.equals(committedPayload[(int) index], payload)) {
      fail("acknowledged write " + payload + " at " + index + "@" + term + " is not committed");
    }
    acked.add(new long[] {index, term, (Long) payload});
    maxAckedIndex = Math.max(maxAckedIndex, index);
  }

  void onRead(final RaftCore core, final long index, final long minIndex) {
    if (index < minIndex) {
      fail(
          "linearizable read: "
              + ReplicaId.toString(core.id())
              + " answered read index "
              + index
              + " but a write at "
              + minIndex
              + " was acknowledged before the read began");
    }
  }

  /** After healing: every acknowledged write up to an index is committed on a live member. */
  void checkAckedOn(final RaftCore core, final long upTo) {
    for (final long[] a : acked) {
      if (a[0] > upTo) {
        continue;
      }
      if (core.commitIndex() < a[0]) {
        fail(
            "acknowledged write "
                + a[2]
                + " at "
                + a[0]
                + " not committed on "
                + ReplicaId.toString(core.id())
                + " (commit "
                + core.commitIndex()
                + ")");
      }
      if (a[0] > core.snapshot().index() && core.termAt(a[0]) != a[1]) {
        fail(
            "acknowledged write "
                + a[2]
                + " at "
                + a[0]
                + "@"
                + a[1]
                + " lost on "
                + ReplicaId.toString(core.id())
                + ": term there is "
                + core.termAt(a[0]));
      }
    }
  }

  private void ensure(final long i) {
    if (i >= committedTerm.length) {
      final int n = (int) Math.max(i + 1, committedTerm.length * 2L);
      committedTerm = Arrays.copyOf(committedTerm, n);
      committedPayload = Arrays.copyOf(committedPayload, n);
    }
  }
}
