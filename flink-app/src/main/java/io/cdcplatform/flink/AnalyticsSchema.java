package io.cdcplatform.flink;

import io.cdcplatform.pipeline.Analytic;
import io.cdcplatform.pipeline.DefinitionException;
import io.cdcplatform.pipeline.PipelineDefinition;
import io.cdcplatform.pipeline.PipelineDefinitions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.table.catalog.Column;

/**
 * Creates the tables the job writes, if they do not exist yet: the platform's latency table, and
 * one table per analytic with the columns and types of its result (and the window's two markers).
 *
 * <p>An existing table of another shape is replaced when the definition is of a new generation
 * ({@link io.cdcplatform.pipeline.Generation}) and the recorded generation wrote that table: its
 * analytic changed, and the job computes it afresh from the change topics. Otherwise it is refused
 * by name: someone else made or changed the table, and the job never writes into a table whose
 * columns no longer mean what the analytic computes. The generation the tables were laid out for,
 * its captured tables and the tables it wrote are recorded in {@code
 * analytics.pipeline_generation}.
 */
final class AnalyticsSchema {

  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(AnalyticsSchema.class);

  /** The generation of the definition the analytics tables were last laid out for, per pipeline. */
  static final String GENERATION = "analytics.pipeline_generation";

  private static final String COLUMNS =
      "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a"
          + " WHERE a.attrelid = ?::regclass AND a.attnum > 0 AND NOT a.attisdropped"
          + " ORDER BY a.attnum";

  private AnalyticsSchema() {}

  /**
   * @param verifierRole continuous verification's role: where it exists, it may read every table
   *     the job writes and record its rounds in {@code analytics.verification}
   */
  static void ensure(
      Connection db,
      PipelineDefinition definition,
      List<AnalyticsPlan.Planned> plans,
      String verifierRole)
      throws SQLException, IOException {
    String ddl;
    try (InputStream in = AnalyticsSchema.class.getResourceAsStream("/analytics-schema.sql")) {
      ddl = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    Set<String> schemas = new LinkedHashSet<>(List.of("analytics"));
    try (Statement statement = db.createStatement()) {
      ensureSchema(db, "analytics");
      statement.execute(ddl);
      Recorded recorded = recorded(db, definition);
      sayAddedTables(definition, recorded);
      for (AnalyticsPlan.Planned plan : plans) {
        Analytic analytic = plan.analytic();
        schemas.add(analytic.table().schema());
        ensureSchema(db, analytic.table().schema());
        String create =
            "CREATE TABLE IF NOT EXISTS "
                + analytic.table().qualified()
                + " ("
                + columns(plan)
                + ")";
        statement.execute(create);
        String problem = shapeProblem(db, plan);
        if (problem != null && !recorded.replaces(definition, analytic)) {
          throw new DefinitionException(
              PipelineDefinitions.problem(
                  definition, analytic, problem + "; drop the table to have it rebuilt"));
        }
        if (problem != null) {
          LOG.info("{}: a new generation of the definition replaces the table", problem);
          replace(statement, definition, analytic, create);
        }
      }
      try (PreparedStatement record =
          db.prepareStatement(
              "INSERT INTO "
                  + GENERATION
                  + " (pipeline, generation, tables, outputs) VALUES (?, ?, ?, ?) ON CONFLICT"
                  + " (pipeline) DO UPDATE SET generation = EXCLUDED.generation,"
                  + " tables = EXCLUDED.tables, outputs = EXCLUDED.outputs, started_at = now()"
                  + " WHERE "
                  + GENERATION
                  + ".generation <> EXCLUDED.generation")) {
        record.setString(1, definition.name());
        record.setString(2, definition.generation());
        record.setString(3, String.join(",", capturedTables(definition)));
        record.setString(4, String.join(",", outputTables(definition)));
        record.executeUpdate();
      }
      // Readers (the dashboard, the CdcPipeline reconciler) log in as analytics_reader where it
      // exists: it may read the analytics tables and nothing else.
      // Continuous verification compares them with their oracles and records each round.
      for (String role : List.of("analytics_reader", verifierRole)) {
        StringBuilder grants = new StringBuilder();
        for (String schema : schemas) {
          grants
              .append(" GRANT USAGE ON SCHEMA ")
              .append(schema)
              .append(" TO ")
              .append(role)
              .append("; GRANT SELECT ON ALL TABLES IN SCHEMA ")
              .append(schema)
              .append(" TO ")
              .append(role)
              .append(";");
        }
        if (role.equals(verifierRole)) {
          grants
              .append(" GRANT INSERT, DELETE ON analytics.verification TO ")
              .append(role)
              .append(";");
        }
        statement.execute(
            "DO $$ BEGIN IF EXISTS (SELECT FROM pg_roles WHERE rolname = '"
                + role
                + "') THEN"
                + grants
                + " END IF; END $$");
      }
    }
  }

  /**
   * Checks, without creating anything, that each analytics table that exists has its shape, unless
   * the start of this definition's new generation would replace it.
   */
  static void checkExisting(
      Connection db, PipelineDefinition definition, List<AnalyticsPlan.Planned> plans)
      throws SQLException {
    Recorded recorded = recorded(db, definition);
    for (AnalyticsPlan.Planned plan : plans) {
      if (exists(db, plan.analytic().table().qualified())
          && !recorded.replaces(definition, plan.analytic())) {
        String problem = shapeProblem(db, plan);
        if (problem != null) {
          throw new DefinitionException(
              PipelineDefinitions.problem(
                  definition, plan.analytic(), problem + "; drop the table to have it rebuilt"));
        }
      }
    }
  }

  /**
   * The generation the analytics tables were laid out for, its captured tables and the analytics
   * tables it wrote; all null when none is recorded (the pipeline's first start).
   */
  record Recorded(String generation, List<String> tables, List<String> outputs) {

    /**
     * Whether the start of {@code definition} replaces an analytic's table of another shape: only
     * in a new generation, and only a table the recorded one wrote. A table nobody recorded is
     * someone else's and is never dropped.
     */
    boolean replaces(PipelineDefinition definition, Analytic analytic) {
      return generation != null
          && !generation.equals(definition.generation())
          && outputs != null
          && outputs.contains(analytic.table().qualified());
    }
  }

  static Recorded recorded(Connection db, PipelineDefinition definition) throws SQLException {
    if (!exists(db, GENERATION)) {
      return new Recorded(null, null, null);
    }
    try (PreparedStatement query =
        db.prepareStatement(
            "SELECT generation, tables, outputs FROM " + GENERATION + " WHERE pipeline = ?")) {
      query.setString(1, definition.name());
      try (ResultSet rs = query.executeQuery()) {
        if (!rs.next()) {
          return new Recorded(null, null, null);
        }
        return new Recorded(rs.getString(1), names(rs.getString(2)), names(rs.getString(3)));
      }
    }
  }

  private static List<String> names(String commaSeparated) {
    return commaSeparated == null ? null : List.of(commaSeparated.split(",", -1));
  }

  /**
   * Says which tables a generation captures that its predecessor did not. Their rows from before
   * are in no change topic until the new snapshot source-setup asked for when it added them to the
   * publication ({@code LostSlot}) has read them; the launcher and the reconciler take it, and the
   * job applies it as any re-snapshot. Until then continuous verification shows them differing.
   */
  private static void sayAddedTables(PipelineDefinition definition, Recorded recorded) {
    if (recorded.tables() == null || definition.generation().equals(recorded.generation())) {
      return;
    }
    List<String> added = new ArrayList<>(capturedTables(definition));
    added.removeAll(recorded.tables());
    if (!added.isEmpty()) {
      LOG.info(
          "{} added to a pipeline whose capture had begun: {} earlier rows come with the new"
              + " snapshot source-setup asked for",
          String.join(", ", added),
          added.size() == 1 ? "its" : "their");
    }
  }

  private static List<String> capturedTables(PipelineDefinition definition) {
    return definition.source().tables().stream().map(t -> t.name().qualified()).toList();
  }

  private static List<String> outputTables(PipelineDefinition definition) {
    return definition.allAnalytics().stream().map(a -> a.table().qualified()).toList();
  }

  private static boolean exists(Connection db, String table) throws SQLException {
    try (PreparedStatement query = db.prepareStatement("SELECT to_regclass(?)")) {
      query.setString(1, table);
      try (ResultSet rs = query.executeQuery()) {
        rs.next();
        return rs.getString(1) != null;
      }
    }
  }

  /** Drops an analytic's table of an earlier generation's shape and creates it anew. */
  private static void replace(
      Statement statement, PipelineDefinition definition, Analytic analytic, String create) {
    try {
      statement.execute("DROP TABLE " + analytic.table().qualified());
      statement.execute(create);
    } catch (SQLException e) {
      throw new DefinitionException(
          PipelineDefinitions.problem(
              definition,
              analytic,
              "table "
                  + analytic.table()
                  + " has an earlier definition's shape and cannot be replaced: "
                  + e.getMessage().lines().findFirst().orElse("")));
    }
  }

  /** The table's columns in PostgreSQL: the result's, then the window's markers, then the key. */
  static String columns(AnalyticsPlan.Planned plan) {
    List<String> parts = new ArrayList<>();
    for (Column column : plan.schema().getColumns()) {
      var type = column.getDataType().getLogicalType();
      parts.add(
          column.getName()
              + " "
              + ResultColumns.postgresType(type)
              + (type.isNullable() ? "" : " NOT NULL"));
    }
    if (plan.analytic().window() != null) {
      parts.add("window_closed boolean NOT NULL");
      parts.add("late_updates bigint NOT NULL");
    }
    parts.add("PRIMARY KEY (" + String.join(", ", plan.analytic().key()) + ")");
    return String.join(", ", parts);
  }

  /** Why the analytic's table does not have the result's shape, or null when it does. */
  private static String shapeProblem(Connection db, AnalyticsPlan.Planned plan)
      throws SQLException {
    List<String> expected = new ArrayList<>();
    for (Column column : plan.schema().getColumns()) {
      expected.add(
          column.getName()
              + " "
              + ResultColumns.postgresType(column.getDataType().getLogicalType()));
    }
    if (plan.analytic().window() != null) {
      expected.add("window_closed boolean");
      expected.add("late_updates bigint");
    }
    List<String> actual = new ArrayList<>();
    try (PreparedStatement query = db.prepareStatement(COLUMNS)) {
      query.setString(1, plan.analytic().table().qualified());
      try (ResultSet rs = query.executeQuery()) {
        while (rs.next()) {
          actual.add(rs.getString(1) + " " + rs.getString(2));
        }
      }
    }
    if (actual.equals(expected)) {
      return null;
    }
    return "table "
        + plan.analytic().table()
        + " exists with columns ("
        + String.join(", ", actual)
        + ") but the analytic yields ("
        + String.join(", ", expected)
        + ")";
  }

  /**
   * Creates a schema of the analytics tables unless it exists. The job's role usually owns schemas
   * made for it and may not create others (no CREATE on the database), and PostgreSQL checks that
   * privilege even for CREATE SCHEMA IF NOT EXISTS: so look first.
   */
  private static void ensureSchema(Connection db, String schema) throws SQLException {
    try (var query = db.prepareStatement("SELECT 1 FROM pg_namespace WHERE nspname = ?")) {
      query.setString(1, schema);
      try (var rs = query.executeQuery()) {
        if (rs.next()) {
          return;
        }
      }
    }
    try (Statement statement = db.createStatement()) {
      statement.execute("CREATE SCHEMA " + schema);
    } catch (SQLException e) {
      throw new SQLException(
          "schema "
              + schema
              + " of the analytics tables does not exist and the job's role "
              + db.getMetaData().getUserName()
              + " may not create it ("
              + e.getMessage().lines().findFirst().orElse("")
              + "): create it with CREATE SCHEMA "
              + schema
              + " AUTHORIZATION "
              + db.getMetaData().getUserName(),
          e.getSQLState(),
          e);
    }
  }
}
