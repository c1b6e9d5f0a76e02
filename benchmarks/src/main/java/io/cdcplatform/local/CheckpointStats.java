package io.cdcplatform.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;

/**
 * Where a checkpoint's time goes, from the Flink REST API while a benchmark runs: for every
 * checkpoint completed meanwhile, its end-to-end duration, and per task the slowest subtask's
 * acknowledgement, synchronous and asynchronous phases, alignment and start delay; and how long the
 * job's commit-on-checkpoint sinks took to commit (their {@code checkpointCommits} and {@code
 * checkpointCommitMillis} counters).
 *
 * <p>Flink keeps only the last few checkpoints in its history ({@code web.checkpoints.history}), so
 * the history is read every half second and each new completed checkpoint is fetched once.
 */
final class CheckpointStats implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String COMMITS = ".checkpointCommits";
  private static final String COMMIT_MILLIS = ".checkpointCommitMillis";

  /** One task's part in one checkpoint, in milliseconds (bytes for the state). */
  record TaskSample(
      long acknowledged, long sync, long async, long alignment, long startDelay, long stateBytes) {}

  /** One completed checkpoint. */
  record Sample(long id, long endToEnd, Map<String, TaskSample> tasks) {}

  private final String web;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor();
  private final TreeMap<Long, Sample> samples = new TreeMap<>();
  private final Map<String, long[]> commitsAtStart;
  private String job;
  private Map<String, String> vertices = Map.of();
  private int failures;

  /** Starts sampling the running job's checkpoints. */
  CheckpointStats(String webUrl) {
    this.web = webUrl;
    this.commitsAtStart = commitCounters();
    poller.scheduleWithFixedDelay(this::poll, 0, 500, TimeUnit.MILLISECONDS);
  }

  /** Stops sampling and describes the checkpoints seen, several lines. */
  String report() {
    poller.shutdownNow();
    try {
      poller.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Map<String, long[]> commitsAtEnd = commitCounters();
    synchronized (samples) {
      return describe(List.copyOf(samples.values()), commitsAtStart, commitsAtEnd, failures);
    }
  }

  @Override
  public void close() {
    poller.shutdownNow();
  }

  private void poll() {
    try {
      if (job == null) {
        job = runningJob();
        if (job == null) {
          return;
        }
        vertices = vertexNames(get("/jobs/" + job));
      }
      for (JsonNode entry : get("/jobs/" + job + "/checkpoints").path("history")) {
        long id = entry.path("id").asLong();
        boolean known;
        synchronized (samples) {
          known = samples.containsKey(id);
        }
        if (known || !"COMPLETED".equals(entry.path("status").asText())) {
          continue;
        }
        Map<String, TaskSample> tasks = new LinkedHashMap<>();
        for (Map.Entry<String, String> vertex : vertices.entrySet()) {
          JsonNode summary =
              get("/jobs/" + job + "/checkpoints/details/" + id + "/subtasks/" + vertex.getKey())
                  .path("summary");
          tasks.put(vertex.getValue(), task(summary));
        }
        synchronized (samples) {
          samples.put(id, new Sample(id, entry.path("end_to_end_duration").asLong(), tasks));
        }
      }
    } catch (IOException | RuntimeException e) {
      failures++;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Vertex id to a short name: the first operator of its chain. */
  static Map<String, String> vertexNames(JsonNode job) {
    Map<String, String> names = new LinkedHashMap<>();
    for (JsonNode vertex : job.path("vertices")) {
      String first = vertex.path("name").asText().split(" -> |\\n")[0].strip();
      String name = first.length() > 56 ? first.substring(0, 53) + "..." : first;
      for (int n = 2; names.containsValue(name); n++) {
        name = (first.length() > 52 ? first.substring(0, 49) + "..." : first) + " (" + n + ")";
      }
      names.put(vertex.path("id").asText(), name);
    }
    return names;
  }

  /** A task's part in a checkpoint, from the summary of its subtasks: the slowest of them. */
  static TaskSample task(JsonNode summary) {
    return new TaskSample(
        summary.path("end_to_end_duration").path("max").asLong(),
        summary.path("checkpoint_duration").path("sync").path("max").asLong(),
        summary.path("checkpoint_duration").path("async").path("max").asLong(),
        summary.path("alignment").path("duration").path("max").asLong(),
        summary.path("start_delay").path("max").asLong(),
        summary.path("state_size").path("max").asLong());
  }

  /** The figures of a run, one line for the checkpoints, one per task, one for the commits. */
  static String describe(
      List<Sample> samples,
      Map<String, long[]> commitsBefore,
      Map<String, long[]> commitsAfter,
      int failures) {
    if (samples.isEmpty()) {
      return "checkpoints: none completed while sampled"
          + (failures == 0 ? "" : " (" + failures + " REST calls failed)");
    }
    StringBuilder out = new StringBuilder();
    List<Long> endToEnd = sorted(samples, Sample::endToEnd);
    Map<String, Integer> last = new LinkedHashMap<>();
    for (Sample sample : samples) {
      sample.tasks().entrySet().stream()
          .max(Comparator.comparingLong(e -> e.getValue().acknowledged()))
          .ifPresent(e -> last.merge(e.getKey(), 1, Integer::sum));
    }
    out.append(
        String.format(
            Locale.ROOT,
            "checkpoints: %d completed (ids %d-%d), end to end p50 %d ms, p90 %d ms, p99 %d ms,"
                + " max %d ms; acknowledged last: %s",
            samples.size(),
            samples.getFirst().id(),
            samples.getLast().id(),
            percentile(endToEnd, 0.50),
            percentile(endToEnd, 0.90),
            percentile(endToEnd, 0.99),
            endToEnd.getLast(),
            describeCounts(last, samples.size())));
    for (String task : samples.getLast().tasks().keySet()) {
      List<TaskSample> parts =
          samples.stream().map(s -> s.tasks().get(task)).filter(t -> t != null).toList();
      out.append(
          String.format(
              Locale.ROOT,
              "%n  %-60s ack p50 %4d / p99 %4d ms; sync p50 %3d / p99 %4d; async p50 %3d / p99"
                  + " %4d; alignment p50 %3d; start delay p50 %3d; state %s",
              task,
              percentile(sorted(parts, TaskSample::acknowledged), 0.50),
              percentile(sorted(parts, TaskSample::acknowledged), 0.99),
              percentile(sorted(parts, TaskSample::sync), 0.50),
              percentile(sorted(parts, TaskSample::sync), 0.99),
              percentile(sorted(parts, TaskSample::async), 0.50),
              percentile(sorted(parts, TaskSample::async), 0.99),
              percentile(sorted(parts, TaskSample::alignment), 0.50),
              percentile(sorted(parts, TaskSample::startDelay), 0.50),
              bytes(parts.getLast().stateBytes())));
    }
    List<String> commits = new ArrayList<>();
    commitsAfter.forEach(
        (sink, after) -> {
          long[] before = commitsBefore.getOrDefault(sink, new long[2]);
          long count = after[0] - before[0];
          if (count > 0) {
            commits.add(
                String.format(
                    Locale.ROOT,
                    "%s %d commits, %.1f ms each",
                    sink,
                    count,
                    (after[1] - before[1]) / (double) count));
          }
        });
    out.append("%n  commits after a checkpoint completed: ".formatted())
        .append(commits.isEmpty() ? "none seen" : String.join("; ", commits))
        .append(" (the Kafka sink's commit is not measured: Flink exposes no duration for it)");
    if (failures > 0) {
      out.append("%n  %d REST calls failed while sampling".formatted(failures));
    }
    return out.toString();
  }

  /**
   * Per commit-on-checkpoint sink (the metric's operator part), its commit count and their total
   * milliseconds, summed over its subtasks; empty when the job cannot be asked.
   */
  private Map<String, long[]> commitCounters() {
    Map<String, long[]> counters = new TreeMap<>();
    try {
      String jobId = job == null ? runningJob() : job;
      if (jobId == null) {
        return counters;
      }
      for (String vertex : vertexNames(get("/jobs/" + jobId)).keySet()) {
        String base = "/jobs/" + jobId + "/vertices/" + vertex + "/subtasks/metrics";
        List<String> wanted = new ArrayList<>();
        for (JsonNode metric : get(base)) {
          String id = metric.path("id").asText();
          if (id.endsWith(COMMITS) || id.endsWith(COMMIT_MILLIS)) {
            wanted.add(id);
          }
        }
        if (wanted.isEmpty()) {
          continue;
        }
        for (JsonNode metric : get(base + "?agg=sum&get=" + String.join(",", wanted))) {
          String id = metric.path("id").asText();
          boolean millis = id.endsWith(COMMIT_MILLIS);
          String sink = id.substring(0, id.length() - (millis ? COMMIT_MILLIS : COMMITS).length());
          counters.computeIfAbsent(sink, s -> new long[2])[millis ? 1 : 0] =
              (long) metric.path("sum").asDouble();
        }
      }
    } catch (IOException | RuntimeException e) {
      return counters;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return counters;
  }

  /** The id of the running job, or null when none runs. */
  private String runningJob() throws IOException, InterruptedException {
    for (JsonNode running : get("/jobs/overview").path("jobs")) {
      if ("RUNNING".equals(running.path("state").asText())) {
        return running.path("jid").asText();
      }
    }
    return null;
  }

  private JsonNode get(String path) throws IOException, InterruptedException {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(web + path)).timeout(Duration.ofSeconds(5)).build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException("HTTP " + response.statusCode() + " for " + path);
    }
    return JSON.readTree(response.body());
  }

  private static <T> List<Long> sorted(List<T> items, ToLongFunction<T> figure) {
    return items.stream().map(figure::applyAsLong).sorted().toList();
  }

  static long percentile(List<Long> sorted, double quantile) {
    return sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(quantile * sorted.size()) - 1));
  }

  private static String describeCounts(Map<String, Integer> counts, int total) {
    List<String> parts = new ArrayList<>();
    counts.entrySet().stream()
        .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
        .forEach(e -> parts.add(e.getKey() + " " + e.getValue() + "/" + total));
    return String.join(", ", parts);
  }

  private static String bytes(long bytes) {
    if (bytes >= 1 << 20) {
      return String.format(Locale.ROOT, "%.1f MB", bytes / (double) (1 << 20));
    }
    if (bytes >= 1 << 10) {
      return String.format(Locale.ROOT, "%.1f KB", bytes / 1024.0);
    }
    return bytes + " B";
  }
}
