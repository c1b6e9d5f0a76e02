package io.cdcplatform.flink;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Base64;

/**
 * How a PostgreSQL column's values travel, given the connector's settings ({@code
 * decimal.handling.mode: string}, {@code time.precision.mode: adaptive_time_microseconds}, bytes as
 * base64): what Debezium's JSON holds, the value the job keeps in state, and the value Flink's
 * table API expects for the column's type. Every value is carried exactly; one that the column's
 * Flink type cannot hold is refused with the reason, never rounded.
 */
enum ColumnKind {
  SMALLINT,
  INTEGER,
  BIGINT,
  /** numeric(p, s) with p up to 38: DECIMAL(p, s). */
  DECIMAL,
  REAL,
  DOUBLE,
  BOOLEAN,
  /** text, varchar, char, uuid, json, jsonb, enums and other values Debezium sends as text. */
  TEXT,
  /** bytea, base64 in the JSON. */
  BYTES,
  /** days since 1970-01-01. */
  DATE,
  /** time(0..3): microseconds since midnight, carried as TIME(p). */
  TIME,
  /** time(4..6): microseconds since midnight, carried as text as PostgreSQL prints it. */
  TIME_TEXT,
  /** timestamp: microseconds since 1970 of the wall time, read as UTC. */
  TIMESTAMP,
  /** timestamptz: an ISO-8601 instant. */
  TIMESTAMPTZ;

  /** Whether a column of this kind can give a change its event time. */
  boolean temporal() {
    return this == DATE || this == TIMESTAMP || this == TIMESTAMPTZ;
  }

  /** What is wrong with a value; the message becomes a dead letter's reason. */
  static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;

    Refused(String message) {
      super(message, null, false, false);
    }
  }

  /** The value kept in state for a non-null JSON value of a column. */
  Object decode(JsonNode node, int precision, int scale) throws Refused {
    switch (this) {
      case SMALLINT:
      case INTEGER:
      case BIGINT:
        return whole(node);
      case DECIMAL:
        return decimal(node, precision, scale);
      case REAL:
      case DOUBLE:
        return floating(node);
      case BOOLEAN:
        if (!node.isBoolean()) {
          throw refused("true or false", node);
        }
        return node.booleanValue();
      case TEXT:
        return text(node);
      case BYTES:
        try {
          return Base64.getDecoder().decode(text(node));
        } catch (IllegalArgumentException e) {
          throw refused("base64 bytes", node);
        }
      case DATE:
        if (!node.canConvertToInt()) {
          throw refused("days since 1970-01-01", node);
        }
        return node.intValue();
      case TIME:
      case TIME_TEXT:
      case TIMESTAMP:
        if (!node.isIntegralNumber() || !node.canConvertToLong()) {
          throw refused("microseconds as a whole number", node);
        }
        long micros = node.longValue();
        if (this == TIME && micros % 1_000 != 0) {
          throw new Refused("expected a time with at most milliseconds, got " + micros + " µs");
        }
        return micros;
      case TIMESTAMPTZ:
        try {
          Instant instant = Instant.parse(text(node));
          return Math.addExact(
              Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000L);
        } catch (DateTimeParseException | ArithmeticException e) {
          throw refused("an ISO-8601 UTC timestamp", node);
        }
      default:
        throw new IllegalStateException("unhandled kind " + this);
    }
  }

  /** The state value as the table API's default class for the column's type. */
  Object external(Object value) {
    if (value == null) {
      return null;
    }
    switch (this) {
      case SMALLINT:
        return ((Number) value).shortValue();
      case INTEGER:
        return ((Number) value).intValue();
      case BIGINT:
        return ((Number) value).longValue();
      case REAL:
        return ((Number) value).floatValue();
      case DOUBLE:
        return ((Number) value).doubleValue();
      case DATE:
        return LocalDate.ofEpochDay((Integer) value);
      case TIME:
        return LocalTime.ofNanoOfDay((Long) value * 1_000L);
      case TIME_TEXT:
        return timeText((Long) value);
      case TIMESTAMP:
        return micros((Long) value).atOffset(ZoneOffset.UTC).toLocalDateTime();
      case TIMESTAMPTZ:
        return micros((Long) value);
      default:
        return value;
    }
  }

  /** Epoch milliseconds of a temporal state value, for event time. */
  long epochMillis(Object value) {
    if (this == DATE) {
      return LocalDate.ofEpochDay((Integer) value).toEpochDay() * 86_400_000L;
    }
    return Math.floorDiv((Long) value, 1_000L);
  }

  static Instant micros(long micros) {
    return Instant.ofEpochSecond(
        Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
  }

  /** A time of day as PostgreSQL prints it: {@code HH:MM:SS}, then the fraction without zeros. */
  static String timeText(long micros) {
    if (micros >= 86_400_000_000L) {
      return "24:00:00";
    }
    LocalTime time = LocalTime.ofNanoOfDay(micros * 1_000L);
    String text =
        String.format("%02d:%02d:%02d", time.getHour(), time.getMinute(), time.getSecond());
    long fraction = micros % 1_000_000L;
    return fraction == 0
        ? text
        : text + "." + String.format("%06d", fraction).replaceAll("0+$", "");
  }

  private static Object whole(JsonNode node) throws Refused {
    if (!node.isIntegralNumber() || !node.canConvertToLong()) {
      throw refused("a whole number", node);
    }
    return node.longValue();
  }

  private static BigDecimal decimal(JsonNode node, int precision, int scale) throws Refused {
    String text = node.isTextual() ? node.textValue() : null;
    if (text == null) {
      throw refused("a decimal as a string", node);
    }
    BigDecimal decimal;
    try {
      decimal = new BigDecimal(text);
    } catch (NumberFormatException e) {
      throw new Refused(
          "expected a decimal, got '"
              + brief(text)
              + "', which DECIMAL("
              + precision
              + ", "
              + scale
              + ") cannot hold");
    }
    BigDecimal scaled;
    try {
      scaled = decimal.setScale(scale);
    } catch (ArithmeticException e) {
      throw new Refused(
          "the value "
              + brief(text)
              + " has more than "
              + scale
              + " decimal places, which DECIMAL("
              + precision
              + ", "
              + scale
              + ") cannot hold");
    }
    if (scaled.precision() > precision) {
      throw new Refused(
          "the value "
              + brief(text)
              + " has more than "
              + (precision - scale)
              + " integer digits, which DECIMAL("
              + precision
              + ", "
              + scale
              + ") cannot hold");
    }
    return scaled;
  }

  private static Object floating(JsonNode node) throws Refused {
    if (node.isNumber()) {
      return node.doubleValue();
    }
    if (node.isTextual()) {
      switch (node.textValue()) {
        case "NaN":
          return Double.NaN;
        case "Infinity":
          return Double.POSITIVE_INFINITY;
        case "-Infinity":
          return Double.NEGATIVE_INFINITY;
        default:
          break;
      }
    }
    throw refused("a number, NaN or Infinity", node);
  }

  private static String text(JsonNode node) throws Refused {
    if (!node.isTextual()) {
      throw refused("a string", node);
    }
    return node.textValue();
  }

  private static Refused refused(String expected, JsonNode node) {
    return new Refused("expected " + expected + ", got " + brief(node.toString()));
  }

  static String brief(String text) {
    return text.length() > 60 ? text.substring(0, 60) + "…" : text;
  }
}
