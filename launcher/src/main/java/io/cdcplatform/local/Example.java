package io.cdcplatform.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An example under {@code examples/<name>/}: its pipeline definition ({@code pipeline/}), the
 * schema the local run creates for it ({@code schema.sql}) and its workload ({@code workload.sql},
 * one transaction, repeated). The shop, the chart's own pipeline, has its own ingest job instead.
 */
record Example(String name, Path pipeline, String schema, String workload) {

  /**
   * Reads an example folder.
   *
   * @throws IllegalArgumentException naming the folder and the file it lacks
   */
  static Example in(Path folder) {
    Path pipeline = folder.resolve("pipeline");
    for (Path required :
        new Path[] {
          pipeline.resolve("pipeline.yaml"),
          folder.resolve("schema.sql"),
          folder.resolve("workload.sql")
        }) {
      if (!Files.isRegularFile(required)) {
        throw new IllegalArgumentException(
            "--example: "
                + folder
                + " lacks "
                + folder.relativize(required)
                + "; expected pipeline/pipeline.yaml, schema.sql and workload.sql");
      }
    }
    try {
      return new Example(
          folder.getFileName().toString(),
          pipeline,
          Files.readString(folder.resolve("schema.sql"), StandardCharsets.UTF_8),
          Files.readString(folder.resolve("workload.sql"), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "--example: cannot read " + folder + ": " + e.getMessage());
    }
  }
}
