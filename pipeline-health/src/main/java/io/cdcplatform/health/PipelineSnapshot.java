package io.cdcplatform.health;

import java.util.Objects;

/** Everything observed of the pipeline at one moment, with the SLOs to judge it by. Immutable. */
public record PipelineSnapshot(
    Slo slo,
    Observed<SourceObservation> source,
    Observed<CaptureObservation> capture,
    Observed<TransportObservation> transport,
    Observed<ProcessingObservation> processing,
    Observed<SinkObservation> sink) {

  public PipelineSnapshot {
    Objects.requireNonNull(slo, "slo");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(capture, "capture");
    Objects.requireNonNull(transport, "transport");
    Objects.requireNonNull(processing, "processing");
    Objects.requireNonNull(sink, "sink");
  }
}
