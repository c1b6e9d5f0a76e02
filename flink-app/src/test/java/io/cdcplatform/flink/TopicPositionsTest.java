package io.cdcplatform.flink;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.TwoInputStreamOperatorTestHarness;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

class TopicPositionsTest {

  @Test
  void aCheckpointsRecordsLeaveAtItsBarrierWithThePositionItReached() throws Exception {
    try (var harness = harness(null)) {
      harness.processElement1(new StreamRecord<>(record("analytics.a", "k1")));
      harness.processElement2(new StreamRecord<>(position(41, 0x100)));
      harness.processElement1(new StreamRecord<>(record("analytics.b", "k2")));
      harness.processElement2(new StreamRecord<>(position(42, 0x1A0)));
      assertThat(harness.extractOutputValues()).as("held until the barrier").isEmpty();

      harness.prepareSnapshotPreBarrier(1);

      assertThat(harness.extractOutputValues())
          .extracting(r -> r.topic, r -> r.txId, r -> r.commitLsn)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple("analytics.a", 42L, 0x1A0L),
              org.assertj.core.groups.Tuple.tuple("analytics.b", 42L, 0x1A0L));
    }
  }

  @Test
  void aCheckpointWithoutANewPositionKeepsTheLastOneAcrossARestore() throws Exception {
    OperatorSubtaskState snapshot;
    try (var harness = harness(null)) {
      harness.processElement1(new StreamRecord<>(record("analytics.a", "snapshot read")));
      harness.prepareSnapshotPreBarrier(1);
      harness.processElement2(new StreamRecord<>(position(7, 0x70)));
      harness.prepareSnapshotPreBarrier(2);
      snapshot = harness.snapshot(2, 2);
      assertThat(harness.extractOutputValues())
          .as("before any streamed transaction, no position")
          .extracting(r -> r.txId)
          .containsExactly(0L);
    }
    try (var restored = harness(snapshot)) {
      restored.processElement1(new StreamRecord<>(record("analytics.a", "k")));
      restored.prepareSnapshotPreBarrier(3);

      assertThat(restored.extractOutputValues())
          .extracting(r -> r.txId, r -> r.commitLsn)
          .containsExactly(org.assertj.core.groups.Tuple.tuple(7L, 0x70L));
    }
  }

  @Test
  void theRecordCarriesThePositionInTwoHeaders() {
    TopicRecord stamped = record("analytics.a", "k");
    stamped.txId = 1234;
    stamped.commitLsn = (0x16L << 32) | 0xB374D848L;

    ProducerRecord<byte[], byte[]> produced =
        new TopicRecord.Serializer().serialize(stamped, null, null);

    assertThat(header(produced, TopicRecord.TXID_HEADER)).isEqualTo("1234");
    assertThat(header(produced, TopicRecord.COMMIT_LSN_HEADER)).isEqualTo("16/B374D848");
    assertThat(
            new TopicRecord.Serializer()
                .serialize(record("analytics.a", "k"), null, null)
                .headers()
                .toArray())
        .as("no position yet: no headers")
        .isEmpty();
  }

  private static TwoInputStreamOperatorTestHarness<TopicRecord, SourcePosition, TopicRecord>
      harness(OperatorSubtaskState restore) throws Exception {
    var harness = new TwoInputStreamOperatorTestHarness<>(new TopicPositions());
    if (restore != null) {
      harness.initializeState(restore);
    }
    harness.open();
    return harness;
  }

  private static TopicRecord record(String topic, String key) {
    return new TopicRecord(
        topic, key.getBytes(StandardCharsets.UTF_8), "{}".getBytes(StandardCharsets.UTF_8));
  }

  private static SourcePosition position(long txId, long commitLsn) {
    SourcePosition position = new SourcePosition();
    position.txId = txId;
    position.commitLsn = commitLsn;
    return position;
  }

  private static String header(ProducerRecord<byte[], byte[]> record, String name) {
    return new String(record.headers().lastHeader(name).value(), StandardCharsets.US_ASCII);
  }
}
