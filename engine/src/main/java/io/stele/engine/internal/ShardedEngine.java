package io.stele.engine.internal;

import io.stele.engine.AppendListener;
import io.stele.engine.AppendRequest;
import io.stele.engine.AppendStatus;
import io.stele.engine.Durability;
import io.stele.engine.EngineConfig;
import io.stele.engine.EngineMetrics;
import io.stele.engine.NodeEngine;
import io.stele.engine.PartitionObserver;
import io.stele.engine.ReadStatus;
import io.stele.engine.RecordVisitor;
import io.stele.engine.TopicConfig;
import io.stele.engine.TopicDescription;
import io.stele.engine.TopicListener;
import io.stele.engine.TopicStatus;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node of several shards (DESIGN §4): each shard is a {@link StorageEngine} of its own (segmented
 * log, writer, group-committed flush, threads) in {@code shard-<k>}; a partition belongs to exactly
 * one shard, {@link #shardOf}, so its records, indexes and consumer-group offsets live there and an
 * append, read or commit goes to that shard alone.
 *
 * <p>Every shard knows every topic (its control batches are written to each shard's log, so a shard
 * recovers alone); shard 0's topics are the truth. Topic operations run one at a time on the {@code
 * stele-topic-admin} thread in an order that leaves, after a crash at any point, a state {@link
 * #reconcile} settles from shard 0:
 *
 * <ul>
 *   <li>create: shards 1..n-1 first, shard 0 last. A crash before shard 0 has it leaves the topic
 *       in some other shards only; reconcile deletes it there (the create was never acknowledged).
 *   <li>delete: shard 0 first, then the others. A crash after shard 0 leaves it elsewhere;
 *       reconcile finishes the delete.
 *   <li>attribute update: shards 1..n-1 first, shard 0 last; reconcile copies shard 0's attributes
 *       (undoing an update that was never acknowledged).
 * </ul>
 *
 * <p>A topic takes appends, reads and commits only while it is {@link #ready}: from the moment
 * shard 0 holds its create durably until its delete starts. A step that fails half-way is undone
 * (create, update) or repeated until done (the rest of a delete).
 *
 * <p>A failed flush in any shard fails every shard: the node stops acknowledging.
 */
public final class ShardedEngine implements NodeEngine {
  private static final Logger LOG = LoggerFactory.getLogger(ShardedEngine.class);
  private static final long STEP_TIMEOUT_MS = 60_000;
  private static final int MAX_QUEUED_TOPIC_OPERATIONS = 1024;

  private final StorageEngine[] shards;
  private final DataDirLock lock;
  private final ThreadPoolExecutor admin;
  private final Metrics metrics = new Metrics();
  private final String reconciled;

  /**
   * Topics whose create is durable in shard 0 and not being deleted: only these take appends, reads
   * and commits (another shard may hold a topic shard 0 does not yet).
   */
  private final java.util.Set<String> ready = ConcurrentHashMap.newKeySet();

  private final java.util.concurrent.atomic.AtomicBoolean failing =
      new java.util.concurrent.atomic.AtomicBoolean();
  private volatile boolean closing;

  private ShardedEngine(final StorageEngine[] shards, final DataDirLock lock) throws IOException {
    this.shards = shards;
    this.lock = lock;
    for (final StorageEngine s : shards) {
      s.onFailure = this::failAll;
    }
    this.reconciled = reconcile();
    for (final TopicDescription d : shards[0].listTopics()) {
      ready.add(d.name());
    }
    this.admin =
        new ThreadPoolExecutor(
            1,
            1,
            0,
            TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(MAX_QUEUED_TOPIC_OPERATIONS),
            r -> {
              final Thread t = new Thread(r, "stele-topic-admin");
              t.setDaemon(true);
              return t;
            });
  }

  /** Opens and recovers every shard of {@code config.dataDir()}, then settles topic metadata. */
  public static ShardedEngine open(final EngineConfig config) throws IOException {
    final DataDirLock lock = DataDirLock.acquire(config.dataDir(), config.shards());
    final StorageEngine[] shards = new StorageEngine[config.shards()];
    try {
      openAll(config, shards);
      return new ShardedEngine(shards, lock);
    } catch (final IOException | RuntimeException e) {
      for (final StorageEngine s : shards) {
        if (s != null) {
          s.close();
        }
      }
      lock.release();
      throw e;
    }
  }

  /** Recovers the shards in parallel: each recovery reads only its own tail. */
  private static void openAll(final EngineConfig config, final StorageEngine[] shards)
      throws IOException {
    final List<CompletableFuture<Void>> opened = new ArrayList<>();
    for (int k = 0; k < shards.length; k++) {
      final int shard = k;
      final CompletableFuture<Void> f = new CompletableFuture<>();
      final Thread t =
          new Thread(
              () -> {
                try {
                  shards[shard] = StorageEngine.openShard(config, shard, null);
                  f.complete(null);
                } catch (final Throwable e) {
                  f.completeExceptionally(e);
                }
              },
              "stele-shard-" + k + "-recovery");
      t.start();
      opened.add(f);
    }
    // every recovery finishes (or fails) before open returns or throws: the caller closes what
    // opened, and nothing keeps running without the directory's lock
    Throwable first = null;
    for (final CompletableFuture<Void> f : opened) {
      try {
        f.join();
      } catch (final java.util.concurrent.CompletionException e) {
        if (first == null) {
          first = e.getCause();
        }
      }
    }
    if (first instanceof RuntimeException r) {
      throw r;
    }
    if (first instanceof Error err) {
      throw err;
    }
    if (first != null) {
      throw first instanceof IOException io ? io : new IOException(first);
    }
  }

  /** The shard holding {@code partition} of {@code topic}: fixed by the name and the count. */
  public static int shardOf(final String topic, final int partition, final int shards) {
    return Math.floorMod(topic.hashCode() + partition, shards);
  }

  private StorageEngine owner(final String topic, final int partition) {
    return shards[shardOf(topic, partition, shards.length)];
  }

  StorageEngine shard(final int k) {
    return shards[k];
  }

  /** A failed shard fails them all, each with the first failure's reason (no nesting). */
  private void failAll(final String reason) {
    if (failing.compareAndSet(false, true)) {
      for (final StorageEngine s : shards) {
        s.fail(reason);
      }
    }
  }

  // ---- recovery of topic metadata -----------------------------------------------------------

  /** Makes every shard's topics match shard 0's; returns what it changed (for the summary). */
  private String reconcile() throws IOException {
    final StringBuilder done = new StringBuilder();
    final StorageEngine truth = shards[0];
    for (int k = 1; k < shards.length; k++) {
      final StorageEngine s = shards[k];
      for (final TopicDescription d : s.listTopics()) {
        final TopicDescription t = truth.describeTopic(d.name());
        if (t == null) {
          // an unfinished create (never acknowledged) or an unfinished delete
          require(step(s, l -> s.deleteTopic(d.name(), Durability.LOCAL, l)), TopicStatus.OK, d);
          note(done, "deleted topic '" + d.name() + "' from shard " + k);
        } else if (!sameShape(t.config(), d.config())) {
          throw new IOException(
              "topic '"
                  + d.name()
                  + "' in shard "
                  + k
                  + " has "
                  + d.config()
                  + " but shard 0 has "
                  + t.config()
                  + ": shards disagree on a topic's partitions or retention");
        } else if (!t.config().attributes().equals(d.config().attributes())) {
          require(
              step(
                  s,
                  l ->
                      s.updateTopicAttributes(
                          d.name(), t.config().attributes(), Durability.LOCAL, l)),
              TopicStatus.OK,
              d);
          note(done, "copied the attributes of topic '" + d.name() + "' to shard " + k);
        }
      }
      for (final TopicDescription t : truth.listTopics()) {
        if (s.describeTopic(t.name()) == null) {
          require(
              step(s, l -> s.createTopic(t.name(), t.config(), Durability.LOCAL, l)),
              TopicStatus.CREATED,
              t);
          note(done, "created topic '" + t.name() + "' in shard " + k);
        }
      }
    }
    if (done.length() > 0) {
      LOG.warn("topic metadata settled after an interrupted topic operation: {}", done);
    }
    return done.toString();
  }

  private static boolean sameShape(final TopicConfig a, final TopicConfig b) {
    return a.partitions() == b.partitions()
        && a.retentionMs() == b.retentionMs()
        && a.retentionBytes() == b.retentionBytes();
  }

  private static void note(final StringBuilder b, final String s) {
    b.append(b.length() == 0 ? "" : "; ").append(s);
  }

  private static void require(
      final TopicStatus got, final TopicStatus wanted, final TopicDescription d)
      throws IOException {
    if (got != wanted) {
      throw new IOException("settling topic '" + d.name() + "' across shards: " + got);
    }
  }

  /** Runs one shard operation and waits for its status (the admin thread and open only). */
  private static TopicStatus step(
      final StorageEngine shard, final java.util.function.Consumer<TopicListener> op) {
    final CompletableFuture<TopicStatus> f = new CompletableFuture<>();
    op.accept((status, description) -> f.complete(status));
    try {
      return f.get(STEP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    } catch (final InterruptedException e) {
      Thread.currentThread().interrupt();
      return TopicStatus.STORAGE_FAILED;
    } catch (final ExecutionException | TimeoutException e) {
      LOG.error("topic operation on a shard did not complete: {}", e.toString());
      shard.fail("a topic operation did not complete within " + STEP_TIMEOUT_MS + " ms");
      return TopicStatus.STORAGE_FAILED;
    }
  }

  // ---- topics ---------------------------------------------------------------------------------

  private void runAdmin(final TopicListener listener, final Runnable op) {
    try {
      admin.execute(op);
    } catch (final RejectedExecutionException e) {
      tell(
          listener,
          admin.isShutdown() ? TopicStatus.STORAGE_FAILED : TopicStatus.BACKPRESSURE,
          null);
    }
  }

  private static void tell(
      final TopicListener listener, final TopicStatus status, final TopicDescription d) {
    if (listener == null) {
      return;
    }
    try {
      listener.onComplete(status, d);
    } catch (final RuntimeException e) {
      LOG.error("topic listener failed", e);
    }
  }

  /**
   * Repeats a step that must happen for the shards to agree (finishing a delete, undoing a partial
   * create or update) while the shard refuses it for a passing reason (queue full, no room for a
   * new segment): waits with back-off until it is done or the node fails or closes.
   */
  private TopicStatus stepUntilDone(
      final StorageEngine shard,
      final java.util.function.Consumer<TopicListener> op,
      final TopicStatus... done) {
    long backoffMs = 1;
    while (true) {
      final TopicStatus status = step(shard, op);
      for (final TopicStatus d : done) {
        if (status == d) {
          return status;
        }
      }
      if (!shard.isHealthy() || closing) {
        return status;
      }
      LOG.warn("shard {} refused a topic step ({}); retrying", shard.shardId, status);
      try {
        Thread.sleep(backoffMs);
      } catch (final InterruptedException e) {
        Thread.currentThread().interrupt();
        return status;
      }
      backoffMs = Math.min(100, backoffMs * 2);
    }
  }

  @Override
  public void createTopic(
      final String name,
      final TopicConfig config,
      final Durability durability,
      final TopicListener listener) {
    Objects.requireNonNull(name, "name");
    if (config.partitions() < 1 || config.partitions() > StorageEngine.MAX_PARTITIONS) {
      throw new IllegalArgumentException(
          "partitions must be in [1, " + StorageEngine.MAX_PARTITIONS + "]");
    }
    runAdmin(listener, () -> create(name, config, durability, listener));
  }

  /**
   * Shards 1..n-1 first, shard 0 last; the topic takes appends, reads and commits only once shard 0
   * holds it durably (before, a crash would let {@link #reconcile} undo records another shard had
   * already acknowledged). A topic operation completes only once its control batch is flushed,
   * whatever durability it asks for, which this order relies on.
   */
  private void create(
      final String name,
      final TopicConfig config,
      final Durability durability,
      final TopicListener listener) {
    final StorageEngine truth = shards[0];
    if (truth.describeTopic(name) != null) {
      // exists everywhere: shard 0 tells EXISTS from CONFLICT
      truth.createTopic(name, config, durability, (s, d) -> tell(listener, s, describeTopic(name)));
      return;
    }
    TopicStatus status = TopicStatus.CREATED;
    int created = 1;
    while (created < shards.length) {
      final StorageEngine s = shards[created];
      status = step(s, l -> s.createTopic(name, config, durability, l));
      if (status != TopicStatus.CREATED) {
        break;
      }
      created++;
    }
    if (status == TopicStatus.CREATED) {
      status = step(truth, l -> truth.createTopic(name, config, durability, l));
    }
    if (status == TopicStatus.CREATED) {
      ready.add(name);
    } else {
      for (int k = 1; k < created; k++) {
        final StorageEngine s = shards[k];
        stepUntilDone(
            s,
            l -> s.deleteTopic(name, Durability.LOCAL, l),
            TopicStatus.OK,
            TopicStatus.NOT_FOUND);
      }
      if (status == TopicStatus.EXISTS || status == TopicStatus.CONFLICT) {
        status = TopicStatus.STORAGE_FAILED; // another shard disagreed with shard 0
      }
    }
    tell(listener, status, describeTopic(name));
  }

  /**
   * Shards 1..n-1 first, shard 0 last, so a reader never sees on shard 0 an attribute (such as
   * {@code closed}) a partition's shard does not enforce yet; {@link #reconcile} undoes an update
   * shard 0 never took, and a failed one is undone at once.
   */
  @Override
  public void updateTopicAttributes(
      final String name,
      final Map<String, String> attributes,
      final Durability durability,
      final TopicListener listener) {
    Objects.requireNonNull(name, "name");
    final Map<String, String> copy = Map.copyOf(attributes);
    runAdmin(listener, () -> update(name, copy, durability, listener));
  }

  private void update(
      final String name,
      final Map<String, String> attributes,
      final Durability durability,
      final TopicListener listener) {
    final TopicDescription before = ready.contains(name) ? shards[0].describeTopic(name) : null;
    if (before == null) {
      tell(listener, TopicStatus.NOT_FOUND, null);
      return;
    }
    TopicStatus status = TopicStatus.OK;
    int updated = 1;
    while (updated < shards.length) {
      final StorageEngine s = shards[updated];
      status = step(s, l -> s.updateTopicAttributes(name, attributes, durability, l));
      if (status != TopicStatus.OK) {
        break;
      }
      updated++;
    }
    if (status == TopicStatus.OK) {
      final StorageEngine truth = shards[0];
      status = step(truth, l -> truth.updateTopicAttributes(name, attributes, durability, l));
    }
    if (status != TopicStatus.OK) {
      final Map<String, String> old = before.config().attributes();
      for (int k = 1; k < updated; k++) {
        final StorageEngine s = shards[k];
        stepUntilDone(
            s, l -> s.updateTopicAttributes(name, old, Durability.LOCAL, l), TopicStatus.OK);
      }
    }
    tell(listener, status, describeTopic(name));
  }

  /**
   * Shard 0 first (from then on the topic is gone, and {@link #reconcile} finishes the delete after
   * a crash), then the rest, each until it is done.
   */
  @Override
  public void deleteTopic(
      final String name, final Durability durability, final TopicListener listener) {
    Objects.requireNonNull(name, "name");
    runAdmin(
        listener,
        () -> {
          final StorageEngine truth = shards[0];
          final boolean wasReady = ready.remove(name);
          final TopicStatus status = step(truth, l -> truth.deleteTopic(name, durability, l));
          if (status == TopicStatus.OK) {
            for (int k = 1; k < shards.length; k++) {
              final StorageEngine s = shards[k];
              stepUntilDone(
                  s,
                  l -> s.deleteTopic(name, durability, l),
                  TopicStatus.OK,
                  TopicStatus.NOT_FOUND);
            }
          } else if (wasReady && truth.describeTopic(name) != null) {
            ready.add(name);
          }
          tell(listener, status, null);
        });
  }

  @Override
  public TopicDescription describeTopic(final String name) {
    final TopicDescription d0 =
        name == null || !ready.contains(name) ? null : shards[0].describeTopic(name);
    if (d0 == null) {
      return null;
    }
    final TopicDescription[] byShard = new TopicDescription[shards.length];
    byShard[0] = d0;
    final int n = d0.config().partitions();
    final List<TopicDescription.PartitionState> partitions = new ArrayList<>(n);
    for (int p = 0; p < n; p++) {
      final int k = shardOf(name, p, shards.length);
      if (byShard[k] == null) {
        byShard[k] = shards[k].describeTopic(name);
      }
      final TopicDescription d = byShard[k];
      partitions.add(
          d == null || d.partitions().size() <= p
              ? new TopicDescription.PartitionState(p, 0, 0) // its shard is still creating it
              : d.partitions().get(p));
    }
    return new TopicDescription(name, d0.config(), List.copyOf(partitions));
  }

  @Override
  public List<TopicDescription> listTopics() {
    final List<TopicDescription> out = new ArrayList<>();
    for (final TopicDescription d : shards[0].listTopics()) {
      final TopicDescription full = describeTopic(d.name());
      if (full != null) {
        out.add(full);
      }
    }
    return List.copyOf(out);
  }

  // ---- records and offsets --------------------------------------------------------------------

  @Override
  public AppendStatus append(final AppendRequest request, final AppendListener listener) {
    final String topic = request.topic();
    if (topic == null || !ready.contains(topic)) {
      return AppendStatus.UNKNOWN_TOPIC;
    }
    return owner(topic, request.partition()).append(request, listener);
  }

  @Override
  public ReadStatus read(
      final String topic,
      final int partition,
      final long offset,
      final int maxRecords,
      final int maxBytes,
      final RecordVisitor visitor) {
    if (topic == null || !ready.contains(topic)) {
      return ReadStatus.UNKNOWN_TOPIC;
    }
    return owner(topic, partition).read(topic, partition, offset, maxRecords, maxBytes, visitor);
  }

  @Override
  public long offsetForTimestamp(final String topic, final int partition, final long timestampMs) {
    return topic == null || !ready.contains(topic)
        ? -1
        : owner(topic, partition).offsetForTimestamp(topic, partition, timestampMs);
  }

  @Override
  public void commitOffset(
      final String group,
      final String topic,
      final int partition,
      final long offset,
      final Durability durability,
      final TopicListener listener) {
    Objects.requireNonNull(topic, "topic");
    if (!ready.contains(topic)) {
      tell(listener, TopicStatus.NOT_FOUND, null);
      return;
    }
    owner(topic, partition).commitOffset(group, topic, partition, offset, durability, listener);
  }

  @Override
  public Map<Integer, Long> committedOffsets(final String group, final String topic) {
    final TreeMap<Integer, Long> all = new TreeMap<>();
    for (int k = 0; k < shards.length; k++) {
      for (final Map.Entry<Integer, Long> e : shards[k].committedOffsets(group, topic).entrySet()) {
        if (shardOf(topic, e.getKey(), shards.length) == k) {
          all.put(e.getKey(), e.getValue());
        }
      }
    }
    return Map.copyOf(all);
  }

  @Override
  public void addPartitionObserver(final PartitionObserver observer) {
    for (final StorageEngine s : shards) {
      s.addPartitionObserver(observer);
    }
  }

  // ---- health and operators -------------------------------------------------------------------

  @Override
  public boolean isHealthy() {
    for (final StorageEngine s : shards) {
      if (!s.isHealthy()) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String failureReason() {
    return first(StorageEngine::failureReason);
  }

  @Override
  public String diskProblem() {
    return first(StorageEngine::diskProblem);
  }

  /** The first shard's non-null answer, or null. */
  private String first(final java.util.function.Function<StorageEngine, String> question) {
    for (final StorageEngine s : shards) {
      final String answer = question.apply(s);
      if (answer != null) {
        return answer;
      }
    }
    return null;
  }

  @Override
  public String recoverySummary() {
    final StringBuilder b = new StringBuilder();
    for (int k = 0; k < shards.length; k++) {
      b.append(k == 0 ? "" : "; ").append("shard ").append(k).append(": ");
      b.append(shards[k].recoverySummary());
    }
    if (!reconciled.isEmpty()) {
      b.append("; settled: ").append(reconciled);
    }
    return b.toString();
  }

  @Override
  public EngineMetrics metrics() {
    return metrics;
  }

  /** The sum of one metric over the shards. */
  private long sum(final java.util.function.ToLongFunction<EngineMetrics> metric) {
    long n = 0;
    for (final StorageEngine s : shards) {
      n += metric.applyAsLong(s.metrics());
    }
    return n;
  }

  private final class Metrics implements EngineMetrics {
    @Override
    public long appendedRecords() {
      return sum(EngineMetrics::appendedRecords);
    }

    @Override
    public long appendedBytes() {
      return sum(EngineMetrics::appendedBytes);
    }

    @Override
    public long flushes() {
      return sum(EngineMetrics::flushes);
    }

    @Override
    public long flushedRecords() {
      return sum(EngineMetrics::flushedRecords);
    }

    @Override
    public long ingressDepth() {
      return sum(EngineMetrics::ingressDepth);
    }

    @Override
    public long segmentsCreatedByWriter() {
      return sum(EngineMetrics::segmentsCreatedByWriter);
    }
  }

  @Override
  public void close() {
    closing = true;
    admin.shutdown();
    try {
      if (!admin.awaitTermination(STEP_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
        LOG.warn("topic operations still running at close");
      }
    } catch (final InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    final List<Thread> closers = new ArrayList<>();
    for (final StorageEngine s : shards) {
      final Thread t = new Thread(s::close, "stele-shard-" + s.shardId + "-close");
      t.start();
      closers.add(t);
    }
    boolean interrupted = false;
    for (final Thread t : closers) {
      while (true) {
        try {
          t.join();
          break;
        } catch (final InterruptedException e) {
          interrupted = true; // the lock is released only once every shard has closed
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    lock.release();
  }
}
