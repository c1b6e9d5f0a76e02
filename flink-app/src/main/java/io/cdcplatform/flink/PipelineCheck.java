package io.cdcplatform.flink;

import io.cdcplatform.pipeline.PipelineDefinition;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.types.Row;

/**
 * {@code make validate}: every check the job makes at start, without Kafka and without moving any
 * data. The definition is read and its job settings checked; the source's catalog is read and each
 * captured table checked against it; every analytic is planned by Flink's planner over the tables
 * as they are; an analytics table that exists already must have its result's shape. Exit codes: 0
 * valid, 2 the definition or the source is wrong (one line naming the file, the analytic and the
 * problem), 3 the database cannot be reached.
 */
public final class PipelineCheck {

  static final int INVALID = 2;
  static final int DATABASE = 3;

  private PipelineCheck() {}

  public static void main(String[] args) {
    System.exit(run(System.out, System.err, System.getenv(), args));
  }

  /**
   * Runs the check.
   *
   * @param args {@code --pipeline P [--jdbc-url U] [--jdbc-user N]}; the password comes from {@code
   *     PGPASSWORD}
   */
  static int run(
      PrintStream out, PrintStream err, Map<String, String> environment, String... args) {
    Map<String, String> options = new LinkedHashMap<>();
    options.put("--jdbc-url", "jdbc:postgresql://127.0.0.1:24320/postgres");
    options.put("--jdbc-user", "postgres");
    for (int i = 0; i < args.length; i += 2) {
      if (!List.of("--pipeline", "--jdbc-url", "--jdbc-user").contains(args[i])
          || i + 1 >= args.length) {
        err.println(
            "pipeline-check: expected --pipeline <file or folder> [--jdbc-url <url>] [--jdbc-user"
                + " <role>], got '"
                + String.join(" ", args)
                + "'");
        return INVALID;
      }
      options.put(args[i], args[i + 1]);
    }
    if (!options.containsKey("--pipeline")) {
      err.println("pipeline-check: --pipeline: expected a pipeline definition, got none");
      return INVALID;
    }
    String password = environment.getOrDefault("PGPASSWORD", "");
    JobSettings settings;
    try {
      // The job's own parser checks the definition and its job section; the endpoints it also
      // needs are not used here.
      settings =
          JobSettings.parse(
              new String[] {
                "--pipeline", options.get("--pipeline"),
                "--kafka-bootstrap-servers", "unused:9092",
                "--jdbc-url", options.get("--jdbc-url"),
                "--jdbc-user", options.get("--jdbc-user"),
                "--checkpoint-dir", "file:///unused"
              },
              Map.of());
    } catch (IllegalArgumentException e) {
      err.println("pipeline-check: " + e.getMessage());
      return INVALID;
    }
    PipelineDefinition definition = settings.pipeline();
    try (Connection db =
        DriverManager.getConnection(
            options.get("--jdbc-url"), options.get("--jdbc-user"), password)) {
      List<TableLayout> layouts = SourceCatalog.read(db, definition);
      StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
      StreamTableEnvironment tables = AnalyticsJob.tableEnvironment(env, settings);
      List<AnalyticsPlan.Planned> plans =
          AnalyticsPlan.plan(
              tables,
              definition,
              layouts,
              layout ->
                  tables.fromChangelogStream(
                      env.fromCollection(Collections.<Row>emptyList(), layout.rowType()),
                      layout.schema(),
                      ChangelogMode.all()));
      AnalyticsSchema.checkExisting(db, definition, plans);
      out.println(
          "pipeline-check: "
              + definition.file()
              + ": valid; "
              + definition.analytics().size()
              + " analytics (and the platform's freshness) over "
              + String.join(", ", layouts.stream().map(t -> t.name().qualified()).toList())
              + " in "
              + options.get("--jdbc-url"));
      return 0;
    } catch (IllegalArgumentException e) {
      err.println("pipeline-check: " + e.getMessage());
      return INVALID;
    } catch (SQLException e) {
      err.println("pipeline-check: " + options.get("--jdbc-url") + ": " + firstLine(e));
      return DATABASE;
    }
  }

  private static String firstLine(SQLException e) {
    String message = String.valueOf(e.getMessage()).strip();
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
