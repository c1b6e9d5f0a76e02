package io.cdcplatform.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** The Debezium connector and the Connect cluster running it. */
public class CaptureSpec {

  @Required
  @JsonPropertyDescription("Name of the Strimzi KafkaConnect resource in this namespace.")
  private String connect;

  @Required
  @JsonPropertyDescription("Name of the Strimzi KafkaConnector resource in this namespace.")
  private String connector;

  public String getConnect() {
    return connect;
  }

  public void setConnect(String connect) {
    this.connect = connect;
  }

  public String getConnector() {
    return connector;
  }

  public void setConnector(String connector) {
    this.connector = connector;
  }
}
