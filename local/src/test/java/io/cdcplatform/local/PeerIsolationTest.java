package io.cdcplatform.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The benchmark's Flink CDC peer (module {@code peer-flink-cdc}, with Debezium 1.9, Kafka Connect
 * 3.2 and an older PostgreSQL driver) never reaches the product: no other module depends on it, and
 * the launcher only reads its classpath file when the benchmark starts it.
 */
class PeerIsolationTest {

  private static final Path HOME = Path.of(System.getProperty("cdc.home", ".."));

  @Test
  void noModuleButThePeerItselfDependsOnIt() throws Exception {
    List<String> dependents = new ArrayList<>();
    try (Stream<Path> modules = Files.list(HOME)) {
      for (Path module : modules.filter(m -> Files.isRegularFile(m.resolve("pom.xml"))).toList()) {
        if (module.getFileName().toString().equals("peer-flink-cdc")) {
          continue;
        }
        if (Files.readString(module.resolve("pom.xml"))
            .contains("<artifactId>peer-flink-cdc</artifactId>")) {
          dependents.add(module.getFileName().toString());
        }
      }
    }
    assertThat(Files.readString(HOME.resolve("pom.xml")))
        .contains("<module>peer-flink-cdc</module>");
    assertThat(dependents).as("modules depending on the peer").isEmpty();
  }
}
