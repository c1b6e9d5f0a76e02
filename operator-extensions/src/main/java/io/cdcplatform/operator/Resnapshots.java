package io.cdcplatform.operator;

import io.cdcplatform.health.ProbeException;
import io.cdcplatform.health.Reason;
import io.cdcplatform.health.Stage;
import io.cdcplatform.health.Verdict;
import io.cdcplatform.operator.api.CdcPipeline;
import io.cdcplatform.operator.api.CdcPipelineSpec;
import io.cdcplatform.operator.api.ResnapshotStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.strimzi.api.ResourceAnnotations;
import io.strimzi.api.kafka.model.common.ConnectorState;
import io.strimzi.api.kafka.model.connector.KafkaConnector;
import java.time.Instant;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-snapshots a pipeline whose replication slot PostgreSQL invalidated, or whose definition gained
 * a table (source-setup asks for it in the heartbeat row), through its KafkaConnector, one step per
 * look, as the launcher's SlotRecovery does locally:
 *
 * <ol>
 *   <li>the verdict says {@code SourceReady WalLost}, or a new snapshot is asked (read as the
 *       capture role): the KafkaConnector's {@code spec.state} is set to {@code stopped} (Strimzi
 *       stops the connector; a stopped connector's offsets may be changed) — step {@code Stopping};
 *   <li>Strimzi reports the connector {@code STOPPED}: the slot is released as the capture role
 *       (the new snapshot marked in the heartbeat row, the slot dropped: {@code LostSlot}) and the
 *       KafkaConnector annotated {@code strimzi.io/connector-offsets: reset} — step {@code
 *       Resetting};
 *   <li>Strimzi has reset the offsets and removed the annotation: {@code spec.state} is set to
 *       {@code running} — step {@code Resuming}; the connector, without offsets, creates the slot
 *       and snapshots every captured table;
 *   <li>Strimzi reports the connector {@code RUNNING}: the re-snapshot is counted as completed.
 * </ol>
 *
 * <p>Each step is decided from what Strimzi reports and the step recorded in the CdcPipeline's
 * status, so a reconciler restarted in between carries on where it was. A step that cannot be taken
 * yet (the slot cannot be released, a patch is refused) is said in the status message and tried
 * again at the next look. The verdict is judged before anything is done, so it names the lost slot
 * first. Strimzi's behaviour relied on was read in its 1.2.0 sources ({@code
 * AbstractConnectOperator}: {@code updateState} applies {@code spec.state}; {@code
 * manageConnectorOffsets} resets only a connector Connect reports STOPPED, then removes the
 * annotation; a failed reset leaves it for the next reconciliation).
 */
final class Resnapshots {

  static final String STOPPING = "Stopping";
  static final String RESETTING = "Resetting";
  static final String RESUMING = "Resuming";

  private static final Logger LOG = LoggerFactory.getLogger(Resnapshots.class);

  /**
   * How long a read of the heartbeat row's snapshot request is trusted while the connector's tables
   * stay the same. Source-setup asks for a snapshot when a table is added, and the connector's
   * {@code table.include.list} gains that table at the same upgrade, so a changed list is read at
   * once; otherwise the capture role logs in once a minute per pipeline, not at every look.
   */
  static final java.time.Duration REQUEST_RECHECK = java.time.Duration.ofMinutes(1);

  /**
   * A read of a pipeline's heartbeat row that found no snapshot request, and the connector tables
   * it was made with. A request found is taken at once, so only reads that found none are kept.
   */
  private record NothingAsked(java.util.Set<String> capturing, Instant at) {}

  private final StageProbes probes;
  private final Map<String, NothingAsked> nothingAsked =
      new java.util.concurrent.ConcurrentHashMap<>();

  Resnapshots(StageProbes probes) {
    this.probes = probes;
  }

  /** Forgets every pipeline not among {@code keys} ({@code namespace/name}): they are gone. */
  void retain(java.util.Set<String> keys) {
    nothingAsked.keySet().retainAll(keys);
  }

  /**
   * Takes the next step, if one is due.
   *
   * @return the status to record; the previous one when the spec does not ask for re-snapshots
   */
  ResnapshotStatus look(
      KubernetesClient client,
      CdcPipeline pipeline,
      CdcPipelineSpec spec,
      Verdict verdict,
      KafkaConnector connector,
      Instant now) {
    ResnapshotStatus previous =
        pipeline.getStatus() == null ? null : pipeline.getStatus().getResnapshot();
    if (spec.getResnapshot() == null) {
      return previous;
    }
    ResnapshotStatus next = copy(previous);
    String name = spec.getCapture().getConnector();
    if (connector == null) {
      if (next.getStep() != null) {
        next.setMessage("waiting for KafkaConnector " + name + ", which does not exist");
      }
      return next;
    }
    String slot = spec.getSource().getSlot();
    String running = runtimeState(connector);
    try {
      if (next.getStep() == null) {
        String why = why(pipeline, spec, verdict, slot, capturing(connector), now);
        if (why != null) {
          edit(client, connector, c -> withState(c, ConnectorState.STOPPED));
          next.setStep(STOPPING);
          next.setStartedAt(now.toString());
          next.setMessage(why + ": KafkaConnector " + name + " asked to stop");
          LOG.info("{}", next.getMessage());
        }
      } else if (next.getStep().equals(STOPPING)) {
        if (!"STOPPED".equals(running)) {
          next.setMessage("waiting for connector " + name + " to stop (it is " + running + ")");
        } else {
          String released =
              verdict.condition(Stage.SOURCE).reason() == Reason.SLOT_MISSING
                  ? "replication slot " + slot + " already released"
                  : probes.releaseLostSlot(pipeline, spec, capturing(connector));
          edit(
              client,
              connector,
              c -> {
                c.getMetadata()
                    .getAnnotations()
                    .put(ResourceAnnotations.ANNO_STRIMZI_IO_CONNECTOR_OFFSETS, "reset");
                return c;
              });
          next.setStep(RESETTING);
          next.setMessage(released + "; Strimzi asked to reset the offsets of " + name);
          LOG.info("{}", next.getMessage());
        }
      } else if (next.getStep().equals(RESETTING)) {
        if (annotations(connector)
            .containsKey(ResourceAnnotations.ANNO_STRIMZI_IO_CONNECTOR_OFFSETS)) {
          next.setMessage("waiting for Strimzi to reset the offsets of " + name);
        } else {
          edit(client, connector, c -> withState(c, ConnectorState.RUNNING));
          next.setStep(RESUMING);
          next.setMessage(
              "offsets of " + name + " reset; asked to run, it creates the slot and snapshots");
          LOG.info("{}", next.getMessage());
        }
      } else if (next.getStep().equals(RESUMING)) {
        if ("RUNNING".equals(running)) {
          next.setStep(null);
          next.setStartedAt(null);
          next.setCompleted(next.getCompleted() + 1);
          next.setLastCompletedAt(now.toString());
          next.setMessage(
              "connector " + name + " running again from a new snapshot of every captured table");
          LOG.info("{}", next.getMessage());
        } else {
          next.setMessage("waiting for connector " + name + " to run (it is " + running + ")");
        }
      }
    } catch (ProbeException | io.fabric8.kubernetes.client.KubernetesClientException e) {
      next.setMessage(
          (next.getStep() == null
                  ? "cannot tell whether a new snapshot is needed, asked again at the next look: "
                  : "step " + next.getStep() + " not taken yet, tried again at the next look: ")
              + e.getMessage());
    }
    return next;
  }

  /**
   * Why capture must start again from a new snapshot: the slot is lost, or source-setup added a
   * table whose earlier rows no change topic carries; null when it need not.
   */
  private String why(
      CdcPipeline pipeline,
      CdcPipelineSpec spec,
      Verdict verdict,
      String slot,
      java.util.Set<String> capturing,
      Instant now) {
    if (verdict.condition(Stage.SOURCE).reason() == Reason.WAL_LOST) {
      return "replication slot " + slot + " lost";
    }
    String key = pipeline.getMetadata().getNamespace() + "/" + pipeline.getMetadata().getName();
    NothingAsked last = nothingAsked.get(key);
    if (last != null
        && last.capturing().equals(capturing)
        && now.isBefore(last.at().plus(REQUEST_RECHECK))) {
      return null;
    }
    java.util.OptionalLong asked = probes.resnapshotRequested(pipeline, spec);
    if (asked.isEmpty()) {
      nothingAsked.put(key, new NothingAsked(capturing, now));
      return null;
    }
    // Not kept: any read kept is stale or of other tables, so the look after the re-snapshot reads.
    return "a table was added to the definition (source-setup asked for a new snapshot at LSN "
        + asked.getAsLong()
        + ")";
  }

  /** The tables the connector's configuration captures ({@code table.include.list}). */
  static java.util.Set<String> capturing(KafkaConnector connector) {
    Object list =
        connector.getSpec().getConfig() == null
            ? null
            : connector.getSpec().getConfig().get("table.include.list");
    if (!(list instanceof String names) || names.isBlank()) {
      return java.util.Set.of();
    }
    java.util.Set<String> tables = new java.util.TreeSet<>();
    for (String name : names.split(",")) {
      tables.add(name.strip());
    }
    return tables;
  }

  /** The connector's state as Connect reports it through Strimzi, or UNKNOWN. */
  static String runtimeState(KafkaConnector connector) {
    if (connector.getStatus() == null || connector.getStatus().getConnectorStatus() == null) {
      return "UNKNOWN";
    }
    Object of = connector.getStatus().getConnectorStatus().get("connector");
    return of instanceof Map<?, ?> map && map.get("state") instanceof String state
        ? state
        : "UNKNOWN";
  }

  private static Map<String, String> annotations(KafkaConnector connector) {
    Map<String, String> annotations = connector.getMetadata().getAnnotations();
    return annotations == null ? Map.of() : annotations;
  }

  private static KafkaConnector withState(KafkaConnector connector, ConnectorState state) {
    connector.getSpec().setState(state);
    return connector;
  }

  private static void edit(
      KubernetesClient client, KafkaConnector connector, UnaryOperator<KafkaConnector> change) {
    client
        .resources(KafkaConnector.class)
        .inNamespace(connector.getMetadata().getNamespace())
        .withName(connector.getMetadata().getName())
        .edit(
            c -> {
              if (c.getMetadata().getAnnotations() == null) {
                c.getMetadata().setAnnotations(new java.util.HashMap<>());
              }
              return change.apply(c);
            });
  }

  private static ResnapshotStatus copy(ResnapshotStatus previous) {
    ResnapshotStatus next = new ResnapshotStatus();
    if (previous != null) {
      next.setStep(previous.getStep());
      next.setStartedAt(previous.getStartedAt());
      next.setMessage(previous.getMessage());
      next.setCompleted(previous.getCompleted());
      next.setLastCompletedAt(previous.getLastCompletedAt());
    }
    return next;
  }
}
