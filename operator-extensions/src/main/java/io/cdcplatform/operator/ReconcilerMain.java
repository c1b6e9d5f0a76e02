package io.cdcplatform.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.RegisteredController;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * Starts the CdcPipeline reconciler. Settings come from the environment: {@code WATCH_NAMESPACES}
 * (comma-separated; default: the pod's own namespace), {@code HTTP_PORT} (default 8080), {@code
 * RECHECK_READY} and {@code RECHECK_NOT_READY} (seconds; defaults 30 and 5).
 */
public final class ReconcilerMain {

  private ReconcilerMain() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> env = System.getenv();
    int port;
    CdcPipelineReconciler.Pace pace;
    try {
      port = number(env, "HTTP_PORT", 8080);
      pace =
          new CdcPipelineReconciler.Pace(
              Duration.ofSeconds(number(env, "RECHECK_READY", 30)),
              Duration.ofSeconds(number(env, "RECHECK_NOT_READY", 5)));
    } catch (IllegalArgumentException e) {
      System.err.println("cdc-pipeline-reconciler: " + e.getMessage());
      System.exit(2);
      return;
    }
    KubernetesClient client = new KubernetesClientBuilder().build();
    PipelineMetrics metrics = new PipelineMetrics(Clock.systemUTC(), Duration.ofMinutes(5));
    Operator operator;
    try {
      operator =
          start(
              client,
              new NetworkProbes(
                  client,
                  java.nio.file.Path.of(System.getProperty("java.io.tmpdir"), "cdc-verification")),
              metrics,
              Clock.systemUTC(),
              pace,
              env.getOrDefault("WATCH_NAMESPACES", ""));
    } catch (RuntimeException e) {
      System.err.println("cdc-pipeline-reconciler: cannot start: " + e.getMessage());
      System.exit(1);
      return;
    }
    OperatorEndpoints endpoints =
        new OperatorEndpoints(
            port, metrics, () -> operator.getRuntimeInfo().allEventSourcesAreHealthy());
    Runtime.getRuntime().addShutdownHook(new Thread(endpoints::close, "endpoints-stop"));
  }

  /**
   * An operator running the reconciler on {@code client}, patching status without server-side apply
   * (the same path the tests take on the mock API server).
   */
  static Operator start(
      KubernetesClient client,
      StageProbes probes,
      PipelineMetrics metrics,
      Clock clock,
      CdcPipelineReconciler.Pace pace,
      String namespaces) {
    Operator operator =
        new Operator(
            overrider ->
                overrider
                    .withKubernetesClient(client)
                    .withUseSSAToPatchPrimaryResource(false)
                    .withCloseClientOnStop(false));
    RegisteredController<?> controller =
        operator.register(
            new CdcPipelineReconciler(probes, metrics, clock, pace),
            configuration -> {
              if (namespaces.isBlank()) {
                configuration.watchingOnlyCurrentNamespace();
              } else {
                configuration.settingNamespaces(Set.of(namespaces.split(",")));
              }
            });
    operator.installShutdownHook(Duration.ofSeconds(10));
    operator.start();
    return operator;
  }

  private static int number(Map<String, String> env, String name, int fallback) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      return fallback;
    }
    try {
      int number = Integer.parseInt(value.strip());
      if (number > 0) {
        return number;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(
        name + ": expected a positive whole number, got \"" + value + "\"");
  }
}
