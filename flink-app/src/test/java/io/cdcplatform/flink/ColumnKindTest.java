package io.cdcplatform.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.Arrays;
import org.apache.flink.table.types.logical.LogicalTypeRoot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every carried PostgreSQL type, as Debezium's JSON holds it with the connector's settings, into
 * the value Flink's table API expects: exact at the edges, and refused by name where the Flink type
 * cannot hold a value.
 */
class ColumnKindTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static Object carried(String type, String json) throws Exception {
    SourceColumn column = SourceCatalog.column("c", type, "b", true);
    JsonNode node = JSON.readTree(json);
    return column.kind().external(column.kind().decode(node, column.precision(), column.scale()));
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "smallint | -32768 | -32768",
        "integer | 2147483647 | 2147483647",
        "bigint | -9223372036854775808 | -9223372036854775808",
        "numeric(38,0) | \"99999999999999999999999999999999999999\""
            + " | 99999999999999999999999999999999999999",
        "numeric(12,2) | \"-0.00\" | 0.00",
        "numeric(12,2) | \"7\" | 7.00",
        "numeric | \"12345678901234567890.123456789012345678\""
            + " | 12345678901234567890.123456789012345678",
        "numeric(50,10) | \"1.5\" | 1.5000000000",
        "real | -0.0 | -0.0",
        "double precision | \"NaN\" | NaN",
        "double precision | \"-Infinity\" | -Infinity",
        "double precision | 1.7976931348623157E308 | 1.7976931348623157E308",
        "boolean | false | false",
        "text | \"\" | ''",
        "text | \"žluťoučký kůň 🐎\" | žluťoučký kůň 🐎",
        "character varying(5) | \"abc\" | abc",
        "character(3) | \"ab \" | 'ab '",
        "uuid | \"0b9a1c1e-8f3e-4c3e-9d1a-2b3c4d5e6f70\" | 0b9a1c1e-8f3e-4c3e-9d1a-2b3c4d5e6f70",
        "jsonb | \"{\\\"a\\\": [1, null]}\" | '{\"a\": [1, null]}'",
        "json | \"[]\" | []",
        "date | -719162 | 0001-01-01",
        "date | 2932896 | 9999-12-31",
        "time(3) without time zone | 45296789000 | 12:34:56.789",
        "time without time zone | 45296500001 | 12:34:56.500001",
        "time without time zone | 86400000000 | 24:00:00",
        "timestamp without time zone | -62135596800000000 | 0001-01-01T00:00",
        "timestamp without time zone | 4102444800000001 | 2100-01-01T00:00:00.000001",
        "timestamp with time zone | \"1969-12-31T23:59:59.999999Z\""
            + " | 1969-12-31T23:59:59.999999Z",
        "timestamp with time zone | \"2262-04-12T00:00:00Z\" | 2262-04-12T00:00:00Z",
      })
  void everyCarriedTypeKeepsItsValueExactly(String type, String json, String expected)
      throws Exception {
    Object value = carried(type, json);

    assertThat(value).isNotNull();
    assertThat(value.toString()).isEqualTo(expected);
  }

  @Test
  void valuesArriveInTheClassesTheTableApiExpects() throws Exception {
    assertThat(carried("smallint", "1")).isInstanceOf(Short.class);
    assertThat(carried("integer", "1")).isInstanceOf(Integer.class);
    assertThat(carried("bigint", "1")).isInstanceOf(Long.class);
    assertThat(carried("numeric(5,1)", "\"1.5\"")).isInstanceOf(BigDecimal.class);
    assertThat(carried("real", "1.5")).isInstanceOf(Float.class);
    assertThat(carried("double precision", "1.5")).isInstanceOf(Double.class);
    assertThat(carried("date", "0")).isEqualTo(LocalDate.EPOCH);
    assertThat(carried("time(0) without time zone", "0")).isEqualTo(LocalTime.MIDNIGHT);
    assertThat(carried("timestamp without time zone", "0"))
        .isEqualTo(LocalDateTime.parse("1970-01-01T00:00"));
    assertThat(carried("timestamp with time zone", "\"1970-01-01T00:00:00Z\""))
        .isEqualTo(Instant.EPOCH);
    assertThat((byte[]) carried("bytea", "\"AP8=\"")).containsExactly(0, -1);
    assertThat(Arrays.asList(SourceCatalog.column("c", "integer", "b", true).dataType()))
        .allSatisfy(t -> assertThat(t.getLogicalType().isNullable()).isTrue());
    assertThat(SourceCatalog.column("c", "integer", "b", false).dataType().getLogicalType())
        .satisfies(t -> assertThat(t.isNullable()).isFalse());
    assertThat(
            SourceCatalog.column("c", "timestamp with time zone", "b", true)
                .dataType()
                .getLogicalType()
                .getTypeRoot())
        .isEqualTo(LogicalTypeRoot.TIMESTAMP_WITH_LOCAL_TIME_ZONE);
    assertThat(SourceCatalog.column("c", "mood", "e", true).kind()).isEqualTo(ColumnKind.TEXT);
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "numeric(12,2) | \"1.005\" | has more than 2 decimal places, which DECIMAL(12, 2) cannot hold",
        "numeric(5,2) | \"1000.00\" | has more than 3 integer digits",
        "numeric(12,2) | \"NaN\" | expected a decimal, got 'NaN', which DECIMAL(12, 2) cannot hold",
        "numeric | \"123456789012345678901\" | has more than 20 integer digits",
        "time(3) without time zone | 1001 | expected a time with at most milliseconds",
        "integer | \"1\" | expected a whole number, got \"1\"",
        "boolean | 1 | expected true or false",
        "bytea | \"***\" | expected base64 bytes",
        "timestamp with time zone | \"infinity\" | expected an ISO-8601 UTC timestamp",
      })
  void aValueTheFlinkTypeCannotHoldIsRefusedByName(String type, String json, String reason) {
    assertThatThrownBy(() -> carried(type, json))
        .isInstanceOf(ColumnKind.Refused.class)
        .hasMessageContaining(reason);
  }

  @Test
  void typesThePlatformDoesNotCarryAreLeftOut() {
    assertThat(SourceCatalog.column("c", "integer[]", "b", true)).isNull();
    assertThat(SourceCatalog.column("c", "interval", "b", true)).isNull();
    assertThat(SourceCatalog.column("c", "point", "b", true)).isNull();
  }
}
