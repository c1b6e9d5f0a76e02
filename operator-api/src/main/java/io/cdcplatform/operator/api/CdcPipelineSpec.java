package io.cdcplatform.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** What the pipeline is made of and what it must achieve. */
public class CdcPipelineSpec {

  @Required
  @JsonPropertyDescription("The PostgreSQL database changes are captured from.")
  private SourceSpec source;

  @Required
  @JsonPropertyDescription("The Strimzi Kafka cluster that carries the changes.")
  private TransportSpec transport;

  @Required
  @JsonPropertyDescription("The Strimzi KafkaConnect and KafkaConnector running Debezium.")
  private CaptureSpec capture;

  @Required
  @JsonPropertyDescription("The FlinkDeployment running the analytics job.")
  private ProcessingSpec processing;

  @JsonPropertyDescription("The analytics tables the job writes, in the source database.")
  private SinkSpec sink = new SinkSpec();

  @JsonPropertyDescription("The service levels the pipeline is judged against.")
  private SloSpec slo = new SloSpec();

  @JsonPropertyDescription(
      "Continuous verification of the analytics tables against their oracles, run by the"
          + " reconciler; absent: off.")
  private VerificationSpec verification;

  @JsonPropertyDescription(
      "Re-snapshot by the reconciler when PostgreSQL invalidates the replication slot, or when"
          + " source-setup asks for one because a table was added to the definition: the"
          + " connector is stopped, the slot released, the offsets reset and the connector"
          + " started again; absent: the verdict names the lost slot and a person heals it.")
  private ResnapshotSpec resnapshot;

  public ResnapshotSpec getResnapshot() {
    return resnapshot;
  }

  public void setResnapshot(ResnapshotSpec resnapshot) {
    this.resnapshot = resnapshot;
  }

  public SourceSpec getSource() {
    return source;
  }

  public void setSource(SourceSpec source) {
    this.source = source;
  }

  public TransportSpec getTransport() {
    return transport;
  }

  public void setTransport(TransportSpec transport) {
    this.transport = transport;
  }

  public CaptureSpec getCapture() {
    return capture;
  }

  public void setCapture(CaptureSpec capture) {
    this.capture = capture;
  }

  public ProcessingSpec getProcessing() {
    return processing;
  }

  public void setProcessing(ProcessingSpec processing) {
    this.processing = processing;
  }

  public SinkSpec getSink() {
    return sink;
  }

  public void setSink(SinkSpec sink) {
    this.sink = sink;
  }

  public SloSpec getSlo() {
    return slo;
  }

  public void setSlo(SloSpec slo) {
    this.slo = slo;
  }

  public VerificationSpec getVerification() {
    return verification;
  }

  public void setVerification(VerificationSpec verification) {
    this.verification = verification;
  }
}
