package io.cdcplatform.chart;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cdcplatform.chart.NetworkFlows.Pod;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every flow the pipeline needs passes the rendered NetworkPolicies, Strimzi's generated ones
 * included, and flows it does not need are refused: the kind rendering, evaluated with
 * NetworkPolicy semantics over pods labelled as the chart and the operators label them.
 */
class NetworkFlowsTest {

  static final Path HOME = Path.of(System.getProperty("cdc.home"));
  static final String NS = Chart.NAMESPACE;
  static final String API_SERVER = "172.18.0.2";
  static final String INTERNET = "93.184.216.34";
  static final Map<String, Pod> PODS = new LinkedHashMap<>();
  static NetworkFlows flows;

  @BeforeAll
  static void renderAndLabel() throws Exception {
    List<ObjectNode> kind =
        Chart.objects(
            new Chart(HOME.resolve("helm/cdc-platform"))
                .template(HOME.resolve("helm/values-kind.yaml")));
    List<JsonNode> policies = new ArrayList<>();
    int address = 10;
    for (ObjectNode object : kind) {
      String name = object.at("/metadata/name").asText();
      switch (object.path("kind").asText()) {
        case "NetworkPolicy" -> {
          ObjectNode policy = object.deepCopy();
          ((ObjectNode) policy.path("metadata")).put("namespace", NS);
          policies.add(policy);
        }
        case "Deployment", "StatefulSet", "Job" ->
            pod(
                object.at("/metadata/labels/app.kubernetes.io~1component").asText(),
                NS,
                labels(object.at("/spec/template/metadata/labels")),
                address++);
        case "FlinkDeployment" -> {
          // The Flink operator's pods: the podTemplate's labels and its own (app, component).
          for (String component : List.of("jobmanager", "taskmanager")) {
            Map<String, String> labels = labels(object.at("/spec/podTemplate/metadata/labels"));
            labels.put("app", name);
            labels.put("component", component);
            labels.put("type", "flink-native-kubernetes");
            pod(component, NS, labels, address++);
          }
        }
        case "Kafka" -> {
          // Strimzi's default labels (Labels.generateDefaultLabels); app.kubernetes.io/instance is
          // the resource's name.
          pod("kafka", NS, strimzi("Kafka", name, name + "-kafka"), address++);
          pod("entity-operator", NS, strimzi("Kafka", name, name + "-entity-operator"), address++);
          policies.add(strimziKafkaPolicy(name, object.at("/spec/kafka/listeners")));
        }
        case "KafkaConnect" -> {
          pod("connect", NS, strimzi("KafkaConnect", name, name + "-connect"), address++);
          policies.add(strimziConnectPolicy(name));
        }
        default -> {}
      }
    }
    pod(
        "strimzi-operator",
        "strimzi",
        Map.of("strimzi.io/kind", "cluster-operator", "name", "strimzi-cluster-operator"),
        address++);
    pod(
        "flink-operator",
        "flink-operator",
        Map.of("app.kubernetes.io/name", "flink-kubernetes-operator"),
        address++);
    pod("coredns", "kube-system", Map.of("k8s-app", "kube-dns"), address++);
    pod("intruder", NS, Map.of("app", "intruder"), address++);
    pod("stranger", "default", Map.of("app", "stranger"), address++);
    Map<String, Map<String, String>> namespaces = new HashMap<>();
    for (String namespace : List.of(NS, "strimzi", "flink-operator", "kube-system", "default")) {
      namespaces.put(namespace, Map.of("kubernetes.io/metadata.name", namespace));
    }
    flows = new NetworkFlows(policies, namespaces);
  }

  static void pod(String name, String namespace, Map<String, String> labels, int address) {
    PODS.put(name, new Pod(name, namespace, labels, "10.244.0." + address));
  }

  static Map<String, String> labels(JsonNode node) {
    Map<String, String> labels = new HashMap<>();
    node.properties().forEach(e -> labels.put(e.getKey(), e.getValue().asText()));
    return labels;
  }

  static Map<String, String> strimzi(String kind, String cluster, String name) {
    Map<String, String> labels = new HashMap<>();
    labels.put("strimzi.io/kind", kind);
    labels.put("strimzi.io/cluster", cluster);
    labels.put("strimzi.io/name", name);
    labels.put("app.kubernetes.io/instance", cluster);
    labels.put("app.kubernetes.io/part-of", "strimzi-" + cluster);
    return labels;
  }

  /**
   * The policy Strimzi 1.2.0 writes for the brokers (KafkaCluster.generateNetworkPolicy):
   * controller quorum 9090 from the brokers and the cluster operator, replication 9091 also from
   * the entity operator, the agent 8443 from the cluster operator, each listener from its
   * networkPolicyPeers (everyone when it has none).
   */
  static JsonNode strimziKafkaPolicy(String cluster, JsonNode listeners) {
    ObjectNode policy = policy(cluster + "-network-policy-kafka");
    ObjectNode spec = (ObjectNode) policy.path("spec");
    ObjectNode brokers = Chart.YAML.createObjectNode();
    brokers.set(
        "podSelector",
        selector(
            Map.of(
                "strimzi.io/cluster",
                cluster,
                "strimzi.io/kind",
                "Kafka",
                "strimzi.io/name",
                cluster + "-kafka")));
    spec.set("podSelector", brokers.path("podSelector"));
    ArrayNode rules = spec.putArray("ingress");
    ObjectNode operator = operatorPeer();
    ObjectNode entityOperator = Chart.YAML.createObjectNode();
    entityOperator.set(
        "podSelector", selector(Map.of("strimzi.io/name", cluster + "-entity-operator")));
    rule(rules, 9090, List.of(brokers, operator));
    rule(rules, 9091, List.of(operator, brokers, entityOperator));
    rule(rules, 8443, List.of(operator));
    for (JsonNode listener : listeners) {
      List<JsonNode> peers = new ArrayList<>();
      listener.path("networkPolicyPeers").forEach(peers::add);
      rule(rules, listener.path("port").asInt(), peers);
    }
    return policy;
  }

  /** Connect's REST API, from the workers and the cluster operator (KafkaConnectCluster). */
  static JsonNode strimziConnectPolicy(String cluster) {
    ObjectNode policy = policy(cluster + "-connect");
    Map<String, String> selector =
        Map.of(
            "strimzi.io/cluster",
            cluster,
            "strimzi.io/kind",
            "KafkaConnect",
            "strimzi.io/name",
            cluster + "-connect");
    ((ObjectNode) policy.path("spec")).set("podSelector", selector(selector));
    ObjectNode workers = Chart.YAML.createObjectNode();
    workers.set("podSelector", selector(selector));
    rule(
        ((ObjectNode) policy.path("spec")).putArray("ingress"),
        8083,
        List.of(workers, operatorPeer()));
    return policy;
  }

  private static ObjectNode policy(String name) {
    ObjectNode policy = Chart.YAML.createObjectNode();
    policy.put("kind", "NetworkPolicy");
    policy.putObject("metadata").put("name", name).put("namespace", NS);
    policy.putObject("spec").putArray("policyTypes").add("Ingress");
    return policy;
  }

  private static ObjectNode operatorPeer() {
    ObjectNode peer = Chart.YAML.createObjectNode();
    peer.set("podSelector", selector(Map.of("strimzi.io/kind", "cluster-operator")));
    peer.putObject("namespaceSelector");
    return peer;
  }

  private static ObjectNode selector(Map<String, String> labels) {
    ObjectNode selector = Chart.YAML.createObjectNode();
    ObjectNode match = selector.putObject("matchLabels");
    labels.forEach(match::put);
    return selector;
  }

  private static void rule(ArrayNode rules, int port, List<JsonNode> peers) {
    ObjectNode rule = rules.addObject();
    rule.putArray("ports").addObject().put("port", port).put("protocol", "TCP");
    if (!peers.isEmpty()) {
      ArrayNode from = rule.putArray("from");
      peers.forEach(from::add);
    }
  }

  static int allowed(String from, String to, int port) {
    Pod source = PODS.get(from);
    assertThat(source).as("pod " + from).isNotNull();
    return switch (to) {
      case "api-server" -> flows.allowed(source, API_SERVER, port, "TCP") ? 1 : 0;
      case "internet" -> flows.allowed(source, INTERNET, port, "TCP") ? 1 : 0;
      default -> {
        Pod target = PODS.get(to);
        assertThat(target).as("pod " + to).isNotNull();
        yield flows.allowed(source, target, port, "TCP") ? 1 : 0;
      }
    };
  }

  @ParameterizedTest(name = "{0} -> {1}:{2} needed")
  @CsvSource({
    "capture, source, 5432",
    "capture, kafka, 9093",
    "capture, connect, 8083",
    "capture, api-server, 6443",
    "jobmanager, kafka, 9093",
    "taskmanager, kafka, 9093",
    "taskmanager, source, 5432",
    "taskmanager, jobmanager, 6123",
    "jobmanager, taskmanager, 6122",
    "jobmanager, api-server, 6443",
    "taskmanager, api-server, 443",
    "reconciler, source, 5432",
    "reconciler, kafka, 9093",
    "reconciler, jobmanager, 8081",
    "reconciler, api-server, 6443",
    "dashboard, source, 5432",
    "dashboard, reconciler, 8080",
    "ingest, source, 5432",
    "source-setup, source, 5432",
    "kafka, kafka, 9090",
    "kafka, kafka, 9091",
    "entity-operator, kafka, 9091",
    "entity-operator, api-server, 6443",
    "strimzi-operator, kafka, 9091",
    "strimzi-operator, connect, 8083",
    "flink-operator, jobmanager, 8081",
    "stranger, dashboard, 8080",
  })
  void everyFlowThePipelineNeedsPasses(String from, String to, int port) {
    assertThat(allowed(alias(from), to, port)).isEqualTo(1);
  }

  @ParameterizedTest(name = "{0} -> {1}:{2} refused")
  @CsvSource({
    "intruder, source, 5432",
    "intruder, kafka, 9093",
    "intruder, jobmanager, 8081",
    "stranger, source, 5432",
    "stranger, kafka, 9093",
    "stranger, kafka, 9091",
    "ingest, kafka, 9093",
    "dashboard, kafka, 9093",
    "dashboard, jobmanager, 8081",
    "ingest, api-server, 6443",
    "source, internet, 443",
    "dashboard, internet, 443",
    "capture, internet, 80",
    "taskmanager, internet, 80",
    "reconciler, connect, 8083",
    "entity-operator, kafka, 9093",
  })
  void flowsThePipelineDoesNotNeedAreRefused(String from, String to, int port) {
    assertThat(allowed(alias(from), to, port)).isZero();
  }

  @ParameterizedTest(name = "{0} resolves names")
  @CsvSource({"capture", "jobmanager", "kafka", "entity-operator", "dashboard", "source-setup"})
  void everyPodResolvesNames(String from) {
    Pod source = PODS.get(alias(from));
    assertThat(flows.allowed(source, PODS.get("coredns"), 53, "UDP")).isTrue();
    assertThat(flows.allowed(source, PODS.get("coredns"), 80, "TCP")).isFalse();
  }

  /** The test's names for pods: the chart's component names, "capture" for Connect's pod. */
  static String alias(String name) {
    return name.equals("capture") ? "connect" : name;
  }
}
