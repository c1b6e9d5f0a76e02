package io.cdcplatform.flink;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class CheckpointedUpsertSinkTest {

  private final CheckpointedUpsertSink.Target target =
      new CheckpointedUpsertSink.Target(
          "jdbc:postgresql://db/app",
          "app",
          "",
          "analytics.category_revenue_minute",
          List.of("category", "minute_start", "order_count", "revenue"),
          2);

  @Test
  void upsertConflictsOnTheKeyColumnsAndUpdatesTheRest() {
    assertThat(target.upsert())
        .isEqualTo(
            "INSERT INTO analytics.category_revenue_minute (category, minute_start, order_count,"
                + " revenue) VALUES (?, ?, ?, ?) ON CONFLICT (category, minute_start) DO UPDATE"
                + " SET order_count = EXCLUDED.order_count, revenue = EXCLUDED.revenue");
  }

  @Test
  void deleteMatchesEveryKeyColumn() {
    assertThat(target.delete())
        .isEqualTo(
            "DELETE FROM analytics.category_revenue_minute WHERE category = ? AND minute_start = ?");
  }
}
