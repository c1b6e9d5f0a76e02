package io.cdcplatform.health;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** Reads a connector's state and its tasks' from the Kafka Connect REST API. */
public final class ConnectProbe {

  private final JsonRest rest;
  private final String connector;

  /**
   * @param restUrl the Connect worker's REST URL, e.g. {@code http://127.0.0.1:8083}
   * @param connector the connector's name
   */
  public ConnectProbe(String restUrl, String connector) {
    this.rest = new JsonRest("Kafka Connect", restUrl);
    this.connector = connector;
  }

  public Observed<CaptureObservation> observe() {
    try {
      return Observed.of(connector());
    } catch (ProbeException e) {
      return Observed.failed(e.getMessage());
    }
  }

  /** The connector's state, with no Strimzi resource (the reconciler adds it). */
  public CaptureObservation connector() {
    JsonNode status = rest.get("/connectors/" + connector + "/status");
    if (status == null) {
      return new CaptureObservation(connector, null, List.of());
    }
    List<CaptureObservation.Task> tasks = new ArrayList<>();
    for (JsonNode task : status.path("tasks")) {
      tasks.add(
          new CaptureObservation.Task(
              task.path("id").asInt(),
              task.path("state").asText("UNKNOWN"),
              firstLine(task.path("trace").asText(""))));
    }
    return new CaptureObservation(
        connector, status.path("connector").path("state").asText("UNKNOWN"), tasks);
  }

  private static String firstLine(String text) {
    int newline = text.indexOf('\n');
    return (newline < 0 ? text : text.substring(0, newline)).strip();
  }
}
