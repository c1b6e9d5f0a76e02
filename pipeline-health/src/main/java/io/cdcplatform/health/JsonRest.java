package io.cdcplatform.health;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;

/**
 * GETs JSON from a REST API with short timeouts; every failure becomes a {@link ProbeException}.
 */
final class JsonRest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final String name;
  private final String baseUrl;
  private final HttpClient http;

  JsonRest(String name, String baseUrl) {
    this.name = name;
    this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
  }

  /** The body of a 200 answer; null on 404; a ProbeException on anything else. */
  JsonNode get(String path) {
    String url = baseUrl + path;
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
              HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() == 404) {
        return null;
      }
      if (response.statusCode() != 200) {
        throw new ProbeException(
            name + " at " + baseUrl + " answered " + path + " with HTTP " + response.statusCode());
      }
      return JSON.readTree(response.body());
    } catch (HttpTimeoutException e) {
      throw new ProbeException(name + " at " + baseUrl + " did not answer within 5 s");
    } catch (IOException e) {
      throw new ProbeException(name + " at " + baseUrl + " unreachable: " + describe(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ProbeException(name + " probe interrupted");
    }
  }

  static String describe(Throwable e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof java.net.ConnectException) {
        return "connection refused";
      }
    }
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage();
    return root.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }
}
