package io.cdcplatform.operator;

import com.sun.net.httpserver.HttpServer;
import io.cdcplatform.health.HttpAnswers;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The reconciler's HTTP endpoints: {@code /metrics} (Prometheus text format), {@code /healthz} (the
 * process serves) and {@code /readyz} (the operator started and its informers are healthy).
 */
final class OperatorEndpoints implements AutoCloseable {

  private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
      new com.fasterxml.jackson.databind.ObjectMapper();

  private final HttpServer server;

  OperatorEndpoints(int port, PipelineMetrics metrics, BooleanSupplier ready) throws IOException {
    server = HttpServer.create(new InetSocketAddress(port), 0);
    server.createContext(
        "/metrics",
        exchange ->
            HttpAnswers.respond(
                exchange, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.render()));
    server.createContext(
        "/verdicts/",
        exchange -> {
          String[] parts = exchange.getRequestURI().getPath().split("/");
          var verdict =
              parts.length == 4
                  ? metrics.verdict(parts[2], parts[3])
                  : java.util.Optional.<Map<String, Object>>empty();
          if (verdict.isEmpty()) {
            HttpAnswers.respond(
                exchange,
                404,
                "application/json",
                "{\"error\":\"no verdict for "
                    + exchange.getRequestURI().getPath()
                    + "; expected /verdicts/<namespace>/<name> of a judged CdcPipeline\"}\n");
          } else {
            HttpAnswers.respond(
                exchange, 200, "application/json", JSON.writeValueAsString(verdict.get()));
          }
        });
    server.createContext(
        "/healthz", exchange -> HttpAnswers.respond(exchange, 200, "text/plain", "ok\n"));
    server.createContext(
        "/readyz",
        exchange -> {
          boolean isReady = ready.getAsBoolean();
          HttpAnswers.respond(
              exchange, isReady ? 200 : 503, "text/plain", isReady ? "ready\n" : "starting\n");
        });
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
