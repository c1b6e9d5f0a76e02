package io.cdcplatform.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;

/** The Strimzi Kafka cluster and how the reconciler reaches it. */
public class TransportSpec {

  @Required
  @JsonPropertyDescription("Name of the Strimzi Kafka resource in this namespace.")
  private String cluster;

  @Min(1)
  @JsonPropertyDescription("How many brokers the cluster must have registered. Default 3.")
  private int brokers = 3;

  @JsonPropertyDescription(
      "Bootstrap address of the TLS listener. Default <cluster>-kafka-bootstrap:9093.")
  private String bootstrapServers;

  @Required
  @JsonPropertyDescription(
      "KafkaUser (SCRAM-SHA-512) the reconciler connects as; its Secret of the same name holds"
          + " the password. It needs Describe on the cluster, topics and the job's group.")
  private String user;

  @JsonPropertyDescription(
      "Secret with the cluster CA certificate (key ca.crt). Default <cluster>-cluster-ca-cert.")
  private String caSecret;

  public String getCluster() {
    return cluster;
  }

  public void setCluster(String cluster) {
    this.cluster = cluster;
  }

  public int getBrokers() {
    return brokers;
  }

  public void setBrokers(int brokers) {
    this.brokers = brokers;
  }

  public String getBootstrapServers() {
    return bootstrapServers;
  }

  public void setBootstrapServers(String bootstrapServers) {
    this.bootstrapServers = bootstrapServers;
  }

  public String getUser() {
    return user;
  }

  public void setUser(String user) {
    this.user = user;
  }

  public String getCaSecret() {
    return caSecret;
  }

  public void setCaSecret(String caSecret) {
    this.caSecret = caSecret;
  }
}
