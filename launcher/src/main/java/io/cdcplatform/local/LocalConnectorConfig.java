package io.cdcplatform.local;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The connector config the local run registers: the chart's, with only the endpoints replaced and
 * the Strimzi secret references ({@code ${secrets:namespace/name:key}}) resolved from the local
 * credentials.
 */
final class LocalConnectorConfig {

  /** The keys the local run may set to values other than the chart's. */
  static final Set<String> ENDPOINT_KEYS = Set.of("database.hostname", "database.port");

  private static final Pattern SECRET = Pattern.compile("\\$\\{secrets:[^/}]+/([^:}]+):([^}]+)}");

  private LocalConnectorConfig() {}

  /**
   * Builds the local config.
   *
   * @param secrets values by {@code secret-name/key}, e.g. {@code cdc-capture-credentials/password}
   */
  static Map<String, String> from(
      Map<String, String> chart, String host, int port, Map<String, String> secrets) {
    Map<String, String> local = new LinkedHashMap<>();
    chart.forEach((key, value) -> local.put(key, resolve(key, value, secrets)));
    local.put("database.hostname", host);
    local.put("database.port", String.valueOf(port));
    return local;
  }

  private static String resolve(String key, String value, Map<String, String> secrets) {
    Matcher matcher = SECRET.matcher(value);
    StringBuilder resolved = new StringBuilder();
    while (matcher.find()) {
      String reference = matcher.group(1) + "/" + matcher.group(2);
      String secret = secrets.get(reference);
      if (secret == null) {
        throw new IllegalStateException(
            key + " refers to secret " + reference + ", which the local run does not provide");
      }
      matcher.appendReplacement(resolved, Matcher.quoteReplacement(secret));
    }
    matcher.appendTail(resolved);
    return resolved.toString();
  }

  /** Whether a value is a Strimzi secret reference that the local run resolves. */
  static boolean isSecretReference(String value) {
    return SECRET.matcher(value).find();
  }
}
