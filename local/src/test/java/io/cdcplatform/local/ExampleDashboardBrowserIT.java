package io.cdcplatform.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard of the sensors example in headless Chromium: nothing of the example is in the
 * page's code, yet each of its analytics gets a panel drawn with data (a time series over the
 * windowed one, tables of the top rows for the others). Leaves local/target/dashboard-sensors.png.
 */
class ExampleDashboardBrowserIT {

  @TempDir static Path work;
  static LocalPipeline pipeline;
  static HeadlessChromium browser;

  @BeforeAll
  static void start() throws Exception {
    pipeline =
        TestPipelines.start(
            work,
            "--example",
            Path.of(System.getProperty("cdc.home"), "examples/sensors").toString(),
            "--rate",
            "20",
            "--status-interval",
            "30");
    browser = new HeadlessChromium(work.resolve("chromium"), 1400, 1800);
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
  void everyAnalyticOfTheExampleHasAPanelDrawnWithData() throws Exception {
    JsonNode page = DashboardPage.awaitEveryPanelDrawn(browser, Duration.ofSeconds(120));

    assertThat(page.path("panels").findValuesAsText("name"))
        .containsExactly(
            "sensor_minute",
            "site_sensors",
            "kind_activity",
            "sensor_directory",
            "annotated_readings");
    assertThat(page.path("connection").asText()).isEqualTo("live");
    browser.screenshot(
        Path.of(System.getProperty("cdc.home"), "local/target/dashboard-sensors.png"));
  }
}
