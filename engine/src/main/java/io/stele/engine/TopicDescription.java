package io.stele.engine;

import java.util.List;

/** A topic and the state of its partitions, as of when it was taken. */
public record TopicDescription(String name, TopicConfig config, List<PartitionState> partitions) {

  /**
   * @param partition partition number
   * @param startOffset lowest retained offset
   * @param endOffset one past the last offset readers may see (the high watermark)
   */
  public record PartitionState(int partition, long startOffset, long endOffset) {}
}
