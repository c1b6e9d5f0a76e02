package io.cdcplatform.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.cdcplatform.health.HttpAnswers;
import io.cdcplatform.health.VerdictDocument;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * Serves the local pipeline's verdict over HTTP on loopback: {@code GET /health} answers the
 * verdict as JSON, {@code GET /ready} answers 200 when the pipeline is Ready and 503 otherwise.
 */
final class HealthEndpoint implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;

  HealthEndpoint(int port, HealthMonitor monitor) throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
    server.createContext(
        "/health",
        exchange -> {
          HealthMonitor.Judged judged = monitor.latest();
          respond(
              exchange,
              200,
              "application/json",
              JSON.writeValueAsString(VerdictDocument.of(judged.verdict(), judged.at())));
        });
    server.createContext(
        "/ready",
        exchange -> {
          HealthMonitor.Judged judged = monitor.latest();
          boolean ready = judged.verdict().ready().isTrue();
          respond(
              exchange,
              ready ? 200 : 503,
              "text/plain; charset=utf-8",
              VerdictDocument.line(judged.verdict()) + "\n");
        });
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/health";
  }

  private static void respond(HttpExchange exchange, int status, String type, String body)
      throws IOException {
    if (!"GET".equals(exchange.getRequestMethod())) {
      exchange.getResponseHeaders().set("Allow", "GET");
      HttpAnswers.respond(exchange, 405, "text/plain", "only GET is served here\n");
      return;
    }
    HttpAnswers.respond(exchange, status, type, body);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
