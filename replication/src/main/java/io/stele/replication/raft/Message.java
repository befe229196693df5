package io.stele.replication.raft;

import java.util.List;

/**
 * A message between replicas of one Raft group. Every message names its group, so one connection
 * per peer can carry every shard's group, and the addressed replica incarnation, so messages to a
 * wiped node's old self are dropped. Immutable; the entry list is never modified after sending.
 *
 * <p>Field use per type:
 *
 * <pre>
 *  type               index          logTerm         entries commit reject rejectHint context
 *  PRE_VOTE, VOTE     cand lastIndex cand lastTerm   -       -      -      -          transfer?
 *  *_VOTE_RESPONSE    -              -               -       -      yes    -          -
 *  APPEND             prev index     prev term       yes     yes    -      -          -
 *  APPEND_RESPONSE    match / probed -/hint term     -       -      yes    hint index -
 *  HEARTBEAT          -              -               -       yes    -      -          read seq
 *  HEARTBEAT_RESPONSE -              -               -       -      -      -          read seq
 *  SNAPSHOT           (snapshot meta in {@link #snapshot()})  -    -      -          -
 * </pre>
 */
public final class Message {
  /** {@link #context()} of a VOTE sent on a leadership transfer: ignore leader stickiness. */
  public static final long CAMPAIGN_TRANSFER = 1;

  private final MessageType type;
  private final long groupId;
  private final long from;
  private final long to;
  private final long term;
  private final long index;
  private final long logTerm;
  private final List<Entry> entries;
  private final long commit;
  private final boolean reject;
  private final long rejectHint;
  private final long context;
  private final SnapshotMeta snapshot;

  /**
   * Creates a message; prefer the factory methods of the core.
   *
   * @param type kind
   * @param groupId Raft group (one per shard)
   * @param from sender replica id
   * @param to addressed replica id
   * @param term sender's term (or the proposed term for pre-vote)
   * @param index see the class table
   * @param logTerm see the class table
   * @param entries entries for APPEND, empty otherwise
   * @param commit leader commit for APPEND and HEARTBEAT
   * @param reject whether a response rejects
   * @param rejectHint backtracking hint index for a rejected APPEND_RESPONSE
   * @param context read-index sequence or campaign kind
   * @param snapshot snapshot metadata for SNAPSHOT, else null
   */
  public Message(
      final MessageType type,
      final long groupId,
      final long from,
      final long to,
      final long term,
      final long index,
      final long logTerm,
      final List<Entry> entries,
      final long commit,
      final boolean reject,
      final long rejectHint,
      final long context,
      final SnapshotMeta snapshot) {
    this.type = type;
    this.groupId = groupId;
    this.from = from;
    this.to = to;
    this.term = term;
    this.index = index;
    this.logTerm = logTerm;
    this.entries = entries == null ? List.of() : entries;
    this.commit = commit;
    this.reject = reject;
    this.rejectHint = rejectHint;
    this.context = context;
    this.snapshot = snapshot;
  }

  /**
   * Returns the kind.
   *
   * @return the type
   */
  public MessageType type() {
    return type;
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
   * Returns the sender.
   *
   * @return replica id
   */
  public long from() {
    return from;
  }

  /**
   * Returns the addressee.
   *
   * @return replica id
   */
  public long to() {
    return to;
  }

  /**
   * Returns the term.
   *
   * @return the term
   */
  public long term() {
    return term;
  }

  /**
   * Returns the index field.
   *
   * @return the index
   */
  public long index() {
    return index;
  }

  /**
   * Returns the log term field.
   *
   * @return the log term
   */
  public long logTerm() {
    return logTerm;
  }

  /**
   * Returns the entries.
   *
   * @return the entries, never null
   */
  public List<Entry> entries() {
    return entries;
  }

  /**
   * Returns the commit field.
   *
   * @return the commit index
   */
  public long commit() {
    return commit;
  }

  /**
   * Returns whether this response rejects.
   *
   * @return true if rejected
   */
  public boolean reject() {
    return reject;
  }

  /**
   * Returns the backtracking hint index.
   *
   * @return the hint
   */
  public long rejectHint() {
    return rejectHint;
  }

  /**
   * Returns the context field.
   *
   * @return the context
   */
  public long context() {
    return context;
  }

  /**
   * Returns the snapshot metadata.
   *
   * @return metadata for SNAPSHOT, else null
   */
  public SnapshotMeta snapshot() {
    return snapshot;
  }

  /**
   * Returns the bytes of entry payload this message carries, for flow control.
   *
   * @return the sum of entry sizes
   */
  public long entryBytes() {
    long bytes = 0;
    for (int i = 0; i < entries.size(); i++) {
      bytes += entries.get(i).sizeBytes();
    }
    return bytes;
  }

  @Override
  public String toString() {
    final StringBuilder sb =
        new StringBuilder()
            .append(type)
            .append(' ')
            .append(ReplicaId.toString(from))
            .append("->")
            .append(ReplicaId.toString(to))
            .append(" g")
            .append(groupId)
            .append(" t")
            .append(term);
    switch (type) {
      case PRE_VOTE, VOTE -> sb.append(" last=").append(index).append('@').append(logTerm);
      case APPEND ->
          sb.append(" prev=")
              .append(index)
              .append('@')
              .append(logTerm)
              .append(" commit=")
              .append(commit)
              .append(" entries=")
              .append(entries);
      case APPEND_RESPONSE ->
          sb.append(reject ? " reject " : " ok ")
              .append(index)
              .append(reject ? " hint=" + rejectHint + "@" + logTerm : "");
      case HEARTBEAT -> sb.append(" commit=").append(commit).append(" ctx=").append(context);
      case HEARTBEAT_RESPONSE -> sb.append(" ctx=").append(context);
      case SNAPSHOT -> sb.append(' ').append(snapshot);
      case PRE_VOTE_RESPONSE, VOTE_RESPONSE -> sb.append(reject ? " reject" : " grant");
      default -> {}
    }
    return sb.toString();
  }
}
