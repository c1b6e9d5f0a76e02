package io.cdcplatform.flink;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.streaming.api.datastream.DataStream;

/**
 * Where the analytics tables' sinks leave their results while the planner translates the job's
 * statements, so that one {@link ResultsCommitter} can then commit them all together. A job's
 * tables are gathered under a name of its own (the sinks' {@code commit-group} option); the job
 * takes them once its statements are translated. Used while the job is built, in one JVM.
 */
final class ResultCommits {

  /** One table's sink: what it writes, and its results. */
  record Table(ResultTable.Target target, DataStream<Committable> results) {}

  private static final Map<String, List<Table>> GROUPS = new ConcurrentHashMap<>();

  private ResultCommits() {}

  static void register(String group, ResultTable.Target target, DataStream<Committable> results) {
    GROUPS.computeIfAbsent(group, g -> new ArrayList<>()).add(new Table(target, results));
  }

  /** The group's tables, in the order their sinks were translated; the group is forgotten. */
  static List<Table> take(String group) {
    List<Table> tables = GROUPS.remove(group);
    return tables == null ? List.of() : List.copyOf(tables);
  }
}
