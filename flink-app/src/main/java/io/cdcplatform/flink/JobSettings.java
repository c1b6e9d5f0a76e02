package io.cdcplatform.flink;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The job's settings, from {@code --name value} arguments, falling back to environment variables
 * ({@code ANALYTICS_NAME} in upper case, dashes as underscores), falling back to defaults.
 */
public record JobSettings(
    String kafkaBootstrapServers,
    String topicPrefix,
    String jdbcUrl,
    String jdbcUser,
    String jdbcPassword,
    String checkpointDirectory,
    Duration checkpointInterval,
    Duration outOfOrderness,
    Duration allowedLateness,
    Duration sourceIdleTimeout,
    String deadLetterTopic,
    int parallelism,
    int restPort,
    boolean restoreRetained,
    Map<String, String> kafkaClientProperties) {

  private static final Set<String> NAMES =
      Set.of(
          "kafka-bootstrap-servers",
          "topic-prefix",
          "jdbc-url",
          "jdbc-user",
          "jdbc-password",
          "checkpoint-dir",
          "checkpoint-interval",
          "out-of-orderness",
          "allowed-lateness",
          "source-idle-timeout",
          "dead-letter-topic",
          "parallelism",
          "rest-port",
          "restore-retained",
          "kafka-security-protocol",
          "kafka-sasl-username",
          "kafka-sasl-password",
          "kafka-ca-file");

  /**
   * Reads the settings.
   *
   * @throws IllegalArgumentException with one line naming the setting and what was expected
   */
  public static JobSettings parse(String[] args, Map<String, String> environment) {
    Map<String, String> given = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("--") || !NAMES.contains(arg.substring(2))) {
        throw new IllegalArgumentException(
            "unknown option '" + arg + "'; expected one of --" + String.join(", --", NAMES));
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(arg + ": expected a value");
      }
      given.put(arg.substring(2), args[++i]);
    }
    Lookup lookup = new Lookup(given, environment);
    String topicPrefix = lookup.get("topic-prefix", "cdc");
    return new JobSettings(
        lookup.required("kafka-bootstrap-servers"),
        topicPrefix,
        lookup.required("jdbc-url"),
        lookup.required("jdbc-user"),
        lookup.get("jdbc-password", ""),
        lookup.required("checkpoint-dir"),
        lookup.duration("checkpoint-interval", "250ms"),
        lookup.duration("out-of-orderness", "5s"),
        lookup.duration("allowed-lateness", "10s"),
        lookup.duration("source-idle-timeout", "2s"),
        lookup.get("dead-letter-topic", topicPrefix + ".dead-letter"),
        lookup.positive("parallelism", "1"),
        lookup.positive("rest-port", "8081"),
        lookup.bool("restore-retained", "true"),
        kafkaSecurity(lookup));
  }

  /**
   * Client settings for an authenticated, encrypted Kafka listener: SCRAM-SHA-512 over TLS, the
   * server certificate checked against a PEM CA file (Strimzi's cluster CA). Empty for PLAINTEXT.
   */
  private static Map<String, String> kafkaSecurity(Lookup lookup) {
    String protocol = lookup.get("kafka-security-protocol", "PLAINTEXT");
    switch (protocol) {
      case "PLAINTEXT" -> {
        return Map.of();
      }
      case "SASL_SSL" -> {
        String username = lookup.required("kafka-sasl-username");
        String password = lookup.required("kafka-sasl-password");
        String caFile = lookup.required("kafka-ca-file");
        return Map.of(
            "security.protocol",
            "SASL_SSL",
            "sasl.mechanism",
            "SCRAM-SHA-512",
            "sasl.jaas.config",
            "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                + username.replace("\"", "\\\"")
                + "\" password=\""
                + password.replace("\"", "\\\"")
                + "\";",
            "ssl.truststore.type",
            "PEM",
            "ssl.truststore.location",
            caFile);
      }
      default ->
          throw new IllegalArgumentException(
              "--kafka-security-protocol: expected PLAINTEXT or SASL_SSL, got '" + protocol + "'");
    }
  }

  /** The Kafka client settings as {@link java.util.Properties}, for clients built in code. */
  java.util.Properties kafkaProperties() {
    java.util.Properties properties = new java.util.Properties();
    properties.put("bootstrap.servers", kafkaBootstrapServers);
    properties.putAll(kafkaClientProperties);
    return properties;
  }

  @Override
  public String toString() {
    // The password must not reach a log line.
    return "JobSettings[kafka="
        + kafkaBootstrapServers
        + " "
        + kafkaClientProperties.getOrDefault("security.protocol", "PLAINTEXT")
        + ", jdbc="
        + jdbcUrl
        + " as "
        + jdbcUser
        + "]";
  }

  private record Lookup(Map<String, String> given, Map<String, String> environment) {
    String get(String name, String fallback) {
      String value = given.get(name);
      if (value == null) {
        value = environment.get("ANALYTICS_" + name.toUpperCase().replace('-', '_'));
      }
      return value == null ? fallback : value;
    }

    String required(String name) {
      String value = get(name, null);
      if (value == null || value.isBlank()) {
        throw new IllegalArgumentException(
            "--"
                + name
                + " (or ANALYTICS_"
                + name.toUpperCase().replace('-', '_')
                + "): expected a value, got none");
      }
      return value;
    }

    Duration duration(String name, String fallback) {
      String value = get(name, fallback);
      java.util.regex.Matcher matcher =
          java.util.regex.Pattern.compile("([1-9][0-9]*)(ms|s|m|h)").matcher(value.trim());
      if (!matcher.matches()) {
        throw new IllegalArgumentException(
            "--"
                + name
                + ": expected a positive duration such as 500ms, 5s or 1m, got '"
                + value
                + "'");
      }
      long amount = Long.parseLong(matcher.group(1));
      return switch (matcher.group(2)) {
        case "ms" -> Duration.ofMillis(amount);
        case "s" -> Duration.ofSeconds(amount);
        case "m" -> Duration.ofMinutes(amount);
        default -> Duration.ofHours(amount);
      };
    }

    boolean bool(String name, String fallback) {
      String value = get(name, fallback);
      return switch (value) {
        case "true" -> true;
        case "false" -> false;
        default ->
            throw new IllegalArgumentException(
                "--" + name + ": expected true or false, got '" + value + "'");
      };
    }

    int positive(String name, String fallback) {
      String value = get(name, fallback);
      try {
        int parsed = Integer.parseInt(value);
        if (parsed > 0) {
          return parsed;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      throw new IllegalArgumentException(
          "--" + name + ": expected a whole number of at least 1, got '" + value + "'");
    }
  }
}
