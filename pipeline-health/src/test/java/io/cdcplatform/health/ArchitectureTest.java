package io.cdcplatform.health;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The module boundaries of pipeline-health, checked on its compiled classes. */
class ArchitectureTest {

  private static final JavaClasses CLASSES =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("io.cdcplatform.health");

  @Test
  void healthNeverTouchesKubernetes() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.fabric8..", "io.javaoperatorsdk..", "io.strimzi..", "org.apache.flink.kubernetes..")
        .because(
            "pipeline-health judges observations; Kubernetes I/O belongs to operator-extensions")
        .check(CLASSES);
  }

  @Test
  void theEvaluationDoesNoIo() {
    noClasses()
        .that()
        .haveSimpleNameEndingWith("Check")
        .or()
        .haveSimpleName("HealthEvaluator")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "java.net..", "java.sql..", "java.io..", "java.nio..", "org.apache.kafka..")
        .orShould()
        .callMethod(java.time.Instant.class, "now")
        .because("the verdict depends only on the snapshot and the time passed in")
        .check(CLASSES);
  }
}
