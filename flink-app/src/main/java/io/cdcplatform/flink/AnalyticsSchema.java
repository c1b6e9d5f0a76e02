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
 * An existing table of another shape is refused by name: the job never writes into a table whose
 * columns no longer mean what the analytic computes.
 */
final class AnalyticsSchema {

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
      for (AnalyticsPlan.Planned plan : plans) {
        Analytic analytic = plan.analytic();
        schemas.add(analytic.table().schema());
        ensureSchema(db, analytic.table().schema());
        statement.execute(
            "CREATE TABLE IF NOT EXISTS "
                + analytic.table().qualified()
                + " ("
                + columns(plan)
                + ")");
        check(db, definition, plan);
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

  /** Checks, without creating anything, that each analytics table that exists has its shape. */
  static void checkExisting(
      Connection db, PipelineDefinition definition, List<AnalyticsPlan.Planned> plans)
      throws SQLException {
    for (AnalyticsPlan.Planned plan : plans) {
      try (PreparedStatement query = db.prepareStatement("SELECT to_regclass(?)")) {
        query.setString(1, plan.analytic().table().qualified());
        try (ResultSet rs = query.executeQuery()) {
          rs.next();
          if (rs.getString(1) != null) {
            check(db, definition, plan);
          }
        }
      }
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

  private static void check(
      Connection db, PipelineDefinition definition, AnalyticsPlan.Planned plan)
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
    if (!actual.equals(expected)) {
      throw new DefinitionException(
          PipelineDefinitions.problem(
              definition,
              plan.analytic(),
              "table "
                  + plan.analytic().table()
                  + " exists with columns ("
                  + String.join(", ", actual)
                  + ") but the analytic yields ("
                  + String.join(", ", expected)
                  + "); drop the table to have it rebuilt"));
    }
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
