package io.cdcplatform.flink;

import io.cdcplatform.pipeline.Durations;
import io.cdcplatform.pipeline.PipelineDefinition;
import io.cdcplatform.pipeline.PipelineDefinitions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The job's settings, from {@code --name value} arguments, falling back to environment variables
 * ({@code ANALYTICS_NAME} in upper case, dashes as underscores), falling back to defaults.
 */
public record JobSettings(
    PipelineDefinition pipeline,
    String kafkaBootstrapServers,
    String jdbcUrl,
    String jdbcUser,
    String jdbcPassword,
    String checkpointDirectory,
    Duration checkpointInterval,
    Duration outOfOrderness,
    Duration maxEventTimeAhead,
    Duration sourceIdleTimeout,
    Duration incompleteTransactionTimeout,
    String deadLetterTopic,
    int parallelism,
    int restPort,
    boolean restoreRetained,
    boolean stateChangelog,
    Duration miniBatch,
    String verifierRole,
    Map<String, String> kafkaClientProperties) {

  private static final Set<String> NAMES =
      Set.of(
          "pipeline",
          "kafka-bootstrap-servers",
          "jdbc-url",
          "jdbc-user",
          "jdbc-password",
          "checkpoint-dir",
          "checkpoint-interval",
          "out-of-orderness",
          "max-event-time-ahead",
          "source-idle-timeout",
          "incomplete-transaction-timeout",
          "dead-letter-topic",
          "parallelism",
          "rest-port",
          "restore-retained",
          "state-changelog",
          "mini-batch",
          "verifier-role",
          "kafka-security-protocol",
          "kafka-sasl-username",
          "kafka-sasl-password",
          "kafka-ca-file");

  /**
   * Reads the settings: the arguments first, then the environment, then the {@code job} section of
   * the pipeline definition ({@code --pipeline}), then the defaults.
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
    Lookup found = new Lookup(given, environment, Map.of(), "");
    PipelineDefinition pipeline = PipelineDefinitions.load(Path.of(found.required("pipeline")));
    for (String name : pipeline.job().keySet()) {
      if (!JOB_FILE_NAMES.contains(name)) {
        throw new IllegalArgumentException(
            PipelineDefinitions.problem(
                pipeline.file(),
                "job." + name,
                "unknown setting; expected one of " + String.join(", ", JOB_FILE_NAMES)));
      }
    }
    Lookup lookup = new Lookup(given, environment, pipeline.job(), pipeline.file());
    return new JobSettings(
        pipeline,
        lookup.required("kafka-bootstrap-servers"),
        lookup.required("jdbc-url"),
        lookup.required("jdbc-user"),
        lookup.get("jdbc-password", ""),
        lookup.required("checkpoint-dir"),
        lookup.duration("checkpoint-interval", "150ms"),
        lookup.duration("out-of-orderness", "5s"),
        lookup.duration("max-event-time-ahead", "1m"),
        lookup.duration("source-idle-timeout", "2s"),
        lookup.duration("incomplete-transaction-timeout", "5m"),
        lookup.get("dead-letter-topic", pipeline.deadLetterTopic()),
        lookup.positive("parallelism", "1"),
        lookup.positive("rest-port", "8081"),
        lookup.bool("restore-retained", "true"),
        lookup.bool("state-changelog", "true"),
        lookup.durationOrOff("mini-batch", "off"),
        role(lookup.get("verifier-role", "cdc_verifier")),
        kafkaSecurity(lookup));
  }

  /**
   * Continuous verification's role, which the job lets read the analytics tables and record its
   * rounds (where the role exists): a plain lower-case identifier.
   */
  private static String role(String role) {
    if (!role.matches("[a-z_][a-z0-9_]{0,62}")) {
      throw new IllegalArgumentException(
          "--verifier-role: expected a lower-case role name (letters, digits, _), got '"
              + role
              + "'");
    }
    return role;
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

  /** A connection to the database holding the source tables and the analytics tables. */
  java.sql.Connection connect() throws java.sql.SQLException {
    return java.sql.DriverManager.getConnection(jdbcUrl, jdbcUser, jdbcPassword);
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

  /** The settings a pipeline definition's {@code job} section may hold. */
  static final java.util.List<String> JOB_FILE_NAMES =
      java.util.List.of(
          "checkpoint-interval",
          "out-of-orderness",
          "max-event-time-ahead",
          "source-idle-timeout",
          "incomplete-transaction-timeout",
          "dead-letter-topic",
          "parallelism",
          "state-changelog",
          "mini-batch");

  private record Lookup(
      Map<String, String> given,
      Map<String, String> environment,
      Map<String, String> definition,
      String file) {
    String get(String name, String fallback) {
      String value = given.get(name);
      if (value == null) {
        value = environment.get("ANALYTICS_" + name.toUpperCase().replace('-', '_'));
      }
      if (value == null) {
        value = definition.get(name);
      }
      return value == null ? fallback : value;
    }

    /** Where a value came from, for messages: its option, or the definition's job section. */
    String origin(String name) {
      boolean fromDefinition =
          !given.containsKey(name)
              && !environment.containsKey("ANALYTICS_" + name.toUpperCase().replace('-', '_'))
              && definition.containsKey(name);
      return fromDefinition ? file + ": job." + name : "--" + name;
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
      try {
        return Durations.positive(value);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(origin(name) + ": " + e.getMessage());
      }
    }

    /**
     * A positive duration, or {@code off} as {@link Duration#ZERO}; in the definition YAML reads an
     * unquoted {@code off} as {@code false}, which is taken as off too.
     */
    Duration durationOrOff(String name, String fallback) {
      String value = get(name, fallback);
      if (value.strip().equals("off") || value.strip().equals("false")) {
        return Duration.ZERO;
      }
      try {
        return Durations.positive(value);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            origin(name)
                + ": expected off or a positive duration such as 100ms, got '"
                + value
                + "'");
      }
    }

    boolean bool(String name, String fallback) {
      String value = get(name, fallback);
      return switch (value) {
        case "true" -> true;
        case "false" -> false;
        default ->
            throw new IllegalArgumentException(
                origin(name) + ": expected true or false, got '" + value + "'");
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
          origin(name) + ": expected a whole number of at least 1, got '" + value + "'");
    }
  }
}
