package io.cdcplatform.flink;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RetainedCheckpointsTest {

  private static final String GENERATION_A = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
  private static final String GENERATION_B = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

  @TempDir Path checkpoints;

  @Test
  void theNewestCompleteCheckpointOfTheJobIsRestored() throws Exception {
    complete(GENERATION_A, "chk-3", 1_000);
    complete(GENERATION_A, "chk-7", 2_000);
    Files.createDirectories(checkpoints.resolve(GENERATION_A).resolve("chk-8")); // not complete

    assertThat(RetainedCheckpoints.latest(checkpoints.toUri().toString(), GENERATION_A))
        .hasValue(checkpoints.resolve(GENERATION_A).resolve("chk-7").toUri().toString());
  }

  @Test
  void anotherGenerationsCheckpointsAreNeverRestored() throws Exception {
    complete(GENERATION_A, "chk-7", 2_000);

    assertThat(RetainedCheckpoints.latest(checkpoints.toUri().toString(), GENERATION_B)).isEmpty();
    assertThat(RetainedCheckpoints.latest(checkpoints.resolve("absent").toString(), GENERATION_A))
        .isEmpty();
  }

  private void complete(String job, String checkpoint, long modified) throws Exception {
    Path metadata = checkpoints.resolve(job).resolve(checkpoint).resolve("_metadata");
    Files.createDirectories(metadata.getParent());
    Files.writeString(metadata, "x");
    Files.setLastModifiedTime(metadata, FileTime.fromMillis(modified));
  }
}
