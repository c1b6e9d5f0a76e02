package io.cdcplatform.operator.api;

import io.fabric8.crdv2.generator.CRDGenerator;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;

/**
 * Writes the CdcPipeline CRD, generated from its Java model, into the folder given. The generator
 * sorts printer columns by path; kubectl shows them in the order listed, so they are put back in
 * the order of the model (Ready, Failing Stage, Freshness, Age).
 */
public final class GenerateCrd {

  private GenerateCrd() {}

  static final List<String> COLUMN_ORDER = List.of("Ready", "Failing Stage", "Freshness", "Age");

  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("usage: GenerateCrd <output folder>");
      System.exit(2);
    }
    File folder = new File(args[0]);
    if (!folder.isDirectory() && !folder.mkdirs()) {
      System.err.println("GenerateCrd: cannot create " + folder);
      System.exit(1);
    }
    new CRDGenerator()
        .customResourceClasses(CdcPipeline.class)
        .forCRDVersions("v1")
        .inOutputDir(folder)
        .generate();
    Path file = folder.toPath().resolve("cdcpipelines." + CdcPipeline.GROUP + "-v1.yml");
    CustomResourceDefinition crd =
        Serialization.unmarshal(Files.readString(file), CustomResourceDefinition.class);
    crd.getSpec()
        .getVersions()
        .forEach(
            version ->
                version
                    .getAdditionalPrinterColumns()
                    .sort(
                        Comparator.comparingInt(
                            (CustomResourceColumnDefinition column) ->
                                COLUMN_ORDER.indexOf(column.getName()))));
    Files.writeString(
        file,
        "# Generated from io.cdcplatform.operator.api.CdcPipeline by the build; do not edit.\n"
            + Serialization.asYaml(crd).replaceFirst("^---\\n", ""),
        StandardCharsets.UTF_8);
  }
}
