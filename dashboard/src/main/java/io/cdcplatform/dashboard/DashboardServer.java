package io.cdcplatform.dashboard;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cdcplatform.pipeline.PipelineDefinition;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.sse.SseClient;
import io.javalin.http.staticfiles.Location;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dashboard: one page ({@code /}) with a panel per analytic of the pipeline definition, kept
 * current by a server-sent event stream ({@code /events}); the JSON API it is built from ({@code
 * /api/...}), and {@code /metrics}.
 */
public final class DashboardServer implements AutoCloseable {

  static final int DEFAULT_MINUTES = 30;

  private static final Logger LOG = LoggerFactory.getLogger(DashboardServer.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final PipelineDefinition pipeline;
  private final AnalyticsQueries queries;
  private final HealthSource health;
  private final Javalin app;
  private final List<SseClient> clients = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService pusher =
      Executors.newSingleThreadScheduledExecutor(
          r -> Thread.ofPlatform().daemon().name("dashboard-push").unstarted(r));
  private final AtomicLong snapshots = new AtomicLong();
  private final AtomicLong queryErrors = new AtomicLong();
  private volatile Map<String, Object> latest = Map.of();
  private volatile List<Panels.Spec> resolved;

  /**
   * Starts the server on {@code host:port} (port 0: any free port).
   *
   * @param pipeline the definition whose analytics the page shows, one panel each
   * @param healthUrl where the pipeline's verdict is read, or null
   */
  public DashboardServer(
      PipelineDefinition pipeline,
      String host,
      int port,
      String jdbcUrl,
      String user,
      String password,
      String healthUrl,
      Duration push) {
    this.pipeline = pipeline;
    this.queries = new AnalyticsQueries(jdbcUrl, user, password);
    this.health = new HealthSource(healthUrl);
    this.app =
        Javalin.create(
            config -> {
              config.staticFiles.add("/static", Location.CLASSPATH);
              config.staticFiles.enableWebjars();
              config.startup.showJavalinBanner = false;
              config.routes.get("/api/panels", ctx -> json(ctx, panels()));
              config.routes.get(
                  "/api/panels/{name}",
                  ctx -> json(ctx, panel(ctx.pathParam("name"), minutes(ctx))));
              config.routes.get("/api/latency", ctx -> json(ctx, queries.latency(minutes(ctx))));
              config.routes.get("/api/health", ctx -> json(ctx, health.verdict()));
              config.routes.get("/api/snapshot", ctx -> json(ctx, snapshot(minutes(ctx))));
              config.routes.get("/metrics", this::metrics);
              config.routes.sse(
                  "/events",
                  client -> {
                    client.keepAlive();
                    client.onClose(() -> clients.remove(client));
                    clients.add(client);
                    if (!latest.isEmpty()) {
                      send(client, latest);
                    }
                  });
              config.routes.exception(
                  BadRequest.class,
                  (e, ctx) ->
                      ctx.status(400)
                          .contentType("application/json")
                          .result(error(e.getMessage())));
              config.routes.exception(
                  SQLException.class,
                  (e, ctx) -> {
                    queryErrors.incrementAndGet();
                    ctx.status(503)
                        .contentType("application/json")
                        .result(error("the analytics database did not answer: " + e.getMessage()));
                  });
            });
    app.start(host, port);
    pusher.scheduleWithFixedDelay(this::push, 0, push.toMillis(), TimeUnit.MILLISECONDS);
  }

  public int port() {
    return app.port();
  }

  /**
   * The panels, resolved against the tables once they all exist, and again on every look until then
   * (the job creates its tables when it starts).
   */
  private List<Panels.Spec> panels() throws SQLException {
    List<Panels.Spec> known = resolved;
    if (known == null) {
      known = queries.panels(pipeline);
      if (known.stream().allMatch(Panels.Spec::ready)) {
        resolved = known;
      }
    }
    return known;
  }

  /** One panel's rows. */
  private List<Map<String, Object>> panel(String name, int minutes) throws SQLException {
    for (Panels.Spec spec : panels()) {
      if (spec.name().equals(name)) {
        return queries.panel(spec, minutes);
      }
    }
    throw new BadRequest(
        "name: expected one of the pipeline's analytics ("
            + String.join(", ", pipeline.analytics().stream().map(a -> a.name()).toList())
            + "), got \""
            + name
            + "\"");
  }

  /** Everything the page shows, in one document: each panel with its rows, latency, verdict. */
  Map<String, Object> snapshot(int minutes) throws SQLException {
    Map<String, Object> snapshot = new LinkedHashMap<>();
    snapshot.put("at", java.time.Instant.now().toString());
    snapshot.put("pipeline", pipeline.name());
    List<Map<String, Object>> panels = new java.util.ArrayList<>();
    for (Panels.Spec spec : panels()) {
      Map<String, Object> panel = new LinkedHashMap<>();
      panel.put("spec", spec);
      panel.put("rows", queries.panel(spec, minutes));
      panels.add(panel);
    }
    snapshot.put("panels", panels);
    snapshot.put("latency", queries.latency(minutes));
    snapshot.put("freshnessMs", queries.freshnessMillis());
    snapshot.put("health", health.verdict());
    return snapshot;
  }

  private void push() {
    try {
      Map<String, Object> snapshot = snapshot(DEFAULT_MINUTES);
      latest = snapshot;
      snapshots.incrementAndGet();
      for (SseClient client : clients) {
        send(client, snapshot);
      }
    } catch (SQLException | RuntimeException e) {
      queryErrors.incrementAndGet();
      LOG.warn("dashboard: snapshot failed: {}", e.getMessage());
    }
  }

  private void send(SseClient client, Map<String, Object> snapshot) {
    try {
      client.sendEvent("snapshot", JSON.writeValueAsString(snapshot));
    } catch (JsonProcessingException | RuntimeException e) {
      clients.remove(client);
    }
  }

  private void metrics(Context ctx) {
    StringBuilder out = new StringBuilder();
    gauge(out, "cdc_dashboard_sse_clients", "Pages connected to the event stream.", clients.size());
    counter(
        out, "cdc_dashboard_snapshots_total", "Snapshots pushed to the pages.", snapshots.get());
    counter(
        out,
        "cdc_dashboard_query_errors_total",
        "Reads of the analytics tables that failed.",
        queryErrors.get());
    Object freshness = latest.get("freshnessMs");
    if (freshness instanceof Number ms) {
      gauge(
          out,
          "cdc_dashboard_freshness_seconds",
          "How far the analytics tables trail the source.",
          ms.doubleValue() / 1000);
    }
    ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(out.toString());
  }

  private static void gauge(StringBuilder out, String name, String help, double value) {
    sample(out, name, help, "gauge", value);
  }

  private static void counter(StringBuilder out, String name, String help, double value) {
    sample(out, name, help, "counter", value);
  }

  private static void sample(
      StringBuilder out, String name, String help, String type, double value) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    out.append(name)
        .append(' ')
        .append(
            String.format(
                Locale.ROOT,
                "%s",
                value == Math.rint(value) ? String.valueOf((long) value) : String.valueOf(value)))
        .append('\n');
  }

  private static int minutes(Context ctx) {
    return BadRequest.intParam("minutes", ctx.queryParam("minutes"), DEFAULT_MINUTES, 1, 1440);
  }

  private static void json(Context ctx, Object body) throws JsonProcessingException {
    ctx.contentType("application/json").result(JSON.writeValueAsString(body));
  }

  private static String error(String message) {
    try {
      return JSON.writeValueAsString(Map.of("error", message));
    } catch (JsonProcessingException e) {
      return "{\"error\":\"bad request\"}";
    }
  }

  @Override
  public void close() {
    pusher.shutdownNow();
    clients.forEach(SseClient::close);
    app.stop();
  }
}
