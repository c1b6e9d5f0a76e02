package io.cdcplatform.local;

/**
 * The roles and passwords of the local run. They exist only on this machine's loopback-only
 * database; on Kubernetes the same roles take their passwords from Secrets.
 */
final class LocalCredentials {

  static final String OWNER = "shop_owner";
  static final String OWNER_PASSWORD = "local-shop-owner";
  static final String CAPTURE = "cdc_capture";
  static final String CAPTURE_PASSWORD = "local-cdc-capture";
  static final String PUBLICATION = "cdc_publication";

  private LocalCredentials() {}
}
