package io.cdcplatform.flink;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends records that could not be decoded to the dead-letter topic, with the reason and where they
 * were read, and counts them ({@code deadLetters}); truncates go to their own side output, row
 * changes go on, and those whose event time is further ahead of their commit than the watermark
 * trusts are counted ({@code eventTimesAhead}). The job neither fails nor restarts over a bad
 * record, and nothing is dropped without a trace.
 */
final class DeadLetters extends ProcessFunction<Change, Change> {

  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(DeadLetters.class);

  static final OutputTag<Change> TAG = new OutputTag<>("dead-letters") {};

  /** Truncates, which apply to every row of their table rather than to one key. */
  static final OutputTag<Change> TRUNCATES = new OutputTag<>("truncates") {};

  private final long maxAheadMillis;
  private final List<Integer> dataTables;
  private transient Counter deadLetters;
  private transient Counter eventTimesAhead;
  private transient Counter resnapshots;

  /**
   * @param maxAheadMillis how far past its commit an event time may drive the watermark
   * @param tables the captured tables
   */
  DeadLetters(long maxAheadMillis, List<TableLayout> tables) {
    this.maxAheadMillis = maxAheadMillis;
    this.dataTables = tables.stream().filter(t -> !t.heartbeat()).map(TableLayout::index).toList();
  }

  @Override
  public void open(org.apache.flink.api.common.functions.OpenContext openContext) {
    deadLetters = getRuntimeContext().getMetricGroup().counter("deadLetters");
    eventTimesAhead = getRuntimeContext().getMetricGroup().counter("eventTimesAhead");
    resnapshots = getRuntimeContext().getMetricGroup().counter("resnapshots");
  }

  @Override
  public void processElement(Change change, Context context, Collector<Change> out) {
    if (change.poison()) {
      deadLetters.inc();
      LOG.warn("dead letter from {}: {}", change.coordinates(), change.reason);
      context.output(TAG, change);
    } else if (change.truncate()) {
      LOG.info("truncate of table {} at LSN {}", change.topic, change.lsn);
      context.output(TRUNCATES, change);
    } else {
      if (change.supersedesBelow > 0) {
        supersede(change, context);
      }
      if (change.eventTimeAhead(maxAheadMillis)) {
        eventTimesAhead.inc();
      }
      out.collect(change);
    }
  }

  /**
   * A new snapshot after the slot was lost: each data table gets a truncate at the marked position,
   * so the router retracts every row version the lost slot had sent, and drops any such change
   * still on its way. Rows the snapshot reads are newer (they carry the new slot's consistent
   * point), and so is everything the new slot streams. A redelivered marker changes nothing more.
   */
  private void supersede(Change marker, Context context) {
    resnapshots.inc();
    LOG.info(
        "a new snapshot supersedes every row version before LSN {} (the replication slot had lost"
            + " WAL): retracting them in {} tables",
        marker.supersedesBelow,
        dataTables.size());
    for (int table : dataTables) {
      Change truncate = new Change();
      truncate.topic = marker.topic;
      truncate.partition = marker.partition;
      truncate.offset = marker.offset;
      truncate.kafkaTimestamp = marker.kafkaTimestamp;
      truncate.table = table;
      truncate.op = "t";
      truncate.lsn = marker.supersedesBelow;
      truncate.sourceMillis = marker.sourceMillis;
      truncate.eventMillis = marker.sourceMillis;
      context.output(TRUNCATES, truncate);
    }
  }

  /** A dead letter as JSON, keyed by the coordinates of the record it stands for. */
  static final class Letter implements MapFunction<Change, TopicRecord> {

    private static final long serialVersionUID = 1L;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String topic;

    Letter(String topic) {
      this.topic = topic;
    }

    @Override
    public TopicRecord map(Change change) {
      ObjectNode letter = JSON.createObjectNode();
      letter.put("reason", change.reason);
      letter.put("topic", change.topic);
      letter.put("partition", change.partition);
      letter.put("offset", change.offset);
      letter.put("timestamp", change.kafkaTimestamp);
      letter.put("key", change.rawKey);
      letter.put("value", change.rawValue);
      return new TopicRecord(
          topic,
          change.coordinates().getBytes(StandardCharsets.UTF_8),
          letter.toString().getBytes(StandardCharsets.UTF_8));
    }
  }
}
