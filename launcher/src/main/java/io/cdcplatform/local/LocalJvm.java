package io.cdcplatform.local;

import java.util.List;

/**
 * JVM options of the local brokers and Connect worker: small heaps and the client compiler only, so
 * three brokers, a Connect worker, the Flink job and PostgreSQL share two cores and stay within 2
 * GB together.
 */
final class LocalJvm {

  private LocalJvm() {}

  static List<String> small(String maxHeap, String codeCache, String metaspace) {
    return List.of(
        "-Xms64m",
        "-Xmx" + maxHeap,
        "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1",
        "-XX:ReservedCodeCacheSize=" + codeCache,
        "-XX:MaxMetaspaceSize=" + metaspace,
        "-Xss512k",
        "-Djava.awt.headless=true",
        "-Dlog4j2.configurationFile=log4j2-local.properties");
  }
}
