package io.cdcplatform.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JobSettingsTest {

  private static final Map<String, String> ENVIRONMENT =
      Map.of(
          "ANALYTICS_KAFKA_BOOTSTRAP_SERVERS", "k:9092",
          "ANALYTICS_JDBC_URL", "jdbc:postgresql://db/app",
          "ANALYTICS_JDBC_USER", "app",
          "ANALYTICS_CHECKPOINT_DIR", "file:///tmp/cp");

  @Test
  void optionsOverrideEnvironmentWhichOverridesDefaults() {
    JobSettings settings =
        JobSettings.parse(new String[] {"--checkpoint-interval", "500ms"}, ENVIRONMENT);

    assertThat(settings.kafkaBootstrapServers()).isEqualTo("k:9092");
    assertThat(settings.checkpointInterval()).isEqualTo(Duration.ofMillis(500));
    assertThat(settings.outOfOrderness()).isEqualTo(Duration.ofSeconds(5));
    assertThat(settings.topicPrefix()).isEqualTo("cdc");
    assertThat(settings.parallelism()).isEqualTo(1);
    assertThat(settings.restoreRetained()).isTrue();
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
            + " 500ms, 5s or 1m, got '0s'",
        "--out-of-orderness | soon | --out-of-orderness: expected a positive duration",
        "--parallelism | 0 | --parallelism: expected a whole number of at least 1, got '0'",
        "--restore-retained | yes | --restore-retained: expected true or false, got 'yes'",
        "--kafka-security-protocol | SSL | --kafka-security-protocol: expected PLAINTEXT or"
            + " SASL_SSL, got 'SSL'",
        "--kafka-security-protocol | SASL_SSL | --kafka-sasl-username (or"
            + " ANALYTICS_KAFKA_SASL_USERNAME): expected a value, got none",
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
        .hasMessage(
            "--kafka-bootstrap-servers (or ANALYTICS_KAFKA_BOOTSTRAP_SERVERS): expected a value,"
                + " got none");
  }
}
