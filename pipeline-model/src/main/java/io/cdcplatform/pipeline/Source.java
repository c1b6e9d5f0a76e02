package io.cdcplatform.pipeline;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where changes come from: the PostgreSQL database (its credentials by reference to a secret), the
 * captured tables, the heartbeat table the capture layer rewrites, and the prefix of the change
 * topics.
 *
 * @param credentialsSecret the Kubernetes secret holding the capture role's username and password
 * @param heartbeat the table Debezium's heartbeat rewrites every second
 */
public record Source(
    String database,
    String credentialsSecret,
    String topicPrefix,
    List<SourceTable> tables,
    TableName heartbeat)
    implements Serializable {

  public Source {
    tables = List.copyOf(tables);
  }

  /** Every table whose changes are captured: the declared ones, then the heartbeat. */
  public List<SourceTable> captured() {
    List<SourceTable> all = new ArrayList<>(tables);
    all.add(new SourceTable(heartbeat, List.of(), null));
    return List.copyOf(all);
  }

  /** The captured table of this name. */
  public Optional<SourceTable> table(TableName name) {
    return captured().stream().filter(t -> t.name().equals(name)).findFirst();
  }
}
