package io.cdcplatform.local;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The build output of the {@code kafka-runtime} module: the Kafka 4.x classpath the brokers and the
 * Connect worker run on, and the Debezium plugin directory.
 */
record KafkaRuntime(String classpath, Path pluginPath) {

  static KafkaRuntime in(Path home) {
    Path target = home.resolve("kafka-runtime/target");
    Path classpathFile = target.resolve("runtime-classpath.txt");
    Path plugins = target.resolve("connect-plugins");
    if (!Files.isRegularFile(classpathFile) || !Files.isDirectory(plugins)) {
      throw new IllegalArgumentException(
          "--home: expected the built kafka-runtime module under "
              + target
              + "; run 'make build' (or start through 'make demo') first");
    }
    try {
      return new KafkaRuntime(
          target.resolve("classes") + File.pathSeparator + Files.readString(classpathFile).trim(),
          plugins);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + classpathFile, e);
    }
  }
}
