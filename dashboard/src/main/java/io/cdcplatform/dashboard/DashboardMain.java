package io.cdcplatform.dashboard;

import io.cdcplatform.pipeline.PipelineDefinition;
import io.cdcplatform.pipeline.PipelineDefinitions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Starts the dashboard from the environment: {@code DASHBOARD_PIPELINE} (the pipeline definition,
 * whose analytics it shows), {@code DASHBOARD_JDBC_URL}, {@code DASHBOARD_USER}, {@code
 * DASHBOARD_PASSWORD} (a read-only login), {@code DASHBOARD_HEALTH_URL} (the verdict's JSON),
 * {@code DASHBOARD_PORT} (default 8080).
 */
public final class DashboardMain {

  private DashboardMain() {}

  public static void main(String[] args) {
    Map<String, String> env = System.getenv();
    try {
      String url = required(env, "DASHBOARD_JDBC_URL");
      String user = required(env, "DASHBOARD_USER");
      String password = required(env, "DASHBOARD_PASSWORD");
      int port = BadRequest.intParam("DASHBOARD_PORT", env.get("DASHBOARD_PORT"), 8080, 1, 65535);
      PipelineDefinition pipeline =
          PipelineDefinitions.load(Path.of(required(env, "DASHBOARD_PIPELINE")));
      DashboardServer server =
          new DashboardServer(
              pipeline,
              "0.0.0.0",
              port,
              url,
              user,
              password,
              env.get("DASHBOARD_HEALTH_URL"),
              Duration.ofSeconds(2));
      Runtime.getRuntime().addShutdownHook(new Thread(server::close, "dashboard-stop"));
      System.out.println("dashboard: serving on port " + server.port());
    } catch (IllegalArgumentException | BadRequest e) {
      System.err.println("dashboard: " + e.getMessage());
      System.exit(2);
    }
  }

  private static String required(Map<String, String> env, String name) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(name + ": required, missing");
    }
    return value;
  }
}
