package io.cdcplatform.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cdcplatform.pipeline.PipelineDefinitions;
import io.cdcplatform.source.SourceSetup;
import io.cdcplatform.source.SourceSetupException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.flywaydb.core.api.output.MigrateResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class ShopSchemaIT {

  @RegisterExtension static final ShopDatabase db = ShopDatabase.migrated();

  @Test
  void migrationsCreateTheCapturedTablesWithFullReplicaIdentity() throws SQLException {
    assertThat(
            rows(
                "SELECT c.relname || ':' || c.relreplident::text FROM pg_class c"
                    + " JOIN pg_namespace n ON n.oid = c.relnamespace"
                    + " WHERE n.nspname = 'shop' AND c.relkind = 'r' ORDER BY 1"))
        .containsExactly(
            "customers:f", "flyway_schema_history:d", "heartbeat:f", "orders:f", "products:f");
  }

  @Test
  void ordersKeepExactAmountsAndAFixedSetOfStatuses() throws SQLException {
    assertThat(
            rows(
                "SELECT column_name || ' ' || data_type || coalesce(' ' || numeric_precision || ','"
                    + " || numeric_scale, '') FROM information_schema.columns WHERE table_schema ="
                    + " 'shop' AND table_name = 'orders' ORDER BY ordinal_position"))
        .containsExactly(
            "id bigint 64,0",
            "customer_id bigint 64,0",
            "product_id bigint 64,0",
            "quantity integer 32,0",
            "amount numeric 12,2",
            "status text",
            "created_at timestamp with time zone",
            "updated_at timestamp with time zone");
    try (Connection owner = db.owner();
        Statement statement = owner.createStatement()) {
      statement.execute(
          "INSERT INTO shop.customers VALUES (900001, 'c', 'c@example.com', 'DE', now(), now())");
      statement.execute("INSERT INTO shop.products VALUES (900001, 'p', 'books', 9.99, now())");
      assertThatThrownBy(
              () ->
                  statement.execute(
                      "INSERT INTO shop.orders VALUES (900001, 900001, 900001, 1, 9.99,"
                          + " 'LOST', now(), now())"))
          .hasMessageContaining("orders_status_check");
      statement.execute("DELETE FROM shop.products WHERE id = 900001");
      statement.execute("DELETE FROM shop.customers WHERE id = 900001");
    }
  }

  @Test
  void publicationListsExactlyTheCapturedTables() throws SQLException {
    assertThat(
            rows(
                "SELECT schemaname || '.' || tablename FROM pg_publication_tables"
                    + " WHERE pubname = 'cdc_publication' ORDER BY 1"))
        .containsExactly("shop.customers", "shop.heartbeat", "shop.orders", "shop.products");
    assertThat(
            rows(
                "SELECT puballtables || ' ' || pubinsert || pubupdate || pubdelete || pubtruncate"
                    + " FROM pg_publication WHERE pubname = 'cdc_publication'"))
        .containsExactly("false truetruetruetrue");
  }

  @Test
  void captureRoleIsLeastPrivilege() throws SQLException {
    assertThat(
            rows(
                "SELECT rolcanlogin || ' ' || rolreplication || ' ' || rolsuper || ' ' ||"
                    + " rolcreaterole || ' ' || rolcreatedb || ' ' || rolbypassrls FROM pg_roles"
                    + " WHERE rolname = 'cdc_capture'"))
        .containsExactly("true true false false false false");
    assertThat(
            rows(
                "SELECT table_name || ':' || string_agg(privilege_type, ',' ORDER BY"
                    + " privilege_type) FROM information_schema.role_table_grants WHERE grantee ="
                    + " 'cdc_capture' GROUP BY table_name ORDER BY 1"))
        .containsExactly(
            "customers:SELECT",
            "heartbeat:INSERT,SELECT,UPDATE",
            "orders:SELECT",
            "products:SELECT");
    try (Connection capture = db.capture();
        Statement statement = capture.createStatement()) {
      assertThatThrownBy(() -> statement.execute("DELETE FROM shop.orders"))
          .hasMessageContaining("permission denied");
      assertThatThrownBy(() -> statement.execute("SELECT * FROM shop.flyway_schema_history"))
          .hasMessageContaining("permission denied");
      statement.execute("UPDATE shop.heartbeat SET beat_at = now() WHERE id = 1");
    }
  }

  @Test
  void migratingAgainAppliesNothingAndKeepsTheCaptureRole() throws Exception {
    MigrateResult again =
        ShopSchema.migrate(db.target, ShopDatabase.OWNER, ShopDatabase.OWNER_PASSWORD);

    assertThat(again.migrationsExecuted).isZero();
    assertThat(
            again.targetSchemaVersion == null
                ? again.initialSchemaVersion
                : again.targetSchemaVersion)
        .isEqualTo("3");
    assertThat(rows("SELECT count(*) FROM pg_publication WHERE pubname = 'cdc_publication'"))
        .containsExactly("1");
    try (Connection capture = db.capture()) {
      assertThat(capture.isValid(1)).isTrue();
    }
  }

  @Test
  void aSuperuserIsRefusedAsCaptureRole() throws Exception {
    try (Connection superuser = db.postgres.superuserConnection()) {
      assertThatThrownBy(
              () ->
                  SourceSetup.apply(
                      superuser,
                      PipelineDefinitions.load(
                          java.nio.file.Path.of(
                              System.getProperty("cdc.home", "../../.."),
                              "helm/cdc-platform/files/pipeline")),
                      new SourceSetup.Capture("postgres", "x", ShopDatabase.PUBLICATION)))
          .isInstanceOf(SourceSetupException.class)
          .hasMessage(
              "capture role postgres is a superuser; it must be an ordinary role with LOGIN and"
                  + " REPLICATION");
    }
  }

  private static List<String> rows(String sql) throws SQLException {
    List<String> rows = new ArrayList<>();
    try (Connection connection = db.postgres.superuserConnection();
        Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(sql)) {
      while (rs.next()) {
        rows.add(rs.getString(1));
      }
    }
    return rows;
  }
}
