package io.cdcplatform.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The CRD generated from the model, and the chart's copy of it. */
class CdcPipelineCrdTest {

  static final String FILE = "cdcpipelines.cdcplatform.io-v1.yml";
  static final Path GENERATED = Path.of(System.getProperty("crd.dir"), FILE);
  static final Path CHART_COPY =
      Path.of(System.getProperty("cdc.home"), "helm/cdc-platform/crds", FILE);

  @Test
  void theChartCarriesTheCrdAsGenerated() throws Exception {
    assertThat(Files.readString(CHART_COPY))
        .as("helm/cdc-platform/crds/" + FILE + " is stale: run make crd")
        .isEqualTo(Files.readString(GENERATED));
  }

  @Test
  void kubectlGetShowsReadyFailingStageFreshnessAndAge() throws Exception {
    CustomResourceDefinition crd =
        Serialization.unmarshal(Files.readString(GENERATED), CustomResourceDefinition.class);

    assertThat(crd.getSpec().getVersions().getFirst().getAdditionalPrinterColumns())
        .extracting(
            CustomResourceColumnDefinition::getName, CustomResourceColumnDefinition::getJsonPath)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                "Ready", ".status.conditions[?(@.type==\"Ready\")].status"),
            org.assertj.core.groups.Tuple.tuple("Failing Stage", ".status.failingStage"),
            org.assertj.core.groups.Tuple.tuple("Freshness", ".status.freshness"),
            org.assertj.core.groups.Tuple.tuple("Age", ".metadata.creationTimestamp"));
    assertThat(crd.getSpec().getVersions().getFirst().getSubresources().getStatus()).isNotNull();
  }

  @Test
  void everySpecFieldIsDescribedForKubectlExplain() throws Exception {
    CustomResourceDefinition crd =
        Serialization.unmarshal(Files.readString(GENERATED), CustomResourceDefinition.class);
    JSONSchemaProps spec =
        crd.getSpec()
            .getVersions()
            .getFirst()
            .getSchema()
            .getOpenAPIV3Schema()
            .getProperties()
            .get("spec");

    assertDescribed("spec", spec);
  }

  private static void assertDescribed(String path, JSONSchemaProps schema) {
    if (schema.getProperties() == null) {
      return;
    }
    schema
        .getProperties()
        .forEach(
            (name, child) -> {
              assertThat(child.getDescription()).as(path + "." + name).isNotBlank();
              assertDescribed(path + "." + name, child);
            });
  }
}
