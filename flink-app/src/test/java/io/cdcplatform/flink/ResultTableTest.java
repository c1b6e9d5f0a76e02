package io.cdcplatform.flink;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ResultTableTest {

  private final ResultTable.Target target =
      new ResultTable.Target(
          "jdbc:postgresql://db/app",
          "app",
          "",
          "analytics.category_revenue_minute",
          List.of("category", "minute_start", "order_count", "revenue"),
          List.of(0, 1));

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

  @Test
  void keyColumnsMayStandAnywhereAndAResultOfOnlyKeysIsInsertedOnce() {
    ResultTable.Target keyLast =
        new ResultTable.Target(
            "jdbc:postgresql://db/app", "app", "", "x.t", List.of("total", "day"), List.of(1));
    assertThat(keyLast.upsert())
        .isEqualTo(
            "INSERT INTO x.t (total, day) VALUES (?, ?) ON CONFLICT (day) DO UPDATE SET total ="
                + " EXCLUDED.total");
    assertThat(keyLast.delete()).isEqualTo("DELETE FROM x.t WHERE day = ?");
    ResultTable.Target onlyKeys =
        new ResultTable.Target(
            "jdbc:postgresql://db/app", "app", "", "x.t", List.of("a", "b"), List.of(0, 1));
    assertThat(onlyKeys.upsert())
        .isEqualTo("INSERT INTO x.t (a, b) VALUES (?, ?) ON CONFLICT (a, b) DO NOTHING");
  }
}
