package io.cdcplatform.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.cdcplatform.health.VerdictDocument;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;

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
      byte[] message = "only GET is served here\n".getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().putAll(Map.of("Allow", java.util.List.of("GET")));
      exchange.sendResponseHeaders(405, message.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(message);
      }
      return;
    }
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
