package io.cdcplatform.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.function.Predicate;

/** What a test reads off the dashboard page in the browser: its panels, strip and stream. */
final class DashboardPage {

  private static final ObjectMapper JSON = new ObjectMapper();

  // Each panel's drawn points (a chart's non-zero values, a table's rows), the sum of the charted
  // values, the strip and the connection.
  private static final String LOOK =
      """
      JSON.stringify((() => {
        if (typeof Chart === 'undefined' || !document.getElementById('strip')) return { loading: true };
        const points = c => c ? c.data.datasets.reduce((n, d) => n + d.data.filter(v => v != null && v !== 0).length, 0) : 0;
        const state = window.cdcDashboard || {};
        const panels = [...document.querySelectorAll('[data-panel]')].map(section => {
          const chart = Chart.getChart('panel-' + section.dataset.panel);
          return { name: section.dataset.panel, points: chart ? points(chart) : section.querySelectorAll('tr').length - 1 };
        });
        const total = ((state.last || {}).panels || []).filter(p => p.spec.chart !== 'table')
          .reduce((sum, p) => sum + p.rows.reduce((s, r) => s + Number(r.value || 0), 0), 0);
        const capture = document.querySelector('.stage[data-stage="CaptureReady"]');
        return {
          snapshots: state.snapshots || 0,
          panels, total,
          latency: points(Chart.getChart('latency')),
          stages: document.querySelectorAll('.stage').length,
          stagesOk: document.querySelectorAll('.stage.ok').length,
          stripText: document.getElementById('strip').innerText,
          captureClass: capture.className,
          captureReason: capture.querySelector('.reason').textContent,
          connection: document.getElementById('connection').textContent,
          navigations: performance.getEntriesByType('navigation').length
        };
      })())
      """;

  private DashboardPage() {}

  static JsonNode look(HeadlessChromium browser) throws Exception {
    return JSON.readTree(browser.evaluate(LOOK).asText());
  }

  static JsonNode await(
      HeadlessChromium browser, String expected, Predicate<JsonNode> matches, Duration patience)
      throws Exception {
    long start = System.nanoTime();
    JsonNode last = null;
    while (HeadlessChromium.since(start).compareTo(patience) < 0) {
      last = look(browser);
      if (matches.test(last)) {
        return last;
      }
      Thread.sleep(500);
    }
    throw new AssertionError(
        "the page did not show " + expected + " within " + patience.toSeconds() + " s: " + last);
  }

  /** Waits until every panel and the latency chart have data and all six stages are green. */
  static JsonNode awaitEveryPanelDrawn(HeadlessChromium browser, Duration patience)
      throws Exception {
    return await(
        browser,
        "every panel with data and six green stages",
        page -> {
          JsonNode panels = page.path("panels");
          boolean drawn = panels.size() > 0;
          for (JsonNode panel : panels) {
            drawn &= panel.path("points").asInt() > 0;
          }
          return drawn && page.path("latency").asInt() > 0 && page.path("stagesOk").asInt() == 6;
        },
        patience);
  }
}
