package io.cdcplatform.flink;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamSink;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.table.catalog.ResolvedSchema;
import org.apache.flink.table.factories.DynamicTableFactory;

/**
 * Where the analytics tables' and topics' sinks leave their results while the planner translates
 * the job's statements, so that one {@link ResultsCommitter} then commits every table together and
 * one exactly-once Kafka sink writes every topic in one transaction. A job's sinks are gathered
 * under a name of its own (the sinks' {@code commit-group} option); the job takes them once its
 * statements are translated. Used while the job is built, in one JVM.
 */
final class ResultCommits {

  /** One table's sink: what it writes, and its results. */
  record Table(ResultTable.Target target, DataStream<Committable> results) {}

  /** A job's gathered sinks, in the order they were translated. */
  record Group(List<Table> tables, List<DataStream<TopicRecord>> topics) {}

  private static final Map<String, Group> GROUPS = new ConcurrentHashMap<>();

  private ResultCommits() {}

  static void register(String group, ResultTable.Target target, DataStream<Committable> results) {
    of(group).tables().add(new Table(target, results));
  }

  static void registerTopic(String group, DataStream<TopicRecord> records) {
    of(group).topics().add(records);
  }

  private static Group of(String group) {
    return GROUPS.computeIfAbsent(group, g -> new Group(new ArrayList<>(), new ArrayList<>()));
  }

  /** The group's sinks; the group is forgotten. */
  static Group take(String group) {
    Group taken = GROUPS.remove(group);
    return taken == null
        ? new Group(List.of(), List.of())
        : new Group(List.copyOf(taken.tables()), List.copyOf(taken.topics()));
  }

  /**
   * The end of a gathered sink's own branch: the records are written by the job's committer or its
   * Kafka sink, so this end writes nothing.
   */
  static DataStreamSink<?> endOfBranch(DataStream<?> gathered, String name) {
    return gathered
        .sinkTo(new DiscardingSink<>())
        .name(name)
        .uid(name)
        .setParallelism(gathered.getParallelism());
  }

  /** The positions of a gathered sink's primary key columns, which it requires. */
  static int[] primaryKey(DynamicTableFactory.Context context) {
    ResolvedSchema schema = context.getCatalogTable().getResolvedSchema();
    return schema
        .getPrimaryKey()
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    context.getObjectIdentifier() + ": a PRIMARY KEY is required"))
        .getColumns()
        .stream()
        .mapToInt(schema.getColumnNames()::indexOf)
        .toArray();
  }
}
