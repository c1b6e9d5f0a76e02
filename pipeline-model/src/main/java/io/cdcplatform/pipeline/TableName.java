package io.cdcplatform.pipeline;

import java.io.Serializable;
import java.util.regex.Pattern;

/**
 * A table as {@code schema.table}, both parts plain lower-case SQL identifiers, so that the same
 * text names the table in PostgreSQL, in Flink SQL and in Debezium's settings.
 */
public record TableName(String schema, String table) implements Serializable {

  private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

  /**
   * Reads {@code schema.table}.
   *
   * @throws IllegalArgumentException saying what was expected
   */
  public static TableName parse(String text) {
    String[] parts = text.split("\\.", -1);
    if (parts.length != 2 || !identifier(parts[0]) || !identifier(parts[1])) {
      throw new IllegalArgumentException(
          "expected schema.table in lower-case SQL identifiers (e.g. shop.orders), got '"
              + text
              + "'");
    }
    return new TableName(parts[0], parts[1]);
  }

  /** Whether a text is a plain lower-case SQL identifier. */
  public static boolean identifier(String text) {
    return IDENTIFIER.matcher(text).matches();
  }

  /** {@code schema.table}. */
  public String qualified() {
    return schema + "." + table;
  }

  @Override
  public String toString() {
    return qualified();
  }
}
