package io.cdcplatform.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;

/** The service levels; durations like 30s or 2m, sizes like 256Mi. */
public class SloSpec {

  static final String DURATION = "^[1-9][0-9]*(ms|s|m|h)$";
  static final String SIZE = "^[1-9][0-9]*(Ki|Mi|Gi|Ti)?$";

  @Pattern(DURATION)
  @JsonPropertyDescription(
      "How far the analytics tables may trail the source (age of the newest heartbeat that"
          + " reached them). Default 30s.")
  private String maxFreshness = "30s";

  @Pattern(SIZE)
  @JsonPropertyDescription("How much WAL the replication slot may hold back. Default 256Mi.")
  private String maxRetainedWal = "256Mi";

  @Pattern(DURATION)
  @JsonPropertyDescription("How old the job's newest completed checkpoint may be. Default 60s.")
  private String maxCheckpointAge = "60s";

  @Min(0)
  @JsonPropertyDescription(
      "How many records the job's consumer group may be behind its topics. Default 50000.")
  private long maxConsumerLag = 50_000;

  public String getMaxFreshness() {
    return maxFreshness;
  }

  public void setMaxFreshness(String maxFreshness) {
    this.maxFreshness = maxFreshness;
  }

  public String getMaxRetainedWal() {
    return maxRetainedWal;
  }

  public void setMaxRetainedWal(String maxRetainedWal) {
    this.maxRetainedWal = maxRetainedWal;
  }

  public String getMaxCheckpointAge() {
    return maxCheckpointAge;
  }

  public void setMaxCheckpointAge(String maxCheckpointAge) {
    this.maxCheckpointAge = maxCheckpointAge;
  }

  public long getMaxConsumerLag() {
    return maxConsumerLag;
  }

  public void setMaxConsumerLag(long maxConsumerLag) {
    this.maxConsumerLag = maxConsumerLag;
  }
}
