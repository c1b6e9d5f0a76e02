package io.cdcplatform.pipeline;

import java.io.Serializable;

/**
 * A Kafka topic a pipeline needs, and its kind, which decides its settings (the chart's {@code
 * files/kafka-topics.yaml} holds them per kind).
 */
public record Topic(String name, Kind kind) implements Serializable {

  /** What a topic carries. */
  public enum Kind {
    /** A captured table's changes, by Debezium. */
    CHANGE("change"),
    /**
     * Debezium's transaction metadata: where each source transaction ends and how many changes of
     * each table it holds. One partition, so its records keep the source's commit order.
     */
    TRANSACTION("transaction"),
    /** The heartbeat table's changes and Debezium's own heartbeat: kept briefly. */
    HEARTBEAT("heartbeat"),
    /** Records the job could not apply, with the reason: kept long, someone must look. */
    DEAD_LETTER("deadLetter"),
    /** An analytic's result, one record per group: compacted. */
    OUTPUT("output");

    private final String key;

    Kind(String key) {
      this.key = key;
    }

    /** The key of this kind's settings in the chart's {@code files/kafka-topics.yaml}. */
    public String key() {
      return key;
    }
  }
}
