package io.cdcplatform.operator;

import io.cdcplatform.health.ContinuousVerifier;
import io.cdcplatform.health.Oracles;
import io.cdcplatform.health.ProbeException;
import io.cdcplatform.health.VerificationLoop;
import io.cdcplatform.operator.api.CdcPipeline;
import io.cdcplatform.operator.api.CdcPipelineSpec;
import io.cdcplatform.operator.api.VerificationSpec;
import io.cdcplatform.pipeline.PipelineDefinition;
import io.cdcplatform.pipeline.PipelineDefinitions;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Continuous verification of each CdcPipeline that asks for it: one {@link VerificationLoop} per
 * pipeline, logged in with the Secret its spec names, evaluating the oracles of the definition in
 * the ConfigMap it names. A loop is started again when the endpoint, the Secret, the ConfigMap or
 * the interval changes (a rotated password or an edited definition is picked up at the next look)
 * and stopped when the pipeline no longer asks for it or is gone. Each look returns one line for
 * the pipeline's status: how often and the newest round's outcome, or why no round runs.
 */
final class PipelineVerifications implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(PipelineVerifications.class);

  private record Running(String fingerprint, VerificationLoop loop, String every) {}

  private final KubernetesClient client;
  private final Path work;
  private final Map<String, Running> running = new HashMap<>();
  private final ScheduledExecutorService sweeper =
      Executors.newSingleThreadScheduledExecutor(
          runnable -> {
            Thread thread = new Thread(runnable, "verification-sweeper");
            thread.setDaemon(true);
            return thread;
          });

  /**
   * @param work where each definition is written out to be read (the reconciler's /tmp)
   */
  PipelineVerifications(KubernetesClient client, Path work) {
    this.client = client;
    this.work = work;
    // A deleted pipeline is not reconciled again: its loop is stopped here.
    sweeper.scheduleWithFixedDelay(this::sweep, 1, 1, TimeUnit.MINUTES);
  }

  /**
   * Starts, keeps or stops the pipeline's verification as its spec says.
   *
   * @return the status line; null when the spec does not ask for verification
   */
  synchronized String look(CdcPipeline pipeline, CdcPipelineSpec spec) {
    String namespace = pipeline.getMetadata().getNamespace();
    String key = namespace + "/" + pipeline.getMetadata().getName();
    VerificationSpec wanted = spec.getVerification();
    if (wanted == null || wanted.getIntervalSeconds() == 0) {
      stop(key);
      return null;
    }
    try {
      Secret secret = Secrets.get(client, namespace, wanted.getCredentialsSecret());
      ConfigMap definition = configMap(namespace, wanted.getDefinitionConfigMap());
      String fingerprint =
          String.join(
              "|",
              SpecSettings.jdbcUrl(spec),
              secret.getMetadata().getResourceVersion(),
              wanted.getUsernameKey(),
              wanted.getPasswordKey(),
              definition.getMetadata().getResourceVersion(),
              String.valueOf(wanted.getIntervalSeconds()),
              String.valueOf(wanted.getCutWaitSeconds()));
      Running current = running.get(key);
      if (current == null || !current.fingerprint().equals(fingerprint)) {
        stop(key);
        current = start(key, spec, wanted, secret, definition, fingerprint);
        running.put(key, current);
      }
      return state(current);
    } catch (ProbeException | IllegalArgumentException e) {
      stop(key);
      return "not running: " + e.getMessage();
    }
  }

  /** Stops the loops of pipelines not in {@code keys} ({@code namespace/name}). */
  synchronized void retain(Set<String> keys) {
    for (String key : List.copyOf(running.keySet())) {
      if (!keys.contains(key)) {
        stop(key);
      }
    }
  }

  /** The pipelines with a loop running, as {@code namespace/name}. */
  synchronized Set<String> running() {
    return Set.copyOf(running.keySet());
  }

  /** Stops the loops of pipelines that no longer exist. */
  void sweep() {
    for (String key : running()) {
      String[] parts = key.split("/", 2);
      try {
        if (client.resources(CdcPipeline.class).inNamespace(parts[0]).withName(parts[1]).get()
            == null) {
          synchronized (this) {
            stop(key);
          }
        }
      } catch (RuntimeException e) {
        LOG.warn("verification: cannot tell whether {} still exists: {}", key, e.getMessage());
      }
    }
  }

  private Running start(
      String key,
      CdcPipelineSpec spec,
      VerificationSpec wanted,
      Secret secret,
      ConfigMap files,
      String fingerprint) {
    PipelineDefinition definition = definition(key, files);
    List<Oracles.Oracle> oracles = Oracles.of(definition);
    if (oracles.isEmpty()) {
      throw new ProbeException(
          "the definition in ConfigMap "
              + files.getMetadata().getName()
              + " has no analytic with an oracle to compare");
    }
    String user = Secrets.value(secret, wanted.getUsernameKey());
    VerificationLoop loop =
        new VerificationLoop(
            new ContinuousVerifier(
                SpecSettings.jdbcUrl(spec),
                user,
                Secrets.value(secret, wanted.getPasswordKey()),
                definition.name(),
                definition.source().heartbeat().qualified(),
                oracles,
                Duration.ofSeconds(wanted.getCutWaitSeconds())),
            line -> LOG.info("{}: {}", key, line));
    loop.start(Duration.ofSeconds(wanted.getIntervalSeconds()));
    String every =
        String.format(
            Locale.ROOT,
            "every %d s, %d tables against their oracles, as %s",
            wanted.getIntervalSeconds(),
            oracles.size(),
            user);
    LOG.info("{}: verification {}", key, every);
    return new Running(fingerprint, loop, every);
  }

  private static String state(Running running) {
    var problem = running.loop().problem();
    if (problem.isPresent()) {
      String line = problem.get().lines().findFirst().orElse("").strip();
      return running.every()
          + "; the newest round failed: "
          + (line.length() > 300 ? line.substring(0, 300) + "..." : line);
    }
    var last = running.loop().last();
    if (last.isEmpty()) {
      return running.every() + "; no round yet";
    }
    ContinuousVerifier.Round round = last.get();
    return running.every()
        + "; newest round "
        + round.outcome().label()
        + switch (round.outcome()) {
          case EQUAL -> "";
          case DIFFERING ->
              String.format(
                  Locale.ROOT,
                  ": %d of %d tables differ",
                  round.tablesDiffering(),
                  round.tablesCompared());
          case INCONCLUSIVE, MISSED -> ": " + round.detail();
        };
  }

  /**
   * The definition in ConfigMap {@code name}, written out under the work folder at {@code key}.
   *
   * @throws ProbeException when there is no such ConfigMap or it holds no definition
   * @throws IllegalArgumentException when the definition is invalid, naming the ConfigMap's file
   */
  PipelineDefinition definition(String namespace, String name, String key) {
    return definition(key, configMap(namespace, name));
  }

  /** The ConfigMap's files written out under the work folder, loaded as a pipeline definition. */
  private PipelineDefinition definition(String key, ConfigMap files) {
    String name = files.getMetadata().getName();
    Path folder = work.resolve(key).resolve(name);
    Map<String, String> data = files.getData() == null ? Map.of() : files.getData();
    if (!data.containsKey(PipelineDefinitions.FILE_NAME)) {
      throw new ProbeException(
          "ConfigMap " + name + " has no key " + PipelineDefinitions.FILE_NAME);
    }
    try {
      delete(folder);
      Files.createDirectories(folder);
      for (Map.Entry<String, String> file : data.entrySet()) {
        if (!file.getKey().matches("[-._a-zA-Z0-9]+") || file.getKey().matches("\\.+")) {
          throw new ProbeException(
              "ConfigMap " + name + ": expected file names as keys, got '" + file.getKey() + "'");
        }
        Files.writeString(folder.resolve(file.getKey()), file.getValue(), StandardCharsets.UTF_8);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      return PipelineDefinitions.load(folder);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          String.valueOf(e.getMessage())
              .replace(folder + "/", "ConfigMap " + name + " ")
              .replace(folder.toString(), "ConfigMap " + name),
          e);
    }
  }

  private ConfigMap configMap(String namespace, String name) {
    ConfigMap found = client.configMaps().inNamespace(namespace).withName(name).get();
    if (found == null) {
      throw new ProbeException("ConfigMap " + namespace + "/" + name + " does not exist");
    }
    return found;
  }

  private void stop(String key) {
    Running stopped = running.remove(key);
    if (stopped != null) {
      stopped.loop().close();
      LOG.info("{}: verification stopped", key);
    }
  }

  private static void delete(Path folder) throws IOException {
    if (!Files.exists(folder)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(folder)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }

  @Override
  public synchronized void close() {
    sweeper.shutdownNow();
    for (String key : List.copyOf(running.keySet())) {
      stop(key);
    }
  }
}
