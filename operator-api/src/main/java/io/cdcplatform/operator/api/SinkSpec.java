package io.cdcplatform.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import java.util.ArrayList;
import java.util.List;

/** The analytics tables, in the source database. */
public class SinkSpec {

  @JsonPropertyDescription("The analytics tables the job keeps, as schema.table.")
  private List<@Pattern("^[a-z_][a-z0-9_]*\\.[a-z_][a-z0-9_]*$") String> tables = new ArrayList<>();

  @Pattern("^[a-z_][a-z0-9_]*\\.[a-z_][a-z0-9_]*$")
  @JsonPropertyDescription(
      "Table holding the newest heartbeat that made it through the pipeline. Default"
          + " analytics.freshness.")
  private String freshnessTable = "analytics.freshness";

  public List<String> getTables() {
    return tables;
  }

  public void setTables(List<String> tables) {
    this.tables = tables;
  }

  public String getFreshnessTable() {
    return freshnessTable;
  }

  public void setFreshnessTable(String freshnessTable) {
    this.freshnessTable = freshnessTable;
  }
}
