package io.cdcplatform.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JobSettingsTest {

  static final String SHOP = "../helm/cdc-platform/files/pipeline";

  @TempDir Path folder;

  private static final Map<String, String> ENVIRONMENT =
      Map.of(
          "ANALYTICS_PIPELINE", SHOP,
          "ANALYTICS_KAFKA_BOOTSTRAP_SERVERS", "k:9092",
          "ANALYTICS_JDBC_URL", "jdbc:postgresql://db/app",
          "ANALYTICS_JDBC_USER", "app",
          "ANALYTICS_CHECKPOINT_DIR", "file:///tmp/cp");

  @Test
  void
      theTopicSinksProducerSendsTransactionalRetriesAfterTenMillisecondsWithTheJobsClientSettings() {
    // A new transactional id's InitProducerId goes out as a retry after the coordinator lookup, so
    // the client's default backoff (100 ms) would be paid inside every checkpoint.
    java.util.Properties config =
        AnalyticsJob.topicProducerConfig(JobSettings.parse(new String[0], ENVIRONMENT));

    assertThat(config)
        .containsEntry("retry.backoff.ms", "10")
        .containsEntry("transaction.timeout.ms", "600000")
        .containsEntry("bootstrap.servers", "k:9092");
  }

  @Test
  void optionsOverrideEnvironmentWhichOverridesDefaults() {
    JobSettings settings =
        JobSettings.parse(new String[] {"--checkpoint-interval", "500ms"}, ENVIRONMENT);

    assertThat(settings.kafkaBootstrapServers()).isEqualTo("k:9092");
    assertThat(settings.checkpointInterval()).isEqualTo(Duration.ofMillis(500));
    assertThat(settings.outOfOrderness()).isEqualTo(Duration.ofSeconds(5));
    assertThat(settings.maxEventTimeAhead()).isEqualTo(Duration.ofMinutes(1));
    assertThat(settings.pipeline().source().topicPrefix()).isEqualTo("cdc");
    assertThat(settings.deadLetterTopic()).isEqualTo("cdc.dead-letter");
    assertThat(settings.parallelism()).isEqualTo(1);
    assertThat(settings.restoreRetained()).isTrue();
    assertThat(settings.stateChangelog()).isTrue();
    // The definition says "mini-batch: off", which YAML reads as false.
    assertThat(settings.pipeline().job()).containsEntry("mini-batch", "false");
    assertThat(settings.miniBatch()).isZero();
    assertThat(JobSettings.parse(new String[] {"--mini-batch", "100ms"}, ENVIRONMENT).miniBatch())
        .isEqualTo(Duration.ofMillis(100));
    assertThat(settings.verifierRole()).isEqualTo("cdc_verifier");
    assertThat(
            JobSettings.parse(new String[] {"--state-changelog", "false"}, ENVIRONMENT)
                .stateChangelog())
        .isFalse();
    assertThat(
            JobSettings.parse(new String[] {"--restore-retained", "false"}, ENVIRONMENT)
                .restoreRetained())
        .isFalse();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "--checkpoint-interval | 0s | --checkpoint-interval: expected a positive duration such as"
            + " 250ms, 30s, 5m or 2h, got '0s'",
        "--out-of-orderness | soon | --out-of-orderness: expected a duration such as 250ms",
        "--parallelism | 0 | --parallelism: expected a whole number of at least 1, got '0'",
        "--restore-retained | yes | --restore-retained: expected true or false, got 'yes'",
        "--state-changelog | on | --state-changelog: expected true or false, got 'on'",
        "--mini-batch | 0s | --mini-batch: expected off or a positive duration such as 100ms, got"
            + " '0s'",
        "--kafka-security-protocol | SSL | --kafka-security-protocol: expected PLAINTEXT or"
            + " SASL_SSL, got 'SSL'",
        "--kafka-security-protocol | SASL_SSL | --kafka-sasl-username (or"
            + " ANALYTICS_KAFKA_SASL_USERNAME): expected a value, got none",
        "--verifier-role | 'cdc_verifier; DROP TABLE x' | --verifier-role: expected a lower-case"
            + " role name (letters, digits, _), got 'cdc_verifier; DROP TABLE x'",
        "--frobnicate | 1 | unknown option '--frobnicate'; expected one of"
      })
  void badValuesAreOneLineNamingTheSetting(String option, String value, String message) {
    assertThatThrownBy(() -> JobSettings.parse(new String[] {option, value}, ENVIRONMENT))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(message)
        .hasMessageNotContaining("\n");
  }

  @Test
  void saslSslTalksScramOverTlsCheckedAgainstTheClusterCaAndNeverPrintsThePassword() {
    JobSettings settings =
        JobSettings.parse(
            new String[] {
              "--kafka-security-protocol", "SASL_SSL",
              "--kafka-sasl-username", "cdc-analytics",
              "--kafka-ca-file", "/etc/kafka-ca/ca.crt"
            },
            new java.util.HashMap<>(
                Map.of(
                    "ANALYTICS_PIPELINE", SHOP,
                    "ANALYTICS_KAFKA_BOOTSTRAP_SERVERS", "k:9093",
                    "ANALYTICS_JDBC_URL", "jdbc:postgresql://db/app",
                    "ANALYTICS_JDBC_USER", "app",
                    "ANALYTICS_CHECKPOINT_DIR", "file:///tmp/cp",
                    "ANALYTICS_KAFKA_SASL_PASSWORD", "s3cr\"et")));

    assertThat(settings.kafkaClientProperties())
        .containsEntry("security.protocol", "SASL_SSL")
        .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
        .containsEntry("ssl.truststore.type", "PEM")
        .containsEntry("ssl.truststore.location", "/etc/kafka-ca/ca.crt")
        .containsEntry(
            "sasl.jaas.config",
            "org.apache.kafka.common.security.scram.ScramLoginModule required"
                + " username=\"cdc-analytics\" password=\"s3cr\\\"et\";");
    assertThat(settings.kafkaProperties()).containsEntry("bootstrap.servers", "k:9093");
    assertThat(settings.toString()).doesNotContain("s3cr");
    assertThat(JobSettings.parse(new String[0], ENVIRONMENT).kafkaClientProperties()).isEmpty();
  }

  @Test
  void aMissingRequiredSettingNamesBothWaysToGiveIt() {
    assertThatThrownBy(() -> JobSettings.parse(new String[0], Map.of()))
        .hasMessage("--pipeline (or ANALYTICS_PIPELINE): expected a value, got none");
    assertThatThrownBy(() -> JobSettings.parse(new String[] {"--pipeline", SHOP}, Map.of()))
        .hasMessage(
            "--kafka-bootstrap-servers (or ANALYTICS_KAFKA_BOOTSTRAP_SERVERS): expected a value,"
                + " got none");
  }

  @Test
  void theDefinitionsJobSectionIsTheFallbackAndIsNamedWhenWrong() throws IOException {
    Path definition = definition("  checkpoint-interval: 2s\n");
    Map<String, String> environment = new java.util.HashMap<>(ENVIRONMENT);
    environment.put("ANALYTICS_PIPELINE", definition.toString());

    assertThat(JobSettings.parse(new String[0], environment).checkpointInterval())
        .isEqualTo(Duration.ofSeconds(2));
    assertThat(
            JobSettings.parse(new String[] {"--checkpoint-interval", "1s"}, environment)
                .checkpointInterval())
        .isEqualTo(Duration.ofSeconds(1));

    environment.put("ANALYTICS_PIPELINE", definition("  checkpoint-interval: often\n").toString());
    assertThatThrownBy(() -> JobSettings.parse(new String[0], environment))
        .hasMessage(
            definition
                + ": job.checkpoint-interval: expected a duration such as 250ms, 30s, 5m or 2h,"
                + " got 'often'");
    environment.put("ANALYTICS_PIPELINE", definition("  jdbc-url: x\n").toString());
    assertThatThrownBy(() -> JobSettings.parse(new String[0], environment))
        .hasMessageStartingWith(definition + ": job.jdbc-url: unknown setting; expected one of");
  }

  private Path definition(String job) throws IOException {
    Files.writeString(folder.resolve("t.sql"), "SELECT 1 AS a");
    Path file = folder.resolve("pipeline.yaml");
    Files.writeString(
        file,
        """
        name: t
        source:
          topicPrefix: cdc
          heartbeat: s.heartbeat
          tables: [{table: s.t}]
        analytics:
          - {name: t, query: t.sql, key: [a]}
        job:
        """
            + job);
    return file;
  }
}
