package io.stele.net.streams;

import io.stele.engine.AppendListener;
import io.stele.engine.AppendRequest;
import io.stele.engine.AppendStatus;
import io.stele.engine.Durability;
import io.stele.engine.Engine;
import io.stele.engine.EngineMetrics;
import io.stele.engine.PartitionObserver;
import io.stele.engine.ReadStatus;
import io.stele.engine.RecordVisitor;
import io.stele.engine.TopicConfig;
import io.stele.engine.TopicDescription;
import io.stele.engine.TopicListener;
import io.stele.engine.TopicStatus;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A test double of {@link Engine}: one writer thread applies appends and topic operations in
 * submission order and completes them (like the engine's single writer), with the idempotent
 * producer and stream-sequence checks the engine documents. Nothing is durable. Used to exercise
 * the streams layer while a real engine is not available to the build.
 */
final class InMemoryEngine implements Engine {
  private static final class Rec {
    final byte[] key;
    final byte[] value;
    final long ts;

    Rec(final byte[] key, final byte[] value, final long ts) {
      this.key = key;
      this.value = value;
      this.ts = ts;
    }
  }

  private static final class Producer {
    long epoch;
    long seq;
    long baseOffset;
  }

  private static final class Topic {
    final String name;
    volatile TopicConfig config;
    final List<Rec> records = new CopyOnWriteArrayList<>();
    final Map<String, Producer> producers = new HashMap<>();
    String lastStreamSeq;
    volatile long end;

    Topic(final String name, final TopicConfig config) {
      this.name = name;
      this.config = config;
    }
  }

  private static final AppendStatus EPOCH_START = epochStartStatus();

  private static AppendStatus epochStartStatus() {
    for (final AppendStatus s : AppendStatus.values()) {
      if (s.name().equals("EPOCH_START_NOT_ZERO")) {
        return s;
      }
    }
    return AppendStatus.SEQUENCE_GAP;
  }

  private final Map<String, Topic> topics = new java.util.concurrent.ConcurrentHashMap<>();
  private final ExecutorService writer = Executors.newSingleThreadExecutor();
  private final List<PartitionObserver> observers = new CopyOnWriteArrayList<>();

  @Override
  public AppendStatus append(final AppendRequest r, final AppendListener listener) {
    final int n = r.recordCount();
    final byte[][] keys = new byte[n][];
    final byte[][] values = new byte[n][];
    for (int i = 0; i < n; i++) {
      if (r.keyLength(i) >= 0) {
        keys[i] = new byte[r.keyLength(i)];
        r.buffer(i).getBytes(r.keyOffset(i), keys[i]);
      }
      values[i] = new byte[r.valueLength(i)];
      r.buffer(i).getBytes(r.valueOffset(i), values[i]);
    }
    final String topic = r.topic();
    final long corr = r.correlationId();
    final String pid = r.producerId();
    final long epoch = r.producerEpoch();
    final long seq = r.producerSeq();
    final String ss = r.streamSeq();
    final Durability d = r.durability();
    final long ts = r.timestampMs();
    writer.execute(
        () -> {
          final Topic t = topics.get(topic);
          if (t == null) {
            listener.onComplete(corr, AppendStatus.UNKNOWN_TOPIC, 0, -1, 0, d);
            return;
          }
          if ("true".equals(t.config.attributes().get("closed"))) {
            listener.onComplete(corr, AppendStatus.CLOSED, 0, -1, 0, d);
            return;
          }
          if (pid != null) {
            final Producer p = t.producers.get(pid);
            if (p == null) {
              if (seq != 0) {
                listener.onComplete(corr, AppendStatus.SEQUENCE_GAP, 0, 0, 0, d);
                return;
              }
            } else if (epoch < p.epoch) {
              listener.onComplete(corr, AppendStatus.STALE_EPOCH, 0, p.epoch, 0, d);
              return;
            } else if (epoch > p.epoch) {
              if (seq != 0) {
                listener.onComplete(corr, EPOCH_START, 0, -1, 0, d);
                return;
              }
            } else if (seq <= p.seq) {
              listener.onComplete(
                  corr, AppendStatus.DUPLICATE, 0, seq == p.seq ? p.baseOffset : -1, 0, d);
              return;
            } else if (seq > p.seq + 1) {
              listener.onComplete(corr, AppendStatus.SEQUENCE_GAP, 0, p.seq + 1, 0, d);
              return;
            }
          }
          if (ss != null) {
            if (t.lastStreamSeq != null && ss.compareTo(t.lastStreamSeq) <= 0) {
              listener.onComplete(corr, AppendStatus.SEQUENCE_CONFLICT, 0, -1, 0, d);
              return;
            }
            t.lastStreamSeq = ss;
          }
          final long base = t.records.size();
          final List<Rec> batch = new ArrayList<>(n);
          for (int i = 0; i < n; i++) {
            batch.add(new Rec(keys[i], values[i], ts == 0 ? System.currentTimeMillis() : ts));
          }
          t.records.addAll(batch);
          t.end = t.records.size();
          if (pid != null) {
            final Producer p = new Producer();
            p.epoch = epoch;
            p.seq = seq;
            p.baseOffset = base;
            t.producers.put(pid, p);
          }
          for (final PartitionObserver o : observers) {
            o.onEndOffset(topic, 0, t.end);
          }
          listener.onComplete(corr, AppendStatus.OK, 0, base, n, d);
        });
    return AppendStatus.ACCEPTED;
  }

  @Override
  public ReadStatus read(
      final String topic,
      final int partition,
      final long offset,
      final int maxRecords,
      final int maxBytes,
      final RecordVisitor visitor) {
    final Topic t = topics.get(topic);
    if (t == null) {
      return ReadStatus.UNKNOWN_TOPIC;
    }
    final long end = t.end;
    if (offset > end) {
      return ReadStatus.OFFSET_OUT_OF_RANGE;
    }
    long bytes = 0;
    int count = 0;
    for (long o = offset; o < end && count < maxRecords; o++) {
      final Rec rec = t.records.get((int) o);
      final int kl = rec.key == null ? 0 : rec.key.length;
      final byte[] both = new byte[kl + rec.value.length];
      if (rec.key != null) {
        System.arraycopy(rec.key, 0, both, 0, kl);
      }
      System.arraycopy(rec.value, 0, both, kl, rec.value.length);
      final UnsafeBuffer b = new UnsafeBuffer(both);
      count++;
      bytes += rec.value.length;
      if (!visitor.onRecord(o, rec.ts, b, 0, rec.key == null ? -1 : kl, kl, rec.value.length)) {
        break;
      }
      if (bytes >= maxBytes) {
        break;
      }
    }
    return ReadStatus.OK;
  }

  @Override
  public long offsetForTimestamp(final String topic, final int partition, final long timestampMs) {
    return -1;
  }

  @Override
  public void createTopic(
      final String name,
      final TopicConfig config,
      final Durability durability,
      final TopicListener listener) {
    writer.execute(
        () -> {
          final Topic existing = topics.get(name);
          if (existing != null) {
            listener.onComplete(
                existing.config.equals(config) ? TopicStatus.EXISTS : TopicStatus.CONFLICT,
                describe(existing));
            return;
          }
          final Topic t = new Topic(name, config);
          topics.put(name, t);
          listener.onComplete(TopicStatus.CREATED, describe(t));
        });
  }

  @Override
  public void updateTopicAttributes(
      final String name,
      final Map<String, String> attributes,
      final Durability durability,
      final TopicListener listener) {
    writer.execute(
        () -> {
          final Topic t = topics.get(name);
          if (t == null) {
            listener.onComplete(TopicStatus.NOT_FOUND, null);
            return;
          }
          t.config =
              new TopicConfig(
                  t.config.partitions(),
                  t.config.retentionMs(),
                  t.config.retentionBytes(),
                  attributes);
          listener.onComplete(TopicStatus.OK, describe(t));
        });
  }

  @Override
  public void deleteTopic(
      final String name, final Durability durability, final TopicListener listener) {
    writer.execute(
        () -> {
          final Topic t = topics.remove(name);
          listener.onComplete(t == null ? TopicStatus.NOT_FOUND : TopicStatus.OK, null);
        });
  }

  private static TopicDescription describe(final Topic t) {
    return new TopicDescription(
        t.name, t.config, List.of(new TopicDescription.PartitionState(0, 0, t.end)));
  }

  @Override
  public TopicDescription describeTopic(final String name) {
    final Topic t = topics.get(name);
    return t == null ? null : describe(t);
  }

  @Override
  public List<TopicDescription> listTopics() {
    final List<TopicDescription> out = new ArrayList<>();
    for (final Topic t : topics.values()) {
      out.add(describe(t));
    }
    return out;
  }

  @Override
  public void commitOffset(
      final String group,
      final String topic,
      final int partition,
      final long offset,
      final Durability durability,
      final TopicListener listener) {
    listener.onComplete(TopicStatus.NOT_FOUND, null);
  }

  @Override
  public Map<Integer, Long> committedOffsets(final String group, final String topic) {
    return Map.of();
  }

  @Override
  public void addPartitionObserver(final PartitionObserver observer) {
    observers.add(observer);
  }

  @Override
  public boolean isHealthy() {
    return true;
  }

  @Override
  public String failureReason() {
    return null;
  }

  @Override
  public EngineMetrics metrics() {
    return new EngineMetrics() {
      @Override
      public long appendedRecords() {
        return 0;
      }

      @Override
      public long appendedBytes() {
        return 0;
      }

      @Override
      public long flushes() {
        return 0;
      }

      @Override
      public long flushedRecords() {
        return 0;
      }

      @Override
      public long ingressDepth() {
        return 0;
      }
    };
  }

  @Override
  public void close() {
    writer.shutdown();
    try {
      writer.awaitTermination(5, TimeUnit.SECONDS);
    } catch (final InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
