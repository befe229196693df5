package io.stele.replication.node;

import io.stele.replication.raft.Membership;
import java.nio.ByteBuffer;

/**
 * Membership as stored in a RAFT control batch: voter count int32, voters int64 each, learner count
 * int32, learners int64 each (big-endian, as on the wire).
 */
final class MembershipCodec {
  private MembershipCodec() {}

  static byte[] encode(final Membership m) {
    final ByteBuffer b = ByteBuffer.allocate(8 + 8 * (m.voterCount() + m.learnerCount()));
    b.putInt(m.voterCount());
    for (int i = 0; i < m.voterCount(); i++) {
      b.putLong(m.voterAt(i));
    }
    b.putInt(m.learnerCount());
    for (int i = 0; i < m.learnerCount(); i++) {
      b.putLong(m.learnerAt(i));
    }
    return b.array();
  }

  static Membership decode(final byte[] bytes) {
    final ByteBuffer b = ByteBuffer.wrap(bytes);
    final long[] voters = new long[checkedCount(b)];
    for (int i = 0; i < voters.length; i++) {
      voters[i] = b.getLong();
    }
    final long[] learners = new long[checkedCount(b)];
    for (int i = 0; i < learners.length; i++) {
      learners[i] = b.getLong();
    }
    return Membership.of(voters, learners);
  }

  private static int checkedCount(final ByteBuffer b) {
    final int n = b.getInt();
    if (n < 0 || n > b.remaining() / 8) {
      throw new IllegalArgumentException("membership count " + n);
    }
    return n;
  }
}
