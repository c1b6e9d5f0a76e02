package io.cdcplatform.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard in headless Chromium, served by the running local pipeline of the shop: one panel
 * per analytic of its definition, each drawn with data, the strip shows every stage, values move
 * without a reload, and a failing stage turns red with its reason. Leaves a screenshot at
 * local/target/dashboard.png.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardBrowserIT {

  private static final Duration PATIENCE = Duration.ofSeconds(90);

  @TempDir static Path work;
  static LocalPipeline pipeline;
  static HeadlessChromium browser;

  @BeforeAll
  static void start() throws Exception {
    pipeline = TestPipelines.start(work, "--rate", "200", "--status-interval", "30");
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
    JsonNode page = DashboardPage.awaitEveryPanelDrawn(browser, PATIENCE);

    assertThat(page.path("panels").findValuesAsText("name"))
        .containsExactly("status_totals", "category_revenue_minute", "customer_value");
    assertThat(page.path("stages").asInt()).isEqualTo(6);
    assertThat(page.path("connection").asText()).isEqualTo("live");
    assertThat(page.path("stripText").asText())
        .contains("slot lag", "task(s) running", "3 brokers", "checkpoint", "freshness");
    browser.screenshot(Path.of(System.getProperty("cdc.home"), "local/target/dashboard.png"));
  }

  @Test
  @Order(2)
  void valuesMoveWithoutAReload() throws Exception {
    JsonNode before = look();
    double total = before.path("total").asDouble();
    long snapshots = before.path("snapshots").asLong();

    JsonNode after =
        await("the charted values moving", page -> page.path("total").asDouble() != total);

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
    await("every stage green again", p -> p.path("stagesOk").asInt() == 6);
  }

  private static JsonNode look() throws Exception {
    return DashboardPage.look(browser);
  }

  private static JsonNode await(String expected, Predicate<JsonNode> matches) throws Exception {
    return DashboardPage.await(browser, expected, matches, PATIENCE);
  }
}
