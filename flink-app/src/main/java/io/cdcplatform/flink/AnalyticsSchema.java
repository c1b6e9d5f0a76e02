package io.cdcplatform.flink;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/** Creates the analytics tables the job writes, if they do not exist yet. */
final class AnalyticsSchema {

  private AnalyticsSchema() {}

  static void ensure(JobSettings settings) throws SQLException, IOException {
    String ddl;
    try (InputStream in = AnalyticsSchema.class.getResourceAsStream("/analytics-schema.sql")) {
      ddl = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    try (Connection connection =
            DriverManager.getConnection(
                settings.jdbcUrl(), settings.jdbcUser(), settings.jdbcPassword());
        Statement statement = connection.createStatement()) {
      statement.execute(ddl);
    }
  }
}
