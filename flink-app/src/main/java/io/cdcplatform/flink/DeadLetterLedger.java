package io.cdcplatform.flink;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Enters each dead letter in the ledger ({@link Unapplied}) with the checkpoint that sends it to
 * the dead-letter topic: the captured table whose analytics miss the change, the change's
 * coordinates, the reason, and how to recover. The entry stays until someone acknowledges it.
 */
final class DeadLetterLedger extends CommitOnCheckpointSink<Change, ArrayList<Unapplied.Entry>> {

  private static final long serialVersionUID = 1L;

  private final String jdbcUrl;
  private final String user;
  private final String password;
  private final String deadLetterTopic;
  private final Map<String, String> tableByTopic;
  private transient SinkConnection connection;

  DeadLetterLedger(JobSettings settings, List<TableLayout> tables) {
    super("dead-letter-ledger");
    this.jdbcUrl = settings.jdbcUrl();
    this.user = settings.jdbcUser();
    this.password = settings.jdbcPassword();
    this.deadLetterTopic = settings.deadLetterTopic();
    Map<String, String> byTopic = new HashMap<>();
    for (TableLayout table : tables) {
      byTopic.put(table.topic(), table.name().qualified());
    }
    this.tableByTopic = Map.copyOf(byTopic);
  }

  @Override
  void initialize() {
    connection = new SinkConnection(jdbcUrl, user, password);
  }

  @Override
  ArrayList<Unapplied.Entry> newBatch() {
    return new ArrayList<>();
  }

  @Override
  void add(ArrayList<Unapplied.Entry> batch, Change letter) {
    batch.add(entry(letter, tableByTopic, deadLetterTopic));
  }

  static Unapplied.Entry entry(Change letter, Map<String, String> tableByTopic, String topic) {
    String table = tableByTopic.getOrDefault(letter.topic, letter.topic);
    return new Unapplied.Entry(
        table,
        letter.coordinates(),
        Unapplied.Kind.CHANGE_NOT_APPLIED,
        letter.reason,
        "The analytics over "
            + table
            + " miss this change; the record is in topic "
            + topic
            + " under key "
            + letter.coordinates()
            + ". Fix its cause; under a primary key, a later change that corrects or deletes the"
            + " row is applied and heals them, otherwise rebuild the analytics from a new snapshot"
            + " of the source. Then acknowledge with DELETE FROM "
            + Unapplied.TABLE
            + " WHERE item = '"
            + letter.coordinates()
            + "'");
  }

  @Override
  void commit(List<ArrayList<Unapplied.Entry>> batches) throws SQLException {
    List<Unapplied.Entry> all = new ArrayList<>();
    batches.forEach(all::addAll);
    connection.commit(db -> Unapplied.record(db, all));
  }

  @Override
  public void close() {
    if (connection != null) {
      connection.close();
    }
  }
}
