package io.cdcplatform.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Where a checkpoint's time went, read from responses of Flink 1.20's REST API as the local job
 * gave them (kept under {@code flink-rest/}).
 */
class CheckpointStatsTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode resource(String name) throws Exception {
    try (var in = CheckpointStatsTest.class.getResourceAsStream("/flink-rest/" + name)) {
      return JSON.readTree(in);
    }
  }

  @Test
  void tasksAreNamedByTheFirstOperatorOfTheirChain() throws Exception {
    Map<String, String> names = CheckpointStats.vertexNames(resource("job.json"));
    assertThat(names).hasSize(17);
    assertThat(names.get("7a64012b101ed70ca7d419f712f49f82")).isEqualTo("transaction-sequencer");
    assertThat(names.get("7a3c4b0830131c2e456c9f0896679ee9")).isEqualTo("kafka-topics: Writer");
    assertThat(names.get("dc95d7477faf8fe2d5f20d71488d0fac")).isEqualTo("Sink: analytics-tables");
  }

  @Test
  void chainsThatStartAlikeStayApart() throws Exception {
    JsonNode job =
        JSON.readTree(
            "{\"vertices\": [{\"id\": \"a\", \"name\": \"Calc[2] -> Sink: x\"},"
                + " {\"id\": \"b\", \"name\": \"Calc[2] -> Sink: y\"}]}");
    assertThat(CheckpointStats.vertexNames(job))
        .containsExactly(Map.entry("a", "Calc[2]"), Map.entry("b", "Calc[2] (2)"));
  }

  @Test
  void aTasksPartIsItsSlowestSubtasksPhases() throws Exception {
    CheckpointStats.TaskSample task =
        CheckpointStats.task(resource("checkpoint-subtasks.json").path("summary"));
    assertThat(task).isEqualTo(new CheckpointStats.TaskSample(564, 186, 5, 118, 35, 649));
  }

  @Test
  void theReportNamesTheTaskThatAcknowledgedLastAndTheCommitTimes() {
    List<CheckpointStats.Sample> samples =
        List.of(sample(1, 400, 380, 120), sample(2, 500, 480, 90), sample(3, 900, 100, 870));
    Map<String, long[]> before = Map.of("Sink__analytics-tables", new long[] {10, 200});
    Map<String, long[]> after = new LinkedHashMap<>();
    after.put("Sink__analytics-tables", new long[] {13, 260});
    after.put("Sink__dead-letter-ledger", new long[] {0, 0});
    String report = CheckpointStats.describe(samples, before, after, 0);
    assertThat(report)
        .startsWith(
            "checkpoints: 3 completed (ids 1-3), end to end p50 500 ms, p90 900 ms, p99 900 ms,"
                + " max 900 ms; acknowledged last: kafka-topics: Writer 2/3, change-router 1/3")
        .contains("kafka-topics: Writer")
        .contains("ack p50  380 / p99  480 ms")
        .contains(
            "commits after a checkpoint completed: Sink__analytics-tables 3 commits, 20.0 ms each (")
        .doesNotContain("dead-letter-ledger");
  }

  @Test
  void noCheckpointIsSaidSo() {
    assertThat(CheckpointStats.describe(List.of(), Map.of(), Map.of(), 2))
        .isEqualTo("checkpoints: none completed while sampled (2 REST calls failed)");
  }

  private static CheckpointStats.Sample sample(long id, long endToEnd, long kafka, long router) {
    Map<String, CheckpointStats.TaskSample> tasks = new LinkedHashMap<>();
    tasks.put(
        "change-router", new CheckpointStats.TaskSample(router, 0, router - 20, 0, 10, 3_000));
    tasks.put("kafka-topics: Writer", new CheckpointStats.TaskSample(kafka, 150, 2, 30, 50, 600));
    return new CheckpointStats.Sample(id, endToEnd, tasks);
  }
}
