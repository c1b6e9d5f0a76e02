package io.cdcplatform.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Which module may depend on which, read from the build's poms: nothing depends on these end-to-end
 * tests ({@code local}); the benchmark's Flink CDC peer (module {@code peer-flink-cdc}, with
 * Debezium 1.9, Kafka Connect 3.2 and an older PostgreSQL driver) reaches nothing but the
 * benchmarks, which only build it first and read its classpath file when they start it; the oracle
 * check works on any database, so it needs neither the launcher nor the shop example.
 */
class ModuleBoundariesTest {

  private static final Path HOME = Path.of(System.getProperty("cdc.home", ".."));

  @Test
  void nothingDependsOnTheEndToEndTests() throws Exception {
    assertThat(dependentsOf("local")).isEmpty();
  }

  @Test
  void onlyTheBenchmarksBuildThePeerAndWithoutItsClasses() throws Exception {
    assertThat(dependentsOf("peer-flink-cdc")).containsExactly("benchmarks");
    String benchmarks = poms().get("benchmarks");
    int at = benchmarks.indexOf("<artifactId>peer-flink-cdc</artifactId>");
    String dependency = benchmarks.substring(at, benchmarks.indexOf("</dependency>", at));
    assertThat(dependency)
        .contains("<scope>provided</scope>")
        .contains("<artifactId>*</artifactId>");
  }

  @Test
  void theOracleCheckNeedsNeitherTheLauncherNorAnExample() throws Exception {
    String oracleCheck = poms().get("oracle-check");
    assertThat(oracleCheck)
        .doesNotContain("<artifactId>launcher</artifactId>")
        .doesNotContain("<artifactId>ingest-job</artifactId>");
  }

  /** The modules whose pom names {@code artifactId} as a dependency. */
  private static List<String> dependentsOf(String artifactId) throws Exception {
    List<String> dependents = new ArrayList<>();
    for (Map.Entry<String, String> pom : poms().entrySet()) {
      String own = "<artifactId>" + artifactId + "</artifactId>\n  <name>";
      if (pom.getValue().contains("<artifactId>" + artifactId + "</artifactId>")
          && !pom.getValue().contains(own)) {
        dependents.add(Path.of(pom.getKey()).getFileName().toString());
      }
    }
    return dependents;
  }

  /** Every module's pom, by its folder, as the root pom lists them. */
  private static Map<String, String> poms() throws Exception {
    String root = Files.readString(HOME.resolve("pom.xml"));
    Map<String, String> poms = new LinkedHashMap<>();
    Matcher module = Pattern.compile("<module>([^<]+)</module>").matcher(root);
    while (module.find()) {
      poms.put(
          Path.of(module.group(1)).getFileName().toString(),
          Files.readString(HOME.resolve(module.group(1)).resolve("pom.xml")));
    }
    assertThat(poms).as("modules of the build").hasSizeGreaterThan(10);
    return poms;
  }
}
