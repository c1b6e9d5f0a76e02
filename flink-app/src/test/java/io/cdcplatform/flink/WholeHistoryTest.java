package io.cdcplatform.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class WholeHistoryTest {

  private static final TopicPartition ORDERS_0 = new TopicPartition("cdc.shop.orders", 0);
  private static final TopicPartition ORDERS_1 = new TopicPartition("cdc.shop.orders", 1);
  private static final TopicPartition TRANSACTIONS = new TopicPartition("cdc.transaction", 0);

  @Test
  void aJobWithoutStateReadsEveryPartitionFromItsFirstRecord() {
    Map<TopicPartition, Long> offsets =
        new WholeHistory()
            .getPartitionOffsets(
                List.of(ORDERS_0, ORDERS_1, TRANSACTIONS),
                beginning(Map.of(ORDERS_0, 0L, ORDERS_1, 0L, TRANSACTIONS, 0L)));

    assertThat(offsets)
        .containsOnly(
            Map.entry(ORDERS_0, 0L), Map.entry(ORDERS_1, 0L), Map.entry(TRANSACTIONS, 0L));
    assertThat(new WholeHistory().getAutoOffsetResetStrategy())
        .isEqualTo(OffsetResetStrategy.EARLIEST);
  }

  @Test
  void aPartitionWhoseOldestRecordsAreGoneIsNamedInsteadOfComputedFromWhatIsLeft() {
    Map<TopicPartition, Long> beginnings = new LinkedHashMap<>();
    beginnings.put(TRANSACTIONS, 812L);
    beginnings.put(ORDERS_0, 0L);
    beginnings.put(ORDERS_1, 4_096L);

    assertThatThrownBy(
            () ->
                new WholeHistory()
                    .getPartitionOffsets(
                        List.of(ORDERS_0, ORDERS_1, TRANSACTIONS), beginning(beginnings)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(
            "cdc.shop.orders-1 begins at offset 4096, cdc.transaction-0 begins at offset 812)")
        .hasMessageNotContaining("cdc.shop.orders-0")
        .hasMessageContaining("retention.ms");
  }

  /** A retriever that knows only where each partition begins. */
  private static OffsetsInitializer.PartitionOffsetsRetriever beginning(
      Map<TopicPartition, Long> beginnings) {
    return new OffsetsInitializer.PartitionOffsetsRetriever() {
      @Override
      public Map<TopicPartition, Long> committedOffsets(Collection<TopicPartition> partitions) {
        throw new AssertionError("committed offsets are not asked");
      }

      @Override
      public Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions) {
        throw new AssertionError("end offsets are not asked");
      }

      @Override
      public Map<TopicPartition, Long> beginningOffsets(Collection<TopicPartition> partitions) {
        Map<TopicPartition, Long> asked = new LinkedHashMap<>();
        partitions.forEach(p -> asked.put(p, beginnings.get(p)));
        return asked;
      }

      @Override
      public Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(
          Map<TopicPartition, Long> timestampsToSearch) {
        throw new AssertionError("offsets for times are not asked");
      }
    };
  }
}
