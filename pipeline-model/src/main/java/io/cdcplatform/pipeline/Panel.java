package io.cdcplatform.pipeline;

import java.io.Serializable;

/**
 * How the dashboard shows an analytic: a chart kind and the result columns it draws. Without one
 * declared, an analytic with a window is drawn over its window column, one series per group, and
 * any other as the top rows of a table.
 *
 * @param chart {@code timeseries}: {@code value} per {@code x} (a time column), one series per
 *     {@code series}; {@code bars}: {@code value} per {@code x}, the {@code top} largest; {@code
 *     table}: the {@code top} rows, largest {@code value} first
 * @param series the column naming a series, or {@code null} (timeseries only)
 */
public record Panel(String chart, String x, String series, String value, int top)
    implements Serializable {

  /** The chart kinds the dashboard draws. */
  public static final java.util.List<String> CHARTS =
      java.util.List.of("timeseries", "bars", "table");
}
