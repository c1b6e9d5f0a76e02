package io.cdcplatform.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A pipeline definition's generation: a digest of exactly what decides the analytics' results and
 * the job's state (the topic prefix, the heartbeat, each captured table with its key, event time
 * and columns, each analytic with its key, window, outputs and query text), and of nothing else, so
 * that a description, a panel, an oracle or a job setting can change without a rebuild.
 *
 * <p>Analytics of one generation are computed incrementally from the job's state; a new generation
 * is computed afresh from the change topics (docs/analytics.md, "Changing the definition"). The
 * analytics job runs under the job id {@link #jobId}, and on Kubernetes the chart sets the same id
 * and a redeploy nonce from it (helper {@code cdc.generation}, computed from the same canonical
 * text), so the Flink operator restores a generation's own checkpoints and starts a new generation
 * without state.
 */
public final class Generation {

  private Generation() {}

  /**
   * The canonical text: one line for the source, one per captured table, and per analytic one line
   * followed by its query file as written. Values are taken as written in the YAML (a missing one
   * is empty), exactly as the chart's helper prints them.
   */
  static String canonical(JsonNode root, Path folder) {
    JsonNode source = root.path("source");
    List<String> lines = new ArrayList<>();
    lines.add("source " + text(source.path("topicPrefix")) + " " + text(source.path("heartbeat")));
    for (JsonNode table : source.path("tables")) {
      lines.add(
          "table "
              + text(table.path("table"))
              + " key="
              + list(table.path("key"))
              + " eventTime="
              + text(table.path("eventTime"))
              + " columns="
              + list(table.path("columns")));
    }
    for (JsonNode analytic : root.path("analytics")) {
      JsonNode window = analytic.path("window");
      JsonNode outputs = analytic.path("outputs");
      lines.add(
          "analytic "
              + text(analytic.path("name"))
              + " key="
              + list(analytic.path("key"))
              + " window="
              + text(window.path("column"))
              + "/"
              + text(window.path("size"))
              + "/"
              + text(window.path("allowedLateness"))
              + " outputs="
              + text(outputs.path("table"))
              + "/"
              + text(outputs.path("topic")));
      try {
        lines.add(
            Files.readString(folder.resolve(text(analytic.path("query"))), StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return String.join("\n", lines);
  }

  /** The SHA-256 of the canonical text, in lower-case hex. */
  static String of(JsonNode root, Path folder) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256")
                  .digest(canonical(root, folder).getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /** The Flink job id of a generation: its first 32 hex digits. */
  public static String jobId(String generation) {
    return generation.substring(0, 32);
  }

  /**
   * The FlinkDeployment's {@code job.savepointRedeployNonce} for a generation: the Adler-32 of its
   * hex digits, as the chart computes it (sprig's {@code adler32sum}). A new value makes the Flink
   * operator redeploy the job without state and without its HA metadata; the same value lets it
   * upgrade the job from its last state.
   */
  public static long redeployNonce(String generation) {
    java.util.zip.Adler32 adler = new java.util.zip.Adler32();
    adler.update(generation.getBytes(StandardCharsets.UTF_8));
    return adler.getValue();
  }

  private static String text(JsonNode node) {
    return node.isMissingNode() || node.isNull() ? "" : node.asText();
  }

  private static String list(JsonNode node) {
    if (!node.isArray()) {
      return text(node);
    }
    List<String> items = new ArrayList<>();
    node.forEach(item -> items.add(item.asText()));
    return String.join(",", items);
  }
}
