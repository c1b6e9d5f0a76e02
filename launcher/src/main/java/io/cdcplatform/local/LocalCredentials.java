package io.cdcplatform.local;

import java.util.Map;

/**
 * The roles and passwords of the local run. They exist only on this machine's loopback-only
 * database; on Kubernetes the same roles take their passwords from Secrets, which the connector
 * config refers to as {@code ${secrets:namespace/name:key}}.
 */
final class LocalCredentials {

  static final String OWNER = "shop_owner";
  static final String OWNER_PASSWORD = "local-shop-owner";
  static final String CAPTURE = "cdc_capture";
  static final String CAPTURE_PASSWORD = "local-cdc-capture";
  static final String PUBLICATION = "cdc_publication";

  /**
   * The analytics job's login: it owns the schemas of the analytics tables and may not read or
   * change the captured tables.
   */
  static final String WRITER = "analytics_writer";

  static final String WRITER_PASSWORD = "local-analytics-writer";

  /** The read-only login of the dashboard: SELECT on the analytics tables only. */
  static final String READER = "analytics_reader";

  static final String READER_PASSWORD = "local-analytics-reader";

  /**
   * Continuous verification's login: it replicates (for the snapshot its rounds read the oracles
   * in), reads the captured and the analytics tables, marks the heartbeat's verification columns
   * and records its rounds; source setup and the analytics job grant it exactly that.
   */
  static final String VERIFIER = "cdc_verifier";

  static final String VERIFIER_PASSWORD = "local-cdc-verifier";

  /** The local values of the Secrets the chart's settings refer to, by {@code name/key}. */
  static final Map<String, String> SECRETS =
      Map.of(
          "cdc-capture-credentials/username", CAPTURE,
          "cdc-capture-credentials/password", CAPTURE_PASSWORD);

  private LocalCredentials() {}
}
