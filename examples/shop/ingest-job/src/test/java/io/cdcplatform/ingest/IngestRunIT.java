package io.cdcplatform.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcplatform.ingest.IngestReport.Action;
import io.cdcplatform.ingest.IngestReport.Table;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What the job says it committed is what the database holds, row for row. */
class IngestRunIT {

  @RegisterExtension static final ShopDatabase db = ShopDatabase.migrated();

  @Test
  void committedRowsMatchTheGeneratorsModelAndReport() throws Exception {
    ShopModel model;
    IngestReport first;
    try (Connection connection = db.owner()) {
      model = ShopModel.load(connection);
      first = run(connection, model, 1, 4_000);
    }
    assertThat(first.changes()).isEqualTo(4_000);
    assertDatabaseEquals(model);
    assertCountsMatch(first);

    // A second run starts from what the database holds and keeps it consistent.
    IngestReport second;
    ShopModel reloaded;
    try (Connection connection = db.owner()) {
      reloaded = ShopModel.load(connection);
      assertThat(reloaded.orders()).isEqualTo(model.orders());
      second = run(connection, reloaded, 2, 3_000);
    }
    assertThat(second.changes()).isEqualTo(3_000);
    assertDatabaseEquals(reloaded);
    assertThat(db.count("SELECT count(*) FROM shop.orders"))
        .isEqualTo(
            first.count(Table.ORDERS, Action.INSERT)
                - first.count(Table.ORDERS, Action.DELETE)
                + second.count(Table.ORDERS, Action.INSERT)
                - second.count(Table.ORDERS, Action.DELETE));
  }

  private static IngestReport run(Connection connection, ShopModel model, long seed, long total)
      throws Exception {
    WorkloadShape shape = WorkloadShape.defaults().withTransactionSize(1, 8).withLateFraction(0.05);
    ByteArrayOutputStream progress = new ByteArrayOutputStream();
    WorkloadRunner runner =
        new WorkloadRunner(
            connection,
            new WorkloadGenerator(shape, seed, model, Clock.systemUTC()),
            new WorkloadRunner.Limits(Double.POSITIVE_INFINITY, total, null),
            Duration.ofMillis(200),
            new PrintStream(progress, true, StandardCharsets.UTF_8));
    return runner.run(() -> false);
  }

  private static void assertCountsMatch(IngestReport report) throws Exception {
    assertThat(db.count("SELECT count(*) FROM shop.orders"))
        .isEqualTo(
            report.count(Table.ORDERS, Action.INSERT) - report.count(Table.ORDERS, Action.DELETE));
    assertThat(db.count("SELECT count(*) FROM shop.customers"))
        .isEqualTo(
            report.count(Table.CUSTOMERS, Action.INSERT)
                - report.count(Table.CUSTOMERS, Action.DELETE));
    assertThat(db.count("SELECT count(*) FROM shop.products"))
        .isEqualTo(report.count(Table.PRODUCTS, Action.INSERT));
    assertThat(report.count(Table.ORDERS, Action.UPDATE)).isPositive();
    assertThat(report.count(Table.PRODUCTS, Action.UPDATE)).isPositive();
    assertThat(report.count(Table.CUSTOMERS, Action.DELETE)).isPositive();
    assertThat(report.lateOrders()).isPositive();
    assertThat(report.transactions()).isLessThan(report.changes());
  }

  private static void assertDatabaseEquals(ShopModel model) throws Exception {
    ShopModel stored;
    try (Connection connection = db.postgres.superuserConnection()) {
      stored = ShopModel.load(connection);
    }
    assertThat(stored.orders()).hasSizeGreaterThan(100).isEqualTo(model.orders());
    assertThat(stored.products()).isEqualTo(model.products());
    assertThat(stored.customerCount()).isEqualTo(model.customerCount());
  }
}
