package io.cdcplatform.chart;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The Pod Security Standards' "restricted" profile (Kubernetes 1.32), as the admission controller
 * applies it to a pod spec: what a namespace labelled {@code pod-security.kubernetes.io/enforce:
 * restricted} rejects. Each violation is one line naming the pod, the container and the rule.
 */
final class RestrictedProfile {

  /** Volume types the restricted profile allows. */
  static final Set<String> VOLUME_TYPES =
      Set.of(
          "configMap",
          "csi",
          "downwardAPI",
          "emptyDir",
          "ephemeral",
          "persistentVolumeClaim",
          "projected",
          "secret");

  /** Sysctls the baseline (and so restricted) profile allows. */
  static final Set<String> SAFE_SYSCTLS =
      Set.of(
          "kernel.shm_rmid_forced",
          "net.ipv4.ip_local_port_range",
          "net.ipv4.ip_unprivileged_port_start",
          "net.ipv4.tcp_syncookies",
          "net.ipv4.ping_group_range",
          "net.ipv4.ip_local_reserved_ports",
          "net.ipv4.tcp_keepalive_time",
          "net.ipv4.tcp_fin_timeout",
          "net.ipv4.tcp_keepalive_intvl",
          "net.ipv4.tcp_keepalive_probes");

  private RestrictedProfile() {}

  static List<String> violations(String pod, JsonNode spec) {
    List<String> violations = new ArrayList<>();
    for (String namespace : List.of("hostNetwork", "hostPID", "hostIPC")) {
      if (spec.path(namespace).asBoolean(false)) {
        violations.add(pod + ": " + namespace + " is not allowed");
      }
    }
    JsonNode podContext = spec.path("securityContext");
    for (JsonNode volume : spec.path("volumes")) {
      volume
          .properties()
          .forEach(
              field -> {
                if (!field.getKey().equals("name") && !VOLUME_TYPES.contains(field.getKey())) {
                  violations.add(
                      pod
                          + ": volume "
                          + volume.path("name").asText()
                          + " is of type "
                          + field.getKey()
                          + ", not one of "
                          + VOLUME_TYPES);
                }
              });
    }
    for (JsonNode sysctl : podContext.path("sysctls")) {
      if (!SAFE_SYSCTLS.contains(sysctl.path("name").asText())) {
        violations.add(pod + ": sysctl " + sysctl.path("name").asText() + " is not allowed");
      }
    }
    if (podContext.path("runAsUser").asLong(-1) == 0) {
      violations.add(pod + ": runAsUser 0");
    }
    String podSeccomp = podContext.at("/seccompProfile/type").asText("");
    if (!podSeccomp.isEmpty() && !allowedSeccomp(podSeccomp)) {
      violations.add(pod + ": seccompProfile " + podSeccomp);
    }
    boolean podNonRoot = podContext.path("runAsNonRoot").asBoolean(false);
    for (String list : List.of("initContainers", "containers", "ephemeralContainers")) {
      for (JsonNode container : spec.path(list)) {
        String name = pod + " container " + container.path("name").asText();
        JsonNode context = container.path("securityContext");
        if (context.path("privileged").asBoolean(false)) {
          violations.add(name + ": privileged");
        }
        if (context.path("allowPrivilegeEscalation").asBoolean(true)) {
          violations.add(name + ": allowPrivilegeEscalation must be false");
        }
        if (!context.at("/capabilities/drop").toString().contains("\"ALL\"")) {
          violations.add(name + ": capabilities must drop ALL");
        }
        for (JsonNode added : context.at("/capabilities/add")) {
          if (!added.asText().equals("NET_BIND_SERVICE")) {
            violations.add(name + ": adds capability " + added.asText());
          }
        }
        JsonNode nonRoot = context.path("runAsNonRoot");
        if (nonRoot.isBoolean() ? !nonRoot.asBoolean() : !podNonRoot) {
          violations.add(name + ": runAsNonRoot must be true (on the pod or the container)");
        }
        if (context.path("runAsUser").asLong(-1) == 0) {
          violations.add(name + ": runAsUser 0");
        }
        String seccomp = context.at("/seccompProfile/type").asText("");
        if (seccomp.isEmpty() ? podSeccomp.isEmpty() : !allowedSeccomp(seccomp)) {
          violations.add(
              name + ": seccompProfile must be RuntimeDefault or Localhost (pod or container)");
        }
        for (JsonNode port : container.path("ports")) {
          if (port.path("hostPort").asInt(0) != 0) {
            violations.add(name + ": hostPort " + port.path("hostPort").asInt());
          }
        }
      }
    }
    return violations;
  }

  private static boolean allowedSeccomp(String type) {
    return type.equals("RuntimeDefault") || type.equals("Localhost");
  }
}
