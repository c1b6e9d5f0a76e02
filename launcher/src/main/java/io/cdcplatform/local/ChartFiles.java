package io.cdcplatform.local;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.cdcplatform.pipeline.PipelineDefinition;
import io.cdcplatform.pipeline.PipelineDefinitions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The settings the Helm chart and the local run share, read from the chart's {@code files/} folder:
 * the single source of truth for the connector, the topics, the brokers and the Connect worker.
 */
public final class ChartFiles {

  /** A topic the platform writes, with its partitions, replicas and topic-level settings. */
  public record Topic(String name, int partitions, int replicas, Map<String, String> config) {}

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private final Path chart;

  public ChartFiles(Path chart) {
    this.chart = chart;
    if (!Files.isRegularFile(chart.resolve("Chart.yaml"))) {
      throw new IllegalArgumentException(
          "--chart-dir: expected the cdc-platform chart (a folder with Chart.yaml), got " + chart);
    }
  }

  /** The chart folder. */
  public Path chart() {
    return chart;
  }

  /** The Debezium connector's config as the KafkaConnector carries it. */
  public Map<String, String> connector() {
    return flatMap("debezium-connector.yaml");
  }

  /** The connector's config for a pipeline: the chart's, with what the definition decides. */
  public Map<String, String> connector(PipelineDefinition pipeline) {
    Map<String, String> config = connector();
    config.putAll(pipeline.connectorSettings());
    return config;
  }

  /**
   * Every topic a pipeline needs ({@link PipelineDefinition#topics()}), with the settings of its
   * kind from the chart's {@code files/kafka-topics.yaml}: the same list the chart renders.
   */
  public List<Topic> topics(PipelineDefinition pipeline) {
    Map<String, Map<String, Object>> kinds = read("kafka-topics.yaml", new TypeReference<>() {});
    List<Topic> topics = new java.util.ArrayList<>();
    for (io.cdcplatform.pipeline.Topic topic : pipeline.topics()) {
      String kind = topic.kind().key();
      Map<String, Object> settings = kinds.get(kind);
      if (settings == null) {
        throw new IllegalStateException(
            chart.resolve("files/kafka-topics.yaml") + ": no settings for topics of kind " + kind);
      }
      topics.add(
          new Topic(
              topic.name(),
              ((Number) settings.get("partitions")).intValue(),
              ((Number) settings.get("replicas")).intValue(),
              strings(asMap(settings.get("config")))));
    }
    return List.copyOf(topics);
  }

  /** Settings of every broker. */
  public Map<String, String> broker() {
    return flatMap("kafka-broker.yaml");
  }

  /** Settings of the Connect worker. */
  public Map<String, String> connectWorker() {
    return flatMap("kafka-connect.yaml");
  }

  /** The pipeline definition the chart ships, relative to the project's folder. */
  public static final String DEFAULT_PIPELINE = PipelineDefinitions.CHART_PIPELINE;

  /** The chart's own pipeline definition (the shop). */
  public Path pipeline() {
    return chart.resolve("files/pipeline");
  }

  /** The service levels the pipeline's verdict is judged against. */
  public Map<String, String> slos() {
    return flatMap("pipeline-slos.yaml");
  }

  private Map<String, String> flatMap(String file) {
    return strings(read(file, new TypeReference<Map<String, Object>>() {}));
  }

  private <T> T read(String file, TypeReference<T> type) {
    Path path = chart.resolve("files").resolve(file);
    try {
      return YAML.readValue(path.toFile(), type);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + path + ": " + e.getMessage(), e);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> asMap(Object value) {
    return value == null ? Map.of() : (Map<String, Object>) value;
  }

  private static Map<String, String> strings(Map<String, Object> values) {
    Map<String, String> result = new LinkedHashMap<>();
    values.forEach((key, value) -> result.put(key, String.valueOf(value)));
    return result;
  }
}
