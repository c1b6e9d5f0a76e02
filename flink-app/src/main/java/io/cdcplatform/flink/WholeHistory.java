package io.cdcplatform.flink;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.common.TopicPartition;

/**
 * Where a job without state starts reading: at the first offset of every partition, which must be
 * 0. A job without state computes its analytics from everything its topics hold (the first start, a
 * new generation of the definition, a job whose checkpoints are gone); once retention has deleted a
 * partition's oldest records that is no longer everything, and the results would be silently wrong.
 * So such a start fails instead, naming the partitions and where they now begin. A job restored
 * from a checkpoint reads on from its own offsets and never asks this.
 */
final class WholeHistory implements OffsetsInitializer {

  private static final long serialVersionUID = 1L;

  @Override
  public Map<TopicPartition, Long> getPartitionOffsets(
      Collection<TopicPartition> partitions, PartitionOffsetsRetriever offsets) {
    Map<TopicPartition, Long> beginnings = offsets.beginningOffsets(partitions);
    List<String> truncated = new ArrayList<>();
    beginnings.entrySet().stream()
        .filter(e -> e.getValue() > 0)
        .sorted(Map.Entry.comparingByKey(java.util.Comparator.comparing(TopicPartition::toString)))
        .forEach(e -> truncated.add(e.getKey() + " begins at offset " + e.getValue()));
    if (!truncated.isEmpty()) {
      throw new IllegalStateException(
          "cannot compute the analytics from the start of the change topics, their oldest"
              + " records are gone ("
              + String.join(", ", truncated)
              + "): a job without a checkpoint of this definition's generation needs every change"
              + " since capture began; keep the change topics longer (retention.ms) or re-snapshot"
              + " the source (docs/analytics.md, \"Changing the definition\")");
    }
    return beginnings;
  }

  @Override
  public OffsetResetStrategy getAutoOffsetResetStrategy() {
    return OffsetResetStrategy.EARLIEST;
  }
}
