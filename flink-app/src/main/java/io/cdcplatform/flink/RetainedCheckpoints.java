package io.cdcplatform.flink;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Finds the newest complete checkpoint a previous run retained, so a restarted job resumes from it
 * instead of from the beginning. A checkpoint is complete once its {@code _metadata} file exists;
 * Flink writes that file last.
 */
final class RetainedCheckpoints {

  private RetainedCheckpoints() {}

  /**
   * The newest retained checkpoint of job {@code jobId} under {@code directory} (Flink keeps each
   * job's checkpoints in a folder named by its id), as a path Flink can restore from.
   */
  static Optional<String> latest(String directory, String jobId) throws IOException {
    Path root =
        (directory.startsWith("file:") ? Path.of(URI.create(directory)) : Path.of(directory))
            .resolve(jobId);
    if (!Files.isDirectory(root)) {
      return Optional.empty();
    }
    try (Stream<Path> files = Files.find(root, 2, (path, attributes) -> isMetadata(path))) {
      return files
          .max(Comparator.comparing(RetainedCheckpoints::modified))
          .map(metadata -> metadata.getParent().toUri().toString());
    }
  }

  private static boolean isMetadata(Path path) {
    return path.getFileName().toString().equals("_metadata")
        && path.getParent().getFileName().toString().startsWith("chk-");
  }

  private static FileTime modified(Path path) {
    try {
      return Files.getLastModifiedTime(path);
    } catch (IOException e) {
      return FileTime.fromMillis(0);
    }
  }
}
