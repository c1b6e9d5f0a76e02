package io.cdcplatform.operator.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * One CDC pipeline, from its source database to its analytics tables: what it is made of (the
 * operators' resources it references) and the SLOs it is judged by. Its status says whether changes
 * are really flowing, and which stage is not.
 */
@Group(CdcPipeline.GROUP)
@Version(CdcPipeline.VERSION)
@ShortNames("cdcp")
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Failing Stage",
    jsonPath = ".status.failingStage",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Freshness",
    jsonPath = ".status.freshness",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class CdcPipeline extends CustomResource<CdcPipelineSpec, CdcPipelineStatus>
    implements Namespaced {

  public static final String GROUP = "cdcplatform.io";
  public static final String VERSION = "v1alpha1";
}
