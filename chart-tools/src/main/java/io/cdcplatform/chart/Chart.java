package io.cdcplatform.chart;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The chart, rendered and linted in-process through helm-java: no helm binary, no cluster. */
public final class Chart {

  public static final String RELEASE = "cdc-platform";
  public static final String NAMESPACE = "cdc";

  static final ObjectMapper YAML = new YAMLMapper();

  private final Path directory;

  public Chart(Path directory) {
    this.directory = directory;
  }

  /** The chart's folder. */
  public Path directory() {
    return directory;
  }

  /** {@code helm template} with these values files, as the YAML text helm prints. */
  public String template(Path... valuesFiles) {
    TemplateCommand template =
        new Helm(directory).template().withName(RELEASE).withNamespace(NAMESPACE);
    for (Path values : valuesFiles) {
      template = template.withValuesFile(values);
    }
    return template.call();
  }

  /** {@code helm template} with these values, given as YAML text rather than a file. */
  public String templateWith(String valuesYaml) {
    Path file = null;
    try {
      file = java.nio.file.Files.createTempFile("cdc-values-", ".yaml");
      java.nio.file.Files.writeString(file, valuesYaml);
      return template(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the values to a temporary file", e);
    } finally {
      if (file != null) {
        file.toFile().delete();
      }
    }
  }

  /**
   * The CRDs of the chart's {@code crds/} folder, which Helm installs before the templates and
   * never templates, and which manifests/ must carry too.
   */
  public List<ObjectNode> crds() {
    Path folder = directory.resolve("crds");
    if (!java.nio.file.Files.isDirectory(folder)) {
      return List.of();
    }
    List<ObjectNode> crds = new ArrayList<>();
    try (var files = java.nio.file.Files.list(folder)) {
      for (Path file : files.filter(f -> f.toString().matches(".*\\.ya?ml$")).sorted().toList()) {
        crds.addAll(objects(java.nio.file.Files.readString(file)));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + folder, e);
    }
    return crds;
  }

  /** {@code helm lint --strict}. */
  public LintResult lint() {
    return new Helm(directory).lint().strict().call();
  }

  /** The objects of a rendering, in order, empty documents left out. */
  public static List<ObjectNode> objects(String rendered) {
    List<ObjectNode> objects = new ArrayList<>();
    try (var parser = new YAMLFactory().createParser(rendered)) {
      for (var documents = YAML.readValues(parser, JsonNode.class); documents.hasNext(); ) {
        JsonNode document = documents.next();
        if (document instanceof ObjectNode object && object.has("kind")) {
          objects.add(object);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("the rendered chart is not YAML", e);
    }
    return objects;
  }
}
