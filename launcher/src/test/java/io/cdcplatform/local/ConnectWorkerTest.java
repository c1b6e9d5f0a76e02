package io.cdcplatform.local;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** How a connector Connect refused is reported: its errors, on one line, and where to fix them. */
class ConnectWorkerTest {

  @Test
  void aRefusedConnectorIsOneLineWithConnectsErrorsAndTheChartFile() {
    // The answer Kafka Connect 4.3 gave for snapshot.mode: sometimes.
    String body =
        "{\"error_code\":400,\"message\":\"Connector configuration is invalid and contains the"
            + " following 1 error(s):\\nThe 'snapshot.mode' value is invalid: Value must be one of"
            + " always, initial_only, configuration_based, when_needed, initial, custom,"
            + " no_data\\nYou can also find the above list of errors at the endpoint"
            + " `/connector-plugins/{connectorType}/config/validate`\"}";

    assertThat(ConnectWorker.refusal("cdc-platform-postgres-source", 400, body))
        .isEqualTo(
            "Kafka Connect refused connector cdc-platform-postgres-source (HTTP 400): The"
                + " 'snapshot.mode' value is invalid: Value must be one of always, initial_only,"
                + " configuration_based, when_needed, initial, custom, no_data; its settings come"
                + " from helm/cdc-platform/files/debezium-connector.yaml");
  }

  @Test
  void anAnswerThatIsNotJsonIsShownAsItCame() {
    assertThat(ConnectWorker.refusal("c", 500, "Server Error\n"))
        .isEqualTo(
            "Kafka Connect refused connector c (HTTP 500): Server Error; its settings come from"
                + " helm/cdc-platform/files/debezium-connector.yaml");
  }
}
