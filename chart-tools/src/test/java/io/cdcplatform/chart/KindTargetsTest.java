package io.cdcplatform.chart;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Makefile's kind targets, run for real against recording stand-ins for {@code docker}, {@code
 * kind}, {@code kubectl} and {@code helm}: each call is written down with its arguments and its
 * standard input, and the test checks the order and the arguments against what the upstream tools
 * need (both operators' charts bind roles in each watched namespace, so it must exist first;
 * cert-manager's webhook must serve before the Flink operator's chart creates its Certificate;
 * every registry host of the rendered images must be configured on each kind node).
 */
class KindTargetsTest {

  static final Path HOME = Path.of(System.getProperty("cdc.home"));
  static final String NAMESPACE = "cdc";
  static final List<String> NODES = List.of("cdc-platform-control-plane", "cdc-platform-worker");

  /** One call of a stand-in: the tool, its arguments, what it read on standard input. */
  record Call(int index, String tool, List<String> args, String stdin) {
    String line() {
      return tool + " " + String.join(" ", args);
    }

    boolean is(String tool, String... leading) {
      return this.tool.equals(tool) && args.size() >= leading.length && startsWith(leading);
    }

    private boolean startsWith(String... leading) {
      for (int i = 0; i < leading.length; i++) {
        if (!args.get(i).equals(leading[i])) {
          return false;
        }
      }
      return true;
    }

    /** Whether the call acts in namespace cdc (a -n or --namespace, or operators watching it). */
    boolean usesNamespace() {
      for (int i = 0; i + 1 < args.size(); i++) {
        if ((args.get(i).equals("-n") || args.get(i).equals("--namespace"))
            && args.get(i + 1).equals(NAMESPACE)) {
          return true;
        }
      }
      return args.stream().anyMatch(a -> a.contains("watchNamespaces={" + NAMESPACE + "}"))
          || stdin.contains("namespace: " + NAMESPACE + "\n");
    }
  }

  static List<Call> calls;
  static String output;

  @BeforeAll
  static void runTheKindTargets(@TempDir Path dir) throws Exception {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path record = dir.resolve("calls");
    Files.createDirectories(record);
    String standIn =
        """
        #!/usr/bin/env bash
        # Records one call: its arguments one per line, then what came on standard input.
        tool=$(basename "$0")
        n=$(ls "$RECORD" | wc -l)
        call="$RECORD/$(printf '%04d' "$n")-$tool"
        printf '%s\\n' "$@" > "$call.args"
        if [ ! -t 0 ]; then cat > "$call.stdin"; else : > "$call.stdin"; fi
        case "$tool $*" in
          "kind get clusters") exit 0 ;;
          "kind get nodes"*) printf '%s\\n' NODES ;;
          "docker inspect"*) exit 1 ;;
          *" get secret "*) exit 1 ;;
        esac
        exit 0
        """
            .replace("NODES", String.join(" ", NODES));
    for (String tool : List.of("docker", "kind", "kubectl", "helm")) {
      Path file = bin.resolve(tool);
      Files.writeString(file, standIn);
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    ProcessBuilder make =
        new ProcessBuilder("make", "--no-print-directory", "kind-up", "operators", "deploy")
            .directory(HOME.toFile())
            .redirectErrorStream(true)
            .redirectInput(new File("/dev/null"));
    make.environment().put("PATH", bin + File.pathSeparator + System.getenv("PATH"));
    make.environment().put("RECORD", record.toString());
    Process process = make.start();
    output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(2, TimeUnit.MINUTES)).isTrue();
    assertThat(process.exitValue()).as(output).isZero();
    calls = new ArrayList<>();
    try (var files = Files.list(record)) {
      for (Path args : files.filter(f -> f.toString().endsWith(".args")).sorted().toList()) {
        String name = args.getFileName().toString();
        String stem = name.substring(0, name.length() - ".args".length());
        calls.add(
            new Call(
                calls.size(),
                stem.substring(stem.indexOf('-') + 1),
                Files.readAllLines(args),
                Files.readString(args.resolveSibling(stem + ".stdin"))));
      }
    }
  }

  static Call first(String what, java.util.function.Predicate<Call> test) {
    return calls.stream()
        .filter(test)
        .findFirst()
        .orElseThrow(
            () ->
                new AssertionError(
                    "no call " + what + " among:\n" + String.join("\n", lines(calls))));
  }

  static List<String> lines(List<Call> calls) {
    return calls.stream().map(Call::line).toList();
  }

  @Test
  void theNamespaceExistsWithPodSecurityRestrictedBeforeAnythingUsesIt() {
    Call created =
        first(
            "applying namespace " + NAMESPACE,
            c ->
                c.is("kubectl", "apply", "-f", "-")
                    && c.stdin().contains("kind: Namespace")
                    && c.stdin().contains("  name: " + NAMESPACE + "\n"));
    assertThat(created.stdin())
        .contains("pod-security.kubernetes.io/enforce: restricted")
        .contains("pod-security.kubernetes.io/enforce-version: v1.32");
    List<Call> before = calls.subList(0, created.index());
    assertThat(before)
        .as("calls in namespace %s before it exists", NAMESPACE)
        .noneMatch(Call::usesNamespace);
    assertThat(calls.subList(created.index(), calls.size()))
        .filteredOn(c -> c.is("helm", "upgrade", "--install"))
        .extracting(c -> c.args().get(2))
        .containsExactly("cert-manager", "strimzi", "flink-operator", "cdc-platform");
  }

  @Test
  void theOperatorsAreThePinnedReleasesFromPermanentLocations() throws Exception {
    JsonNode pins = Chart.YAML.readTree(HOME.resolve("helm/operators.yaml").toFile());
    Call strimzi =
        first("installing Strimzi", c -> c.is("helm", "upgrade", "--install", "strimzi"));
    assertThat(strimzi.args())
        .containsSubsequence(pins.path("strimziChart").asText())
        .containsSubsequence("--version", pins.path("strimziVersion").asText());
    Call repository =
        first("adding the Flink operator's chart repository", c -> c.is("helm", "repo", "add"));
    assertThat(repository.args()).contains("--force-update");
    String url = pins.path("flinkOperatorRepository").asText();
    assertThat(repository.args()).contains(url);
    // downloads.apache.org drops every release but the current ones; the archive keeps them all.
    assertThat(url)
        .startsWith("https://archive.apache.org/dist/flink/")
        .endsWith("-" + pins.path("flinkOperatorVersion").asText() + "/");
    Call flink =
        first(
            "installing the Flink operator",
            c -> c.is("helm", "upgrade", "--install", "flink-operator"));
    assertThat(flink.index()).isGreaterThan(repository.index());
    assertThat(flink.args())
        .containsSubsequence("--version", pins.path("flinkOperatorVersion").asText());
    Call certManager =
        first("installing cert-manager", c -> c.is("helm", "upgrade", "--install", "cert-manager"));
    assertThat(certManager.args())
        .containsSubsequence(pins.path("certManagerChart").asText())
        .containsSubsequence("--version", pins.path("certManagerVersion").asText());
    assertThat(certManager.index()).isLessThan(flink.index());
    // Each operator with its own values file (requests and limits, the restricted provider).
    for (Call install : List.of(certManager, strimzi, flink)) {
      String values = "helm/operators/" + install.args().get(2) + ".yaml";
      assertThat(install.args()).containsSubsequence("-f", values);
      assertThat(HOME.resolve(values)).exists();
    }
    JsonNode strimziValues =
        Chart.YAML.readTree(HOME.resolve("helm/operators/strimzi.yaml").toFile());
    assertThat(strimziValues.path("extraEnvs").toString())
        .contains("{\"name\":\"STRIMZI_POD_SECURITY_PROVIDER_CLASS\",\"value\":\"restricted\"}");
  }

  @Test
  void certManagersWebhookServesWithItsCaBeforeTheFlinkOperatorIsInstalled() {
    Call flink =
        first(
            "installing the Flink operator",
            c -> c.is("helm", "upgrade", "--install", "flink-operator"));
    for (String configuration :
        List.of(
            "validatingwebhookconfiguration/cert-manager-webhook",
            "mutatingwebhookconfiguration/cert-manager-webhook")) {
      Call waited =
          first(
              "waiting for the CA of " + configuration,
              c ->
                  c.is("kubectl", "wait", configuration)
                      && c.args().stream().anyMatch(a -> a.contains("caBundle")));
      assertThat(waited.index()).isLessThan(flink.index());
    }
    Call probe =
        first(
            "a server-side dry run through the webhook",
            c ->
                c.is("kubectl", "apply", "--dry-run=server") && c.stdin().contains("kind: Issuer"));
    assertThat(probe.index()).isLessThan(flink.index());
  }

  @Test
  void everyRegistryHostOfTheRenderedImagesIsConfiguredOnEveryNode() {
    Set<String> hosts = new LinkedHashSet<>();
    for (String image :
        images(
            Chart.objects(
                new Chart(HOME.resolve("helm/cdc-platform"))
                    .template(HOME.resolve("helm/values-kind.yaml"))))) {
      String host = registryHost(image);
      if (!PUBLIC_REGISTRIES.contains(host)) {
        hosts.add(host);
      }
    }
    assertThat(hosts).as("private registries in the kind rendering").contains("localhost:5001");
    for (String node : NODES) {
      for (String host : hosts) {
        Call configured =
            first(
                "configuring " + host + " on " + node,
                c ->
                    c.is("docker", "exec", "-i", node, "cp", "/dev/stdin")
                        && c.args()
                            .getLast()
                            .equals("/etc/containerd/certs.d/" + host + "/hosts.toml"));
        assertThat(configured.stdin()).contains("[host.\"http://kind-registry:5000\"]");
      }
    }
    Call registry = first("starting the registry", c -> c.is("docker", "run"));
    assertThat(registry.args())
        .as("the registry is published on the loopback address only")
        .containsSubsequence("-p", "127.0.0.1:5001:5000");
    Call cluster = first("creating the cluster", c -> c.is("kind", "create", "cluster"));
    assertThat(cluster.index())
        .as("the nodes are configured after they exist")
        .isLessThan(first("configuring a node", c -> c.is("docker", "exec")).index());
  }

  @Test
  void theDeployedImagesAreTheOnesJustBuiltNotAStaleTag() throws Exception {
    Call deploy =
        first("installing the platform", c -> c.is("helm", "upgrade", "--install", "cdc-platform"));
    String tag =
        deploy.args().stream()
            .filter(a -> a.startsWith("images.tag="))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no images.tag in " + deploy.line()))
            .substring("images.tag=".length());
    // The commit the images are built from; with uncommitted changes, pulled every time.
    assertThat(tag).matches("0\\.1\\.0-[0-9a-f]{12}(-dirty)?");
    assertThat(deploy.args().contains("images.pullPolicy=Always"))
        .isEqualTo(tag.endsWith("-dirty"));
    assertThat(KubernetesRulesTest.makeDryRun("images"))
        .contains("-Dimage.tag=" + tag + " ")
        // manifests/ names the chart's own tag: it is pushed too.
        .contains("-Djib.to.tags=0.1.0");
  }

  /** Registries kind nodes pull from without configuration (public, HTTPS). */
  static final Set<String> PUBLIC_REGISTRIES =
      Set.of("docker.io", "quay.io", "ghcr.io", "registry.k8s.io");

  /** The registry host of an image reference, as containerd resolves it. */
  static String registryHost(String image) {
    int slash = image.indexOf('/');
    if (slash < 0) {
      return "docker.io";
    }
    String first = image.substring(0, slash);
    return first.contains(".") || first.contains(":") || first.equals("localhost")
        ? first
        : "docker.io";
  }

  /** Every image a rendering makes the nodes pull, the operators' generated pods' included. */
  static List<String> images(List<ObjectNode> objects) {
    List<String> images = new ArrayList<>();
    for (ObjectNode object : objects) {
      switch (object.path("kind").asText()) {
        case "Deployment", "StatefulSet", "Job" -> {
          JsonNode spec = object.at("/spec/template/spec");
          for (String list : List.of("initContainers", "containers")) {
            spec.path(list).forEach(c -> images.add(c.path("image").asText()));
          }
        }
        case "FlinkDeployment" -> images.add(object.at("/spec/image").asText());
        case "KafkaConnect" -> {
          JsonNode spec = object.path("spec");
          images.add(
              spec.has("build")
                  ? spec.at("/build/output/image").asText()
                  : spec.path("image").asText());
        }
        default -> {}
      }
    }
    assertThat(images).allSatisfy(i -> assertThat(i).isNotBlank());
    return images;
  }

  @Test
  void registryHostsAreReadAsContainerdReadsThem() {
    assertThat(
            IntStream.range(0, 5)
                .mapToObj(
                    i ->
                        registryHost(
                            List.of(
                                    "postgres:17",
                                    "library/postgres:17",
                                    "localhost:5001/cdc-platform/dashboard:0.1.0",
                                    "kind-registry:5000/cdc/connect:1",
                                    "quay.io/strimzi/kafka:1.2.0-kafka-4.3.1")
                                .get(i)))
                .toList())
        .containsExactly(
            "docker.io", "docker.io", "localhost:5001", "kind-registry:5000", "quay.io");
  }
}
