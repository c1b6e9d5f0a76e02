package io.cdcplatform.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the chart must satisfy on a real cluster, each rule written down from the upstream source it
 * follows (helm/operators.yaml pins the releases): Pod Security "restricted" for every pod,
 * including the ones Strimzi and the Flink operator generate from the chart's templates; the Kafka
 * version the pinned Strimzi runs; volumes a stalled slot cannot fill; connector restarts; the
 * Connect plugin pinned by checksum; images for both architectures, pushed over HTTPS unless the
 * registry is this machine's.
 */
class KubernetesRulesTest {

  static final Path HOME = Path.of(System.getProperty("cdc.home"));
  static final Chart CHART = new Chart(HOME.resolve("helm/cdc-platform"));
  static final Map<String, List<ObjectNode>> RENDERED = new LinkedHashMap<>();
  static JsonNode pins;

  @BeforeAll
  static void render() throws Exception {
    RENDERED.put("default", Chart.objects(CHART.template()));
    RENDERED.put("kind", Chart.objects(CHART.template(HOME.resolve("helm/values-kind.yaml"))));
    RENDERED.put(
        "production", Chart.objects(CHART.template(HOME.resolve("helm/values-production.yaml"))));
    pins = Chart.YAML.readTree(HOME.resolve("helm/operators.yaml").toFile());
  }

  static List<ObjectNode> ofKind(List<ObjectNode> objects, String kind) {
    return objects.stream().filter(o -> o.path("kind").asText().equals(kind)).toList();
  }

  /**
   * The pods a rendering makes the cluster run, as the operators build them. Strimzi (its
   * PodSecurityProvider implementations) uses a security context given in the resource's template
   * as it is and only otherwise its provider's own; Connect's build pod is refused by its
   * restricted provider. The Flink operator merges spec.podTemplate into the JobManager's and
   * TaskManager's pods, its container flink-main-container with the one of that name.
   */
  static Map<String, JsonNode> pods(List<ObjectNode> objects) {
    Map<String, JsonNode> pods = new LinkedHashMap<>();
    for (ObjectNode object : objects) {
      String name = object.path("kind").asText() + "/" + object.at("/metadata/name").asText();
      switch (object.path("kind").asText()) {
        case "Deployment", "StatefulSet", "Job" -> pods.put(name, object.at("/spec/template/spec"));
        case "FlinkDeployment" -> {
          pods.put(name + " jobmanager", flinkPod(object, "jobManager"));
          pods.put(name + " taskmanager", flinkPod(object, "taskManager"));
        }
        case "KafkaNodePool" ->
            pods.put(
                name,
                strimziPod(
                    object.at("/spec/template/pod"),
                    Map.of("kafka", object.at("/spec/template/kafkaContainer"))));
        case "Kafka" -> {
          JsonNode template = object.at("/spec/entityOperator/template");
          pods.put(
              name + " entity operator",
              strimziPod(
                  template.path("pod"),
                  Map.of(
                      "topic-operator", template.path("topicOperatorContainer"),
                      "user-operator", template.path("userOperatorContainer"))));
        }
        case "KafkaConnect" -> {
          pods.put(
              name,
              strimziPod(
                  object.at("/spec/template/pod"),
                  Map.of("connect", object.at("/spec/template/connectContainer"))));
          if (object.at("/spec/build").isObject()) {
            pods.put(
                name + " build",
                strimziPod(
                    object.at("/spec/template/buildPod"),
                    Map.of("build", object.at("/spec/template/buildContainer"))));
          }
        }
        default -> {}
      }
    }
    return pods;
  }

  private static JsonNode strimziPod(JsonNode podTemplate, Map<String, JsonNode> containers) {
    ObjectNode spec = Chart.YAML.createObjectNode();
    if (podTemplate.has("securityContext")) {
      spec.set("securityContext", podTemplate.path("securityContext"));
    }
    var list = spec.putArray("containers");
    containers.forEach(
        (name, template) -> {
          ObjectNode container = list.addObject().put("name", name);
          if (template.has("securityContext")) {
            container.set("securityContext", template.path("securityContext"));
          }
        });
    return spec;
  }

  private static JsonNode flinkPod(ObjectNode deployment, String role) {
    ObjectNode spec = deployment.at("/spec/podTemplate/spec").deepCopy();
    JsonNode own = deployment.at("/spec/" + role + "/podTemplate/spec");
    if (own.isObject()) {
      spec.setAll((ObjectNode) own);
    }
    if (!spec.has("containers")) {
      spec.putArray("containers").addObject().put("name", "flink-main-container");
    }
    return spec;
  }

  @Test
  void everyPodTheNamespaceRunsPassesPodSecurityRestricted() {
    for (String values : List.of("default", "kind", "production")) {
      Map<String, JsonNode> pods = pods(RENDERED.get(values));
      assertThat(pods.keySet())
          .as(values)
          .anyMatch(p -> p.startsWith("Job/"))
          .anyMatch(p -> p.endsWith("entity operator"))
          .anyMatch(p -> p.endsWith("taskmanager"))
          .anyMatch(p -> p.startsWith("KafkaConnect/"))
          .noneMatch(p -> p.endsWith(" build"));
      List<String> violations = new ArrayList<>();
      pods.forEach((pod, spec) -> violations.addAll(RestrictedProfile.violations(pod, spec)));
      assertThat(violations).as(values).isEmpty();
    }
  }

  @Test
  void theRestrictedProfileRejectsWhatTheAdmissionControllerRejects() throws Exception {
    JsonNode spec =
        Chart.YAML.readTree(
            """
            securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
            volumes:
              - {name: data, persistentVolumeClaim: {claimName: x}}
              - {name: host, hostPath: {path: /var}}
            containers:
              - name: fine
                securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
              - name: root
                securityContext:
                  allowPrivilegeEscalation: false
                  capabilities: {drop: [ALL], add: [NET_ADMIN]}
                  runAsUser: 0
              - name: escalates
                securityContext: {capabilities: {drop: [ALL]}}
                ports: [{containerPort: 80, hostPort: 80}]
            """);

    assertThat(RestrictedProfile.violations("p", spec))
        .containsExactlyInAnyOrder(
            "p: volume host is of type hostPath, not one of " + RestrictedProfile.VOLUME_TYPES,
            "p container root: adds capability NET_ADMIN",
            "p container root: runAsUser 0",
            "p container escalates: allowPrivilegeEscalation must be false",
            "p container escalates: hostPort 80");
    JsonNode bare = Chart.YAML.readTree("containers: [{name: c}]");
    assertThat(RestrictedProfile.violations("p", bare)).hasSize(4);
  }

  @Test
  void strimzisInClusterBuildIsOptionalAndItsPodIsNotRestricted() throws Exception {
    List<ObjectNode> rendered =
        Chart.objects(
            CHART.templateWith(
                "connect:\n  build:\n    enabled: true\n"
                    + "    pushOptions: [\"--tls-verify=false\"]\n"
                    + "    transformsJar:\n      url: https://example.org/t.jar\n"
                    + "      sha512: "
                    + "ab".repeat(64)
                    + "\n"));

    JsonNode connect = ofKind(rendered, "KafkaConnect").getFirst().path("spec");

    assertThat(connect.has("image")).as("a build replaces the image").isFalse();
    assertThat(connect.at("/build/output/additionalPushOptions/0").asText())
        .isEqualTo("--tls-verify=false");
    JsonNode artifact = connect.at("/build/plugins/0/artifacts/0");
    assertThat(artifact.path("type").asText()).isEqualTo("tgz");
    // The archive Maven resolved for the local run's worker and the Connect image: the one the
    // chart pins by SHA-512.
    String version = pomProperty("debezium.version");
    Path archive =
        Path.of(
            System.getProperty("maven.repo"),
            "io/debezium/debezium-connector-postgres",
            version,
            "debezium-connector-postgres-" + version + "-plugin.tar.gz");
    assertThat(artifact.path("url").asText())
        .isEqualTo(
            "https://repo1.maven.org/maven2/io/debezium/debezium-connector-postgres/"
                + version
                + "/"
                + archive.getFileName());
    assertThat(artifact.path("sha512sum").asText()).isEqualTo(sha512(archive));
    // The platform's own plugin: the connector's transform needs it.
    assertThat(connect.at("/build/plugins/1/artifacts/0/url").asText())
        .isEqualTo("https://example.org/t.jar");
    assertThatThrownBy(() -> CHART.templateWith("connect:\n  build:\n    enabled: true\n"))
        .hasMessageContaining(
            "connect.build.transformsJar.url: expected the URL of the connect-transforms jar");
    assertThat(
            RestrictedProfile.violations(
                "build", pods(rendered).get("KafkaConnect/cdc-connect build")))
        .isNotEmpty();
  }

  @Test
  void theConnectImageIsTheProjectsOwnUnlessOneIsGiven() {
    assertThat(ofKind(RENDERED.get("kind"), "KafkaConnect").getFirst().at("/spec/image").asText())
        .isEqualTo("localhost:5001/cdc-platform/kafka-connect:0.1.0");
    assertThat(
            ofKind(RENDERED.get("production"), "KafkaConnect")
                .getFirst()
                .at("/spec/image")
                .asText())
        .isEqualTo("registry.example.com/data/connect-debezium:3.7.0");
    // Built on Strimzi's Kafka image of the pinned operator and of the Kafka the chart runs.
    assertThat(pomProperty("connect.base.image"))
        .isEqualTo(
            "quay.io/strimzi/kafka:"
                + pins.path("strimziVersion").asText()
                + "-kafka-${kafka.version}");
  }

  @Test
  void everyKafkaRunsAVersionThePinnedStrimziSupportsWithItsMetadataVersion() {
    JsonNode supported = pins.path("strimziKafkaVersions");
    for (var rendering : RENDERED.entrySet()) {
      JsonNode kafka = ofKind(rendering.getValue(), "Kafka").getFirst().at("/spec/kafka");
      String version = kafka.path("version").asText();
      assertThat(supported.has(version))
          .as("%s: Kafka %s is not among Strimzi's %s", rendering.getKey(), version, supported)
          .isTrue();
      assertThat(kafka.path("metadataVersion").asText())
          .as(rendering.getKey())
          .isEqualTo(supported.path(version).asText());
      assertThat(version).as("the local run's brokers").isEqualTo(pomProperty("kafka.version"));
    }
  }

  @Test
  void theJobRunsAFlinkVersionThePinnedOperatorDeploys() {
    List<String> versions = new ArrayList<>();
    pins.path("flinkOperatorFlinkVersions").forEach(v -> versions.add(v.asText()));
    for (var rendering : RENDERED.entrySet()) {
      assertThat(
              ofKind(rendering.getValue(), "FlinkDeployment")
                  .getFirst()
                  .at("/spec/flinkVersion")
                  .asText())
          .as(rendering.getKey())
          .isIn(versions);
    }
  }

  @Test
  void aStalledSlotCannotFillThePostgresVolume() {
    for (var rendering : RENDERED.entrySet()) {
      for (ObjectNode set : ofKind(rendering.getValue(), "StatefulSet")) {
        String args = set.at("/spec/template/spec/containers/0/args").toString();
        Matcher keep = Pattern.compile("max_slot_wal_keep_size=(\\d+)MB").matcher(args);
        assertThat(keep.find()).as(args).isTrue();
        String size =
            set.at("/spec/volumeClaimTemplates/0/spec/resources/requests/storage").asText();
        long volumeMiB = mebibytes(size);
        // PostgreSQL's MB are MiB; WAL past this invalidates the slot instead of filling the disk.
        assertThat(Long.parseLong(keep.group(1)))
            .as(rendering.getKey() + ": WAL kept for a slot on a " + size + " volume")
            .isLessThanOrEqualTo(volumeMiB * 60 / 100)
            .isGreaterThan(mebibytes("256Mi"));
      }
    }
  }

  @Test
  void aVolumeTooSmallForTheVerdictsWalWarningIsRefusedWithTheReason() {
    String values = "postgres:\n  storage:\n    size: 512Mi\n  maxSlotWalKeepPercent: 40\n";

    assertThatThrownBy(() -> CHART.templateWith(values))
        .hasMessageContaining("postgres.maxSlotWalKeepPercent: 40% of 512Mi keeps 204MiB")
        .hasMessageContaining("maxRetainedWal (256MiB");
  }

  @Test
  void kafkaVolumesStayWritableByTheKafkaUser() {
    for (var rendering : RENDERED.entrySet()) {
      for (ObjectNode pool : ofKind(rendering.getValue(), "KafkaNodePool")) {
        // A template.pod.securityContext replaces Strimzi's default, fsGroup 0, which lets user
        // 1001 (group 0) write a block-storage volume.
        JsonNode context = pool.at("/spec/template/pod/securityContext");
        if (context.isObject()) {
          assertThat(context.path("fsGroup").isIntegralNumber()).as(rendering.getKey()).isTrue();
          assertThat(context.path("fsGroup").asInt()).isZero();
        }
      }
    }
  }

  @Test
  void aFailedConnectorIsRestartedAFewTimesThenReported() {
    for (var rendering : RENDERED.entrySet()) {
      JsonNode restart =
          ofKind(rendering.getValue(), "KafkaConnector").getFirst().at("/spec/autoRestart");
      assertThat(restart.path("enabled").asBoolean()).as(rendering.getKey()).isTrue();
      // Unbounded restarts would hide a connector that can never run again.
      assertThat(restart.path("maxRestarts").asInt()).isBetween(1, 100);
    }
  }

  @Test
  void theKindDashboardPortIsBoundToTheLoopbackAddressOnly() throws Exception {
    JsonNode nodes = Chart.YAML.readTree(HOME.resolve("kind-config.yaml").toFile()).path("nodes");
    int mappings = 0;
    for (JsonNode node : nodes) {
      for (JsonNode mapping : node.path("extraPortMappings")) {
        assertThat(mapping.path("listenAddress").asText()).isEqualTo("127.0.0.1");
        mappings++;
      }
    }
    assertThat(mappings).isPositive();
  }

  @Test
  void imagesAreBuiltForBothArchitecturesAndPushedOverHttpsUnlessTheRegistryIsLocal()
      throws Exception {
    String pom = Files.readString(HOME.resolve("pom.xml"));
    assertThat(pom)
        .contains("<architecture>amd64</architecture>")
        .contains("<architecture>arm64</architecture>")
        .contains("<allowInsecureRegistries>${image.insecure}</allowInsecureRegistries>")
        .contains("<image.insecure>false</image.insecure>");
    assertThat(makeDryRun("images")).contains("-Dimage.insecure=true");
    assertThat(makeDryRun("images", "IMAGE_REGISTRY=registry.example.com/data"))
        .doesNotContain("image.insecure")
        .contains("-Dimage.registry=registry.example.com/data");
    assertThat(makeDryRun("images-tar"))
        .containsPattern("-Djib.from.platforms=linux/(amd64|arm64)");
    assertThat(makeDryRun("images")).contains("kafka-runtime").doesNotContain("jib.from.platforms");
  }

  @Test
  void everyReadinessProbeAsksOnlyItsOwnPod() {
    // helm --wait waits for readiness: a probe that needs another component (the analytics
    // tables, say) would tie an install to that component's start.
    int probes = 0;
    for (var rendering : RENDERED.entrySet()) {
      for (JsonNode spec : pods(rendering.getValue()).values()) {
        for (JsonNode container : spec.path("containers")) {
          JsonNode probe = container.path("readinessProbe");
          if (probe.isMissingNode()) {
            continue;
          }
          probes++;
          String where = rendering.getKey() + " " + container.path("name").asText();
          if (probe.has("httpGet")) {
            assertThat(probe.at("/httpGet/host").isMissingNode()).as(where).isTrue();
          } else {
            assertThat(probe.at("/exec/command").toString()).as(where).contains("\"127.0.0.1\"");
          }
        }
      }
    }
    assertThat(probes).isGreaterThanOrEqualTo(5);
  }

  /**
   * The Flink configuration the operator gives a pod: the FlinkDeployment's flinkConfiguration, and
   * the pod's resource memory as Flink's process size (FlinkConfigBuilder.setResource).
   */
  static org.apache.flink.configuration.Configuration flinkConfiguration(
      JsonNode deployment, String role) {
    Map<String, String> settings = new LinkedHashMap<>();
    deployment
        .at("/spec/flinkConfiguration")
        .properties()
        .forEach(e -> settings.put(e.getKey(), e.getValue().asText()));
    settings.put(
        "jobManager".equals(role)
            ? org.apache.flink.configuration.JobManagerOptions.TOTAL_PROCESS_MEMORY.key()
            : org.apache.flink.configuration.TaskManagerOptions.TOTAL_PROCESS_MEMORY.key(),
        deployment.at("/spec/" + role + "/resource/memory").asText());
    return org.apache.flink.configuration.Configuration.fromMap(settings);
  }

  @Test
  void flinksOwnMemoryModelGivesTheTaskHeapWhatTheHashMapBackendNeeds() {
    for (var rendering : RENDERED.entrySet()) {
      JsonNode deployment = ofKind(rendering.getValue(), "FlinkDeployment").getFirst();
      var taskManager =
          org.apache.flink.runtime.clusterframework.TaskExecutorProcessUtils.processSpecFromConfig(
              flinkConfiguration(deployment, "taskManager"));
      String where = rendering.getKey() + ": " + taskManager;
      // State lives on the heap with the hash-map backend; managed memory would sit unused.
      assertThat(deployment.at("/spec/flinkConfiguration/state.backend.type").asText())
          .isEqualTo("hashmap");
      assertThat(taskManager.getManagedMemorySize().getBytes()).as(where).isZero();
      assertThat(taskManager.getTaskHeapSize().getMebiBytes())
          .as(where)
          .isGreaterThanOrEqualTo(384);
      var jobManager =
          org.apache.flink.runtime.jobmanager.JobManagerProcessUtils
              .processSpecFromConfigWithNewOptionToInterpretLegacyHeap(
                  flinkConfiguration(deployment, "jobManager"),
                  org.apache.flink.configuration.JobManagerOptions.JVM_HEAP_MEMORY);
      assertThat(jobManager.getJvmHeapMemorySize().getMebiBytes())
          .as(rendering.getKey() + ": " + jobManager)
          .isGreaterThanOrEqualTo(256);
      // Limits above requests (flink-kubernetes' KubernetesConfigOptions, set on each pod).
      for (String role : List.of("jobmanager", "taskmanager")) {
        assertThat(
                Double.parseDouble(
                    deployment
                        .at("/spec/flinkConfiguration")
                        .path("kubernetes." + role + ".cpu.limit-factor")
                        .asText("1")))
            .as(rendering.getKey() + " " + role)
            .isGreaterThan(1);
      }
    }
  }

  /**
   * What kind's own pods take besides the platform: etcd, the API server, controller manager and
   * scheduler, CoreDNS, and per node kubelet, containerd, kube-proxy and kindnet. An allowance, not
   * a measurement (no cluster runs here).
   */
  static final long KIND_ALLOWANCE_MIB = 1536;

  /** A container's memory as the budget counts it: its limit, else its request. */
  static long memory(JsonNode resources, String where) {
    String limit = resources.at("/limits/memory").asText("");
    String request = resources.at("/requests/memory").asText("");
    assertThat(limit.isEmpty() && request.isEmpty())
        .as(where + " has no memory request or limit")
        .isFalse();
    return quantityMiB(limit.isEmpty() ? request : limit);
  }

  /** A Kubernetes (or Flink, "1024m") memory quantity in MiB. */
  static long quantityMiB(String quantity) {
    Matcher m = Pattern.compile("(\\d+)(Ki|Mi|Gi|m|g)?").matcher(quantity);
    assertThat(m.matches()).as(quantity).isTrue();
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2) == null ? "" : m.group(2)) {
      case "Ki" -> n / 1024;
      case "Gi", "g" -> n * 1024;
      case "Mi", "m" -> n;
      default -> n / (1024 * 1024);
    };
  }

  /** Memory of everything the kind install runs, by component, in MiB. */
  static Map<String, Long> kindMemory() throws Exception {
    Map<String, Long> budget = new LinkedHashMap<>();
    for (ObjectNode object : RENDERED.get("kind")) {
      String name = object.path("kind").asText() + "/" + object.at("/metadata/name").asText();
      JsonNode spec = object.path("spec");
      switch (object.path("kind").asText()) {
        case "Deployment", "StatefulSet", "Job" -> {
          long perPod = 0;
          for (JsonNode container : spec.at("/template/spec/containers")) {
            JsonNode resources = container.path("resources");
            assertThat(resources.at("/requests/cpu").isMissingNode())
                .as(name + " cpu request")
                .isFalse();
            assertThat(resources.at("/limits/memory").isMissingNode())
                .as(name + " memory limit")
                .isFalse();
            perPod += memory(resources, name);
          }
          budget.put(name, spec.path("replicas").asLong(1) * perPod);
        }
        case "KafkaNodePool" ->
            budget.put(name, spec.path("replicas").asLong() * memory(spec.path("resources"), name));
        case "Kafka" ->
            budget.put(
                name + " entity operator",
                memory(spec.at("/entityOperator/topicOperator/resources"), name)
                    + memory(spec.at("/entityOperator/userOperator/resources"), name));
        case "KafkaConnect" ->
            budget.put(name, spec.path("replicas").asLong() * memory(spec.path("resources"), name));
        case "FlinkDeployment" -> {
          long slots = spec.at("/flinkConfiguration/taskmanager.numberOfTaskSlots").asLong();
          long taskManagers = (spec.at("/job/parallelism").asLong() + slots - 1) / slots;
          budget.put(
              name,
              quantityMiB(spec.at("/jobManager/resource/memory").asText())
                  + taskManagers * quantityMiB(spec.at("/taskManager/resource/memory").asText()));
        }
        default -> {}
      }
    }
    JsonNode strimzi = Chart.YAML.readTree(HOME.resolve("helm/operators/strimzi.yaml").toFile());
    budget.put("Strimzi operator", memory(strimzi.path("resources"), "Strimzi"));
    JsonNode flink =
        Chart.YAML.readTree(HOME.resolve("helm/operators/flink-operator.yaml").toFile());
    budget.put(
        "Flink operator",
        memory(flink.at("/operatorPod/resources"), "Flink operator")
            + memory(flink.at("/operatorPod/webhook/resources"), "Flink webhook"));
    JsonNode certManager =
        Chart.YAML.readTree(HOME.resolve("helm/operators/cert-manager.yaml").toFile());
    long certManagerMiB = memory(certManager.path("resources"), "cert-manager");
    for (String part : List.of("webhook", "cainjector", "startupapicheck")) {
      certManagerMiB += memory(certManager.at("/" + part + "/resources"), "cert-manager " + part);
    }
    budget.put("cert-manager", certManagerMiB);
    budget.put("kind's control plane and node agents (allowance)", KIND_ALLOWANCE_MIB);
    return budget;
  }

  @Test
  void theKindInstallFitsTheLaptopBudgetTheReadmeStates() throws Exception {
    Map<String, Long> budget = kindMemory();
    long total = budget.values().stream().mapToLong(Long::longValue).sum();
    Matcher stated =
        Pattern.compile("give Docker at least (\\d+) GiB of memory")
            .matcher(Files.readString(HOME.resolve("README.md")));
    assertThat(stated.find()).as("the README states the laptop budget").isTrue();
    long statedMiB = Long.parseLong(stated.group(1)) * 1024;
    String breakdown = budget + " = " + total + " MiB";
    assertThat(statedMiB).as(breakdown).isGreaterThanOrEqualTo(total);
    // A budget far above the sum would ask a laptop for memory nothing uses.
    assertThat(statedMiB - total).as(breakdown).isLessThan(1024);
    assertThat(budget.keySet())
        .anyMatch(k -> k.endsWith("entity operator"))
        .anyMatch(k -> k.startsWith("Job/"))
        .contains("Strimzi operator", "Flink operator", "cert-manager");
  }

  @Test
  void theConnectorMayOverrideNoClientSetting() {
    for (var rendering : RENDERED.entrySet()) {
      JsonNode worker = ofKind(rendering.getValue(), "KafkaConnect").getFirst().at("/spec/config");
      assertThat(worker.path("connector.client.config.override.policy").asText())
          .as(rendering.getKey())
          .isEqualTo("None");
      assertThat(worker.path("producer.acks").asText()).isEqualTo("all");
      assertThat(worker.path("producer.enable.idempotence").asBoolean()).isTrue();
      ofKind(rendering.getValue(), "KafkaConnector")
          .getFirst()
          .at("/spec/config")
          .properties()
          .forEach(e -> assertThat(e.getKey()).doesNotContain(".override."));
    }
  }

  @Test
  void flinksDurableStorageIsReachableFromEveryFlinkPod() {
    for (var rendering : RENDERED.entrySet()) {
      JsonNode deployment = ofKind(rendering.getValue(), "FlinkDeployment").getFirst();
      JsonNode settings = deployment.at("/spec/flinkConfiguration");
      String checkpoints = settings.path("state.checkpoints.dir").asText();
      String root = checkpoints.substring(0, checkpoints.length() - "/checkpoints".length());
      assertThat(settings.path("high-availability.storageDir").asText()).isEqualTo(root + "/ha");
      assertThat(settings.path("state.savepoints.dir").asText()).isEqualTo(root + "/savepoints");
      assertThat(deployment.at("/spec/job/args").toString()).contains("\"" + checkpoints + "\"");
      List<ObjectNode> claims =
          ofKind(rendering.getValue(), "PersistentVolumeClaim").stream()
              .filter(c -> c.at("/metadata/name").asText().equals("cdc-platform-analytics-data"))
              .toList();
      if (root.startsWith("file://")) {
        assertThat(claims).as(rendering.getKey()).hasSize(1);
        if (claims.getFirst().at("/spec/accessModes/0").asText().equals("ReadWriteOnce")) {
          // One node can mount it: the TaskManager must be scheduled where the JobManager is.
          JsonNode term =
              deployment.at(
                  "/spec/taskManager/podTemplate/spec/affinity/podAffinity"
                      + "/requiredDuringSchedulingIgnoredDuringExecution/0");
          assertThat(term.path("topologyKey").asText()).isEqualTo("kubernetes.io/hostname");
          assertThat(term.at("/labelSelector/matchLabels").toString())
              .isEqualTo("{\"app\":\"cdc-platform-analytics\",\"component\":\"jobmanager\"}");
        }
      } else {
        assertThat(claims).as(rendering.getKey() + ": no volume with an object store").isEmpty();
        assertThat(root).startsWith("s3://");
        assertThat(deployment.at("/spec/podTemplate/spec/containers/0/env").toString())
            .contains(
                "{\"name\":\"ENABLE_BUILT_IN_PLUGINS\",\"value\":\"flink-s3-fs-presto-1.20.3.jar\"}");
        assertThat(deployment.at("/spec/podTemplate/spec/volumes").toString())
            .doesNotContain("flink-data");
      }
    }
  }

  @Test
  void anObjectStoreWithoutALocationIsRefused() {
    assertThatThrownBy(() -> CHART.templateWith("flink:\n  storage:\n    type: objectStore\n"))
        .hasMessageContaining(
            "flink.storage.uri: expected an object store location such as s3://bucket/path");
  }

  @Test
  void theAnalyticsJobWritesAsItsOwnRoleNotAsTheSourcesOwner() {
    for (var rendering : RENDERED.entrySet()) {
      JsonNode deployment = ofKind(rendering.getValue(), "FlinkDeployment").getFirst();
      String env = deployment.at("/spec/podTemplate/spec/containers/0/env").toString();
      assertThat(env)
          .as(rendering.getKey())
          .contains(
              "{\"name\":\"ANALYTICS_JDBC_USER\",\"valueFrom\":{\"secretKeyRef\":{\"name\":\"cdc-analytics-writer-credentials\",\"key\":\"username\"}}}")
          .doesNotContain("owner-password");
      assertThat(deployment.at("/spec/job/args").toString()).doesNotContain("shop_owner");
    }
    // The in-cluster database gives the role the analytics schemas, and nothing of the shop's.
    String init =
        ofKind(RENDERED.get("kind"), "ConfigMap").stream()
            .filter(c -> c.at("/metadata/name").asText().endsWith("-postgres-init"))
            .findFirst()
            .orElseThrow()
            .at("/data/01-roles.sh")
            .asText();
    assertThat(init)
        .contains("CREATE ROLE :\"writer_name\" LOGIN PASSWORD :'writer_password';")
        .contains("CREATE SCHEMA IF NOT EXISTS analytics AUTHORIZATION :\"writer_name\";");
    assertThat(init.lines().filter(l -> l.contains("writer_name")).toList())
        .noneMatch(l -> l.contains("shop") || l.contains("GRANT"));
  }

  @Test
  void theChartHasNoSettingThatDoesNothing() throws Exception {
    // Helm installs crds/ on the first install only and never templates it: a switch for it
    // cannot work.
    assertThat(Files.readString(HOME.resolve("helm/cdc-platform/values.yaml")))
        .doesNotContain("installCrd");
  }

  static String makeDryRun(String... arguments) throws Exception {
    List<String> command = new ArrayList<>(List.of("make", "--no-print-directory", "-n"));
    command.addAll(List.of(arguments));
    Process make =
        new ProcessBuilder(command)
            .directory(HOME.toFile())
            .redirectErrorStream(true)
            .redirectInput(new File("/dev/null"))
            .start();
    String output = new String(make.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(make.waitFor(1, TimeUnit.MINUTES)).isTrue();
    assertThat(make.exitValue()).as(output).isZero();
    return output;
  }

  static String pomProperty(String name) {
    try {
      Matcher m =
          Pattern.compile("<" + Pattern.quote(name) + ">([^<]+)</" + Pattern.quote(name) + ">")
              .matcher(Files.readString(HOME.resolve("pom.xml")));
      assertThat(m.find()).as(name + " in pom.xml").isTrue();
      return m.group(1);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static long mebibytes(String size) {
    Matcher m = Pattern.compile("(\\d+)(Mi|Gi|Ti)").matcher(size);
    assertThat(m.matches()).as(size).isTrue();
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "Gi" -> n * 1024;
      case "Ti" -> n * 1024 * 1024;
      default -> n;
    };
  }

  static String sha512(Path file) throws Exception {
    MessageDigest digest = MessageDigest.getInstance("SHA-512");
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buffer = new byte[1 << 16];
      for (int n; (n = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }
}
