package io.cdcplatform.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * CPU time of the local pipeline's processes, read from {@code /proc/<pid>/stat}, so a benchmark
 * can say how many cores each engine used over a phase and tell contention from per-engine cost.
 *
 * <p>PostgreSQL is a postmaster with a process per connection: its share is the postmaster's own
 * time, the time of the children it has reaped (a backend that exited during the phase is counted
 * in full there) and the time of the children still running. The benchmark's own JVM (the writer,
 * the probes) is counted apart from the tools it runs and waits for (pgbench, pg_recvlogical),
 * whose time the kernel adds to its children's time once they exit.
 */
final class ProcessCpu {

  /** Clock ticks per second of {@code /proc}'s figures: USER_HZ, 100 on every Linux ABI. */
  static final int TICKS_PER_SECOND = 100;

  /** The times of one process, in clock ticks: its own, and that of its reaped children. */
  record Times(long self, long children) {}

  private ProcessCpu() {}

  /**
   * Parses a {@code /proc/<pid>/stat} line. The command name in parentheses may hold spaces and
   * parentheses itself, so the fields are counted from the last closing parenthesis.
   */
  static Times parse(String stat) {
    int end = stat.lastIndexOf(')');
    if (end < 0) {
      throw new IllegalArgumentException("not a /proc/<pid>/stat line: " + stat);
    }
    // After the name: state (field 3), ... utime (14), stime (15), cutime (16), cstime (17).
    String[] fields = stat.substring(end + 2).trim().split(" +");
    if (fields.length < 15) {
      throw new IllegalArgumentException("a /proc/<pid>/stat line with too few fields: " + stat);
    }
    long user = Long.parseLong(fields[11]);
    long system = Long.parseLong(fields[12]);
    long childrenUser = Long.parseLong(fields[13]);
    long childrenSystem = Long.parseLong(fields[14]);
    return new Times(user + system, childrenUser + childrenSystem);
  }

  /** A process's times, or zero ticks when it is gone. */
  static Times of(long pid) {
    try {
      return parse(Files.readString(Path.of("/proc", String.valueOf(pid), "stat")));
    } catch (NoSuchFileException e) {
      return new Times(0, 0);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the CPU time of process " + pid, e);
    }
  }

  /**
   * Ticks used by a server process and everything it started, living or reaped. A child that is
   * reaped while the tree is read would be counted twice or not at all, so the tree is read again
   * until the server's reaped-children time is the same before and after reading its children.
   */
  static long ofTree(long pid) {
    for (int attempt = 0; ; attempt++) {
      Times before = of(pid);
      long descendants = 0;
      for (ProcessHandle child :
          ProcessHandle.of(pid).map(p -> p.descendants().toList()).orElse(List.of())) {
        Times times = of(child.pid());
        descendants += times.self() + times.children();
      }
      Times after = of(pid);
      if (before.children() == after.children() || attempt == 20) {
        return after.self() + after.children() + descendants;
      }
    }
  }

  /** Ticks per component of the local stack, in start order, at this moment. */
  static Map<String, Long> snapshot(LocalPipeline pipeline) {
    Map<String, Long> ticks = new LinkedHashMap<>();
    ticks.put("PostgreSQL", pipeline.postgres().postmasterPid().map(ProcessCpu::ofTree).orElse(0L));
    int broker = 0;
    for (SupervisedChild child : pipeline.kafka().brokers()) {
      ticks.put("broker " + ++broker, of(child.pid()).self());
    }
    ticks.put("Connect", of(pipeline.connect().process().pid()).self());
    if (pipeline.flink() != null) {
      ticks.put("Flink", of(pipeline.flink().process().pid()).self());
    }
    Times self = of(ProcessHandle.current().pid());
    ticks.put("benchmark (writer, probes)", self.self());
    ticks.put("pgbench, pg_recvlogical", self.children());
    return ticks;
  }

  /** Cores each component used between two snapshots taken {@code seconds} apart. */
  static Map<String, Double> cores(
      Map<String, Long> before, Map<String, Long> after, double seconds) {
    Map<String, Double> cores = new LinkedHashMap<>();
    after.forEach(
        (name, ticks) ->
            cores.put(
                name,
                Math.max(0, ticks - before.getOrDefault(name, 0L))
                    / (double) TICKS_PER_SECOND
                    / seconds));
    return cores;
  }

  /** "PostgreSQL 0.52, broker 1 0.20, ..." leaving out components that used nothing. */
  static String describe(Map<String, Double> cores) {
    double total = cores.values().stream().mapToDouble(Double::doubleValue).sum();
    return String.format(Locale.ROOT, "%.2f cores in all: ", total)
        + cores.entrySet().stream()
            .filter(e -> e.getValue() >= 0.005)
            .map(e -> String.format(Locale.ROOT, "%s %.2f", e.getKey(), e.getValue()))
            .collect(Collectors.joining(", "));
  }
}
