package io.cdcplatform.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where the dashboard reads the pipeline's verdict: the JSON of {@code make demo}'s {@code
 * /health}, or of the reconciler's {@code /verdicts/<namespace>/<name>} on Kubernetes. When it does
 * not answer, the strip says so instead of showing stale colours.
 */
final class HealthSource {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final String url;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  HealthSource(String url) {
    this.url = url;
  }

  /** The verdict document, or {@code {"available": false, "error": ...}}. */
  Object verdict() {
    if (url == null || url.isBlank()) {
      return unavailable("no health URL configured");
    }
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(3)).build(),
              HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        return unavailable(url + " answered HTTP " + response.statusCode());
      }
      JsonNode verdict = JSON.readTree(response.body());
      return verdict;
    } catch (IOException e) {
      return unavailable(url + " unreachable: " + e.getClass().getSimpleName());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return unavailable("interrupted");
    }
  }

  private static Map<String, Object> unavailable(String error) {
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("available", false);
    document.put("error", error);
    return document;
  }
}
