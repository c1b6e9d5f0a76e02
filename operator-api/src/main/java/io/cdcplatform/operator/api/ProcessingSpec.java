package io.cdcplatform.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** The analytics job and the FlinkDeployment running it. */
public class ProcessingSpec {

  @Required
  @JsonPropertyDescription("Name of the FlinkDeployment in this namespace.")
  private String flinkDeployment;

  @JsonPropertyDescription("Name of the job in Flink. Default cdc-analytics.")
  private String job = "cdc-analytics";

  @JsonPropertyDescription("Kafka consumer group of the job, for its lag. Default cdc-analytics.")
  private String consumerGroup = "cdc-analytics";

  @JsonPropertyDescription(
      "URL of the JobManager's REST API. Default http://<flinkDeployment>-rest:8081.")
  private String restUrl;

  public String getFlinkDeployment() {
    return flinkDeployment;
  }

  public void setFlinkDeployment(String flinkDeployment) {
    this.flinkDeployment = flinkDeployment;
  }

  public String getJob() {
    return job;
  }

  public void setJob(String job) {
    this.job = job;
  }

  public String getConsumerGroup() {
    return consumerGroup;
  }

  public void setConsumerGroup(String consumerGroup) {
    this.consumerGroup = consumerGroup;
  }

  public String getRestUrl() {
    return restUrl;
  }

  public void setRestUrl(String restUrl) {
    this.restUrl = restUrl;
  }
}
