package io.cdcplatform.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The memory of the local pipeline's processes as proportional set size, which counts pages shared
 * between processes (PostgreSQL's shared buffers) once rather than once per process.
 */
final class StackMemory {

  private StackMemory() {}

  /** Kilobytes per component, in start order. */
  static Map<String, Long> of(LocalPipeline pipeline) throws IOException {
    Map<String, Long> kilobytes = new LinkedHashMap<>();
    kilobytes.put("PostgreSQL", postgres(pipeline));
    long brokers = 0;
    for (SupervisedChild broker : pipeline.kafka().brokers()) {
      brokers += pss(broker.pid());
    }
    kilobytes.put("3 brokers", brokers);
    kilobytes.put("Connect", pss(pipeline.connect().process().pid()));
    if (pipeline.flink() != null) {
      kilobytes.put("Flink", pss(pipeline.flink().process().pid()));
    }
    return kilobytes;
  }

  static String describe(Map<String, Long> kilobytes) {
    long total = kilobytes.values().stream().mapToLong(Long::longValue).sum();
    return String.format(Locale.ROOT, "%d MB in all: ", total / 1024)
        + kilobytes.entrySet().stream()
            .map(e -> e.getKey() + " " + e.getValue() / 1024 + " MB")
            .collect(Collectors.joining(", "));
  }

  private static long postgres(LocalPipeline pipeline) throws IOException {
    String dataDirectory = pipeline.postgres().dataDirectory().toString();
    long total = 0;
    for (ProcessHandle process : ProcessHandle.allProcesses().toList()) {
      boolean server = process.info().commandLine().orElse("").contains(dataDirectory);
      boolean backend =
          process
              .parent()
              .map(p -> p.info().commandLine().orElse("").contains(dataDirectory))
              .orElse(false);
      if ((server || backend) && process.info().command().orElse("").contains("postgres")) {
        total += pss(process.pid());
      }
    }
    return total;
  }

  static long pss(long pid) throws IOException {
    Path rollup = Path.of("/proc", String.valueOf(pid), "smaps_rollup");
    if (!Files.exists(rollup)) {
      return 0;
    }
    try (Stream<String> lines = Files.lines(rollup)) {
      return lines
          .filter(l -> l.startsWith("Pss:"))
          .mapToLong(l -> Long.parseLong(l.replaceAll("[^0-9]", "")))
          .sum();
    }
  }
}
