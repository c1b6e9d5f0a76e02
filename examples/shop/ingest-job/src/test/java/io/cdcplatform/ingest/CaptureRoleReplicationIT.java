package io.cdcplatform.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcplatform.ingest.PgOutputDecoder.Change;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.replication.PGReplicationStream;

/**
 * The capture role can do what Debezium will do: open a replication connection, create a pgoutput
 * slot and stream the publication, with complete before-images for updates and deletes.
 */
class CaptureRoleReplicationIT {

  @RegisterExtension static final ShopDatabase db = ShopDatabase.migrated();

  @Test
  void captureRoleStreamsInsertsUpdatesAndDeletesWithFullBeforeImages() throws Exception {
    try (Connection replication = replicationConnection()) {
      PGConnection pg = replication.unwrap(PGConnection.class);
      pg.getReplicationAPI()
          .createReplicationSlot()
          .logical()
          .withSlotName("capture_test")
          .withOutputPlugin("pgoutput")
          .make();

      try (Connection owner = db.owner();
          Statement statement = owner.createStatement()) {
        owner.setAutoCommit(false);
        statement.execute(
            "INSERT INTO shop.customers VALUES (1, 'Ada', 'ada@example.com', 'GB',"
                + " '2026-01-01T10:00:00Z', now())");
        statement.execute("INSERT INTO shop.products VALUES (1, 'Lamp', 'home', 19.99, now())");
        statement.execute(
            "INSERT INTO shop.orders VALUES (1, 1, 1, 2, 39.98, 'PENDING',"
                + " '2026-01-01T10:00:05Z', now())");
        owner.commit();
        statement.execute("UPDATE shop.orders SET status = 'PAID' WHERE id = 1");
        owner.commit();
        statement.execute("DELETE FROM shop.orders WHERE id = 1");
        owner.commit();
      }

      PGReplicationStream stream =
          pg.getReplicationAPI()
              .replicationStream()
              .logical()
              .withSlotName("capture_test")
              .withSlotOption("proto_version", 1)
              .withSlotOption("publication_names", ShopDatabase.PUBLICATION)
              .withStatusInterval(1, TimeUnit.SECONDS)
              .start();
      List<Change> changes = read(stream, 5);
      stream.close();

      assertThat(changes)
          .extracting(Change::op, Change::table)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple('c', "shop.customers"),
              org.assertj.core.groups.Tuple.tuple('c', "shop.products"),
              org.assertj.core.groups.Tuple.tuple('c', "shop.orders"),
              org.assertj.core.groups.Tuple.tuple('u', "shop.orders"),
              org.assertj.core.groups.Tuple.tuple('d', "shop.orders"));
      Change insert = changes.get(2);
      assertThat(insert.after())
          .containsEntry("amount", "39.98")
          .containsEntry("status", "PENDING");
      Change update = changes.get(3);
      Map<String, String> before = update.before();
      assertThat(before)
          .containsEntry("id", "1")
          .containsEntry("customer_id", "1")
          .containsEntry("product_id", "1")
          .containsEntry("quantity", "2")
          .containsEntry("amount", "39.98")
          .containsEntry("status", "PENDING")
          .containsKeys("created_at", "updated_at")
          .doesNotContainValue(PgOutputDecoder.UNCHANGED_TOAST);
      assertThat(update.after()).containsEntry("status", "PAID").containsEntry("amount", "39.98");
      Change delete = changes.get(4);
      assertThat(delete.before())
          .containsEntry("status", "PAID")
          .containsEntry("amount", "39.98")
          .containsEntry("customer_id", "1")
          .hasSize(8);
    }
  }

  private static Connection replicationConnection() throws Exception {
    Properties properties = new Properties();
    PGProperty.USER.set(properties, ShopDatabase.CAPTURE);
    PGProperty.PASSWORD.set(properties, ShopDatabase.CAPTURE_PASSWORD);
    PGProperty.REPLICATION.set(properties, "database");
    PGProperty.PREFER_QUERY_MODE.set(properties, "simple");
    PGProperty.ASSUME_MIN_SERVER_VERSION.set(properties, "10");
    return DriverManager.getConnection(db.postgres.jdbcUrl(), properties);
  }

  private static List<Change> read(PGReplicationStream stream, int expected) throws Exception {
    PgOutputDecoder decoder = new PgOutputDecoder();
    List<Change> changes = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (changes.size() < expected && System.nanoTime() < deadline) {
      ByteBuffer message = stream.readPending();
      if (message == null) {
        TimeUnit.MILLISECONDS.sleep(10);
        continue;
      }
      Change change = decoder.decode(message);
      if (change != null) {
        changes.add(change);
      }
      stream.setAppliedLSN(stream.getLastReceiveLSN());
      stream.setFlushedLSN(stream.getLastReceiveLSN());
    }
    return changes;
  }
}
