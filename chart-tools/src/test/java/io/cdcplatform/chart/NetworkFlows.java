package io.cdcplatform.chart;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Kubernetes NetworkPolicy semantics over a set of policies: whether a connection from one pod to a
 * pod or an address on a port is allowed. A pod is isolated for a direction once any policy of its
 * namespace selects it with that policy type; then only what some rule of those policies allows
 * passes, and a connection needs both the source's egress and the destination's ingress. An ipBlock
 * is taken to match pod addresses too, which only makes the negative checks stricter.
 */
final class NetworkFlows {

  /** A pod: where it runs, its labels, its address. */
  record Pod(String name, String namespace, Map<String, String> labels, String ip) {}

  private final List<JsonNode> policies;
  private final Map<String, Map<String, String>> namespaceLabels;

  /**
   * @param policies NetworkPolicies, each with {@code metadata.namespace}
   * @param namespaceLabels the labels of every namespace a pod may be in
   */
  NetworkFlows(List<JsonNode> policies, Map<String, Map<String, String>> namespaceLabels) {
    this.policies = List.copyOf(policies);
    this.namespaceLabels = namespaceLabels;
  }

  boolean allowed(Pod from, Pod to, int port, String protocol) {
    return direction(from, "Egress", "egress", "to", to, to.ip(), port, protocol)
        && direction(to, "Ingress", "ingress", "from", from, from.ip(), port, protocol);
  }

  /** A connection from a pod to an address outside the cluster (only egress applies). */
  boolean allowed(Pod from, String ip, int port, String protocol) {
    return direction(from, "Egress", "egress", "to", null, ip, port, protocol);
  }

  private boolean direction(
      Pod subject,
      String type,
      String rulesField,
      String peersField,
      Pod peer,
      String peerIp,
      int port,
      String protocol) {
    List<JsonNode> selecting = new ArrayList<>();
    for (JsonNode policy : policies) {
      if (policy.at("/metadata/namespace").asText().equals(subject.namespace())
          && matches(policy.at("/spec/podSelector"), subject.labels())
          && types(policy).contains(type)) {
        selecting.add(policy);
      }
    }
    if (selecting.isEmpty()) {
      return true;
    }
    for (JsonNode policy : selecting) {
      for (JsonNode rule : policy.at("/spec/" + rulesField)) {
        if (ports(rule.path("ports"), port, protocol)
            && peers(
                rule.path(peersField), policy.at("/metadata/namespace").asText(), peer, peerIp)) {
          return true;
        }
      }
    }
    return false;
  }

  private static List<String> types(JsonNode policy) {
    List<String> types = new ArrayList<>();
    JsonNode declared = policy.at("/spec/policyTypes");
    if (declared.isArray()) {
      declared.forEach(t -> types.add(t.asText()));
    } else {
      types.add("Ingress");
      if (policy.at("/spec/egress").isArray()) {
        types.add("Egress");
      }
    }
    return types;
  }

  private static boolean ports(JsonNode ports, int port, String protocol) {
    if (ports.isMissingNode() || ports.isEmpty()) {
      return true;
    }
    for (JsonNode entry : ports) {
      boolean protocolMatches = entry.path("protocol").asText("TCP").equals(protocol);
      JsonNode number = entry.path("port");
      int from = number.asInt();
      int to = entry.path("endPort").asInt(from);
      if (protocolMatches && (number.isMissingNode() || (port >= from && port <= to))) {
        return true;
      }
    }
    return false;
  }

  private boolean peers(JsonNode peers, String policyNamespace, Pod peer, String peerIp) {
    if (peers.isMissingNode() || peers.isEmpty()) {
      return true;
    }
    for (JsonNode entry : peers) {
      if (entry.has("ipBlock")) {
        if (inBlock(entry.path("ipBlock"), peerIp)) {
          return true;
        }
        continue;
      }
      if (peer == null) {
        continue;
      }
      boolean namespaceMatches =
          entry.has("namespaceSelector")
              ? matches(
                  entry.path("namespaceSelector"),
                  namespaceLabels.getOrDefault(peer.namespace(), Map.of()))
              : peer.namespace().equals(policyNamespace);
      boolean podMatches =
          !entry.has("podSelector") || matches(entry.path("podSelector"), peer.labels());
      if (namespaceMatches && podMatches) {
        return true;
      }
    }
    return false;
  }

  /** A label selector: matchLabels and matchExpressions; an empty selector matches all. */
  static boolean matches(JsonNode selector, Map<String, String> labels) {
    for (var entry : selector.path("matchLabels").properties()) {
      if (!entry.getValue().asText().equals(labels.get(entry.getKey()))) {
        return false;
      }
    }
    for (JsonNode expression : selector.path("matchExpressions")) {
      String key = expression.path("key").asText();
      List<String> values = new ArrayList<>();
      expression.path("values").forEach(v -> values.add(v.asText()));
      boolean ok =
          switch (expression.path("operator").asText()) {
            case "In" -> values.contains(labels.get(key));
            case "NotIn" -> !values.contains(labels.get(key));
            case "Exists" -> labels.containsKey(key);
            case "DoesNotExist" -> !labels.containsKey(key);
            default ->
                throw new IllegalArgumentException(
                    "unknown selector operator " + expression.path("operator").asText());
          };
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  static boolean inBlock(JsonNode block, String ip) {
    if (!inCidr(block.path("cidr").asText(), ip)) {
      return false;
    }
    for (JsonNode except : block.path("except")) {
      if (inCidr(except.asText(), ip)) {
        return false;
      }
    }
    return true;
  }

  static boolean inCidr(String cidr, String ip) {
    if (cidr.contains(":") || ip.contains(":")) {
      return cidr.contains(":") == ip.contains(":") && cidr.endsWith("/0");
    }
    String[] parts = cidr.split("/");
    int bits = Integer.parseInt(parts[1]);
    long mask = bits == 0 ? 0 : (0xffffffffL << (32 - bits)) & 0xffffffffL;
    return (address(parts[0]) & mask) == (address(ip) & mask);
  }

  private static long address(String ip) {
    long value = 0;
    for (String octet : ip.split("\\.")) {
      value = (value << 8) | Integer.parseInt(octet);
    }
    return value;
  }
}
