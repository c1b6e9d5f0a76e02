package io.cdcplatform.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The dashboard in headless Chromium, served by the running local pipeline: its charts draw with
 * data, the strip shows every stage, values move without a reload, and a failing stage turns red
 * with its reason. Leaves a screenshot at local/target/dashboard.png.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardBrowserIT {

  private static final Duration PATIENCE = Duration.ofSeconds(90);

  @TempDir static Path work;
  static LocalPipeline pipeline;
  static HeadlessChromium browser;

  @BeforeAll
  static void start() throws Exception {
    pipeline = new LocalPipeline();
    List<String> arguments = TestPipelines.arguments(work);
    arguments.addAll(List.of("--rate", "200", "--status-interval", "30"));
    new CommandLine(pipeline).parseArgs(arguments.toArray(String[]::new));
    assertThat(pipeline.start()).as("the local pipeline started; see " + work).isNotNull();
    browser = new HeadlessChromium(work.resolve("chromium"), 1400, 1500);
    browser.navigate(pipeline.dashboardUrl());
  }

  @AfterAll
  static void stop() throws Exception {
    if (browser != null) {
      browser.close();
    }
    if (pipeline != null) {
      pipeline.stopAll();
    }
  }

  @Test
  @Order(1)
  void everyChartDrawsWithDataAndTheStripShowsEveryStageReady() throws Exception {
    await(
        "every chart with data and five green stages",
        page ->
            page.path("revenue").asInt() > 0
                && page.path("statuses").asInt() > 0
                && page.path("customers").asInt() > 0
                && page.path("latency").asInt() > 0
                && page.path("stagesOk").asInt() == 5);

    JsonNode page = look();
    assertThat(page.path("stages").asInt()).isEqualTo(5);
    assertThat(page.path("connection").asText()).isEqualTo("live");
    assertThat(page.path("stripText").asText())
        .contains("slot lag", "task(s) running", "3 brokers", "checkpoint", "freshness");
    browser.screenshot(Path.of(System.getProperty("cdc.home"), "local/target/dashboard.png"));
  }

  @Test
  @Order(2)
  void valuesMoveWithoutAReload() throws Exception {
    JsonNode before = look();
    long orders = before.path("orders").asLong();
    long snapshots = before.path("snapshots").asLong();

    JsonNode after =
        await("more orders on the status chart", page -> page.path("orders").asLong() > orders);

    assertThat(after.path("snapshots").asLong()).isGreaterThan(snapshots);
    assertThat(after.path("navigations").asInt()).as("no reload").isEqualTo(1);
  }

  @Test
  @Order(3)
  void aFailingStageTurnsRedWithItsReason() throws Exception {
    SupervisedChild worker = pipeline.connect().process();
    worker.stop(Duration.ofSeconds(20));
    try {
      JsonNode page =
          await(
              "the capture stage red",
              p ->
                  p.path("captureClass").asText().contains("failing")
                      || p.path("captureClass").asText().contains("unknown"));
      // While the worker shuts down it may still answer, without the connector, before it stops
      // answering at all: either way the reason and the object are named.
      assertThat(page.path("captureReason").asText())
          .matches(
              "(Unreachable: Kafka Connect at|ConnectorMissing: connector|ConnectorNotRunning: connector).+");
      browser.screenshot(
          Path.of(System.getProperty("cdc.home"), "local/target/dashboard-capture-down.png"));
    } finally {
      worker.resume();
    }
    await("every stage green again", p -> p.path("stagesOk").asInt() == 5);
  }

  private static final String LOOK =
      """
      JSON.stringify((() => {
        if (typeof Chart === 'undefined' || !document.getElementById('strip')) return { loading: true };
        const data = id => { const c = Chart.getChart(id); return c ? c.data.datasets.reduce((n, d) => n + d.data.filter(v => v != null && v !== 0).length, 0) : 0; };
        const statusChart = Chart.getChart('status');
        const capture = document.querySelector('.stage[data-stage="CaptureReady"]');
        return {
          snapshots: (window.cdcDashboard || {}).snapshots || 0,
          revenue: data('revenue'), statuses: data('status'), customers: data('customers'), latency: data('latency'),
          orders: statusChart ? statusChart.data.datasets[0].data.reduce((a, b) => a + b, 0) : 0,
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

  private static JsonNode look() throws Exception {
    return new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(browser.evaluate(LOOK).asText());
  }

  private static JsonNode await(String expected, Predicate<JsonNode> matches) throws Exception {
    long start = System.nanoTime();
    JsonNode last = null;
    while (HeadlessChromium.since(start).compareTo(PATIENCE) < 0) {
      last = look();
      if (matches.test(last)) {
        return last;
      }
      Thread.sleep(500);
    }
    throw new AssertionError(
        "the page did not show " + expected + " within " + PATIENCE.toSeconds() + " s: " + last);
  }
}
