package io.cdcplatform.flink;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.RestoreMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.sink.SinkFunction;
import org.apache.flink.streaming.api.functions.source.SourceFunction;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job's state backend settings ({@link AnalyticsJob#changelog}) survive what {@code make demo}
 * does after a crash: a new run restores the newest retained checkpoint of the previous one ({@link
 * RetainedCheckpoints}) and carries on from its keyed state. In the default restore mode the
 * changelog backend refuses every such start; this test runs that case too, so it fails if the
 * settings stop choosing the mode that works.
 */
class ChangelogRestoreIT {

  /** The newest count each run saw per key, by run: written by the sink, read by the test. */
  static final Map<String, Map<Long, Long>> SEEN = new ConcurrentHashMap<>();

  /** Both runs are one job, as every run of one definition's generation is (AnalyticsJob). */
  static final String JOB_ID = "0123456789abcdef0123456789abcdef";

  @TempDir Path work;

  @Test
  void aRestartedRunCarriesOnFromTheRetainedChangelogCheckpoint() throws Exception {
    String checkpoints = work.resolve("checkpoints").toUri().toString();
    JobClient first = start("first", settings(checkpoints, null));
    awaitRetained(checkpoints, first);
    first.cancel().get(30, TimeUnit.SECONDS);
    long before = SEEN.get("first").values().stream().mapToLong(Long::longValue).min().orElse(0);
    assertThat(before).as("counts the first run reached").isGreaterThan(0);

    String retained = RetainedCheckpoints.latest(checkpoints, JOB_ID).orElseThrow();
    JobClient second = start("second", settings(checkpoints, retained));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (SEEN.getOrDefault("second", Map.of()).size() < 4 && System.nanoTime() < deadline) {
      assertThat(second.getJobStatus().get()).isNotIn(JobStatus.FAILED, JobStatus.RESTARTING);
      Thread.sleep(100);
    }
    Map<Long, Long> resumed = SEEN.get("second");
    second.cancel().get(30, TimeUnit.SECONDS);
    assertThat(resumed).as("keys counted after the restore").hasSize(4);
    // Each key's count goes on from the checkpoint, not from zero.
    assertThat(resumed.values()).allSatisfy(count -> assertThat(count).isGreaterThan(1));
  }

  @Test
  void theDefaultRestoreModeIsRefusedByTheChangelogBackend() throws Exception {
    String checkpoints = work.resolve("checkpoints").toUri().toString();
    JobClient first = start("refused-first", settings(checkpoints, null));
    awaitRetained(checkpoints, first);
    first.cancel().get(30, TimeUnit.SECONDS);

    Configuration noClaim =
        settings(checkpoints, RetainedCheckpoints.latest(checkpoints, JOB_ID).orElseThrow());
    noClaim.set(StateRecoveryOptions.RESTORE_MODE, RestoreMode.NO_CLAIM);
    JobClient second = start("refused-second", noClaim);
    Throwable failure = null;
    try {
      second.getJobExecutionResult().get(60, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      failure = e;
    }
    assertThat(failure).as("the job's failure").isNotNull();
    assertThat(rootMessages(failure)).contains("does not support enforcing a full snapshot");
  }

  private static Configuration settings(String checkpoints, String restore) {
    Configuration configuration = new Configuration();
    configuration.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints);
    configuration.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
    configuration.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofMillis(100));
    configuration.set(
        CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
        org.apache.flink.configuration.ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
    configuration.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
    configuration.set(
        org.apache.flink.configuration.PipelineOptionsInternal.PIPELINE_FIXED_JOB_ID, JOB_ID);
    AnalyticsJob.changelog(configuration, checkpoints);
    if (restore != null) {
      configuration.set(StateRecoveryOptions.SAVEPOINT_PATH, restore);
    }
    return configuration;
  }

  private static JobClient start(String run, Configuration configuration) throws Exception {
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.getExecutionEnvironment(configuration);
    env.setParallelism(1);
    env.addSource(new Ticks())
        .uid("ticks")
        .keyBy(tick -> tick % 4)
        .process(new Count())
        .uid("count")
        .addSink(new Seen(run))
        .uid("seen");
    return env.executeAsync(run);
  }

  private static void awaitRetained(String checkpoints, JobClient job) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    Optional<String> retained = Optional.empty();
    while (retained.isEmpty() && System.nanoTime() < deadline) {
      assertThat(job.getJobStatus().get()).isNotIn(JobStatus.FAILED, JobStatus.RESTARTING);
      Thread.sleep(200);
      retained = RetainedCheckpoints.latest(checkpoints, JOB_ID);
    }
    assertThat(retained).as("a completed checkpoint under " + checkpoints).isPresent();
    // A few more checkpoints, so the retained one has counts in it.
    Thread.sleep(1_000);
  }

  private static String rootMessages(Throwable failure) {
    StringBuilder messages = new StringBuilder();
    for (Throwable t = failure; t != null; t = t.getCause()) {
      messages.append(t.getMessage()).append('\n');
    }
    return messages.toString();
  }

  /** Numbers, one every few milliseconds, until cancelled. */
  static final class Ticks implements SourceFunction<Long> {
    private static final long serialVersionUID = 1L;
    private volatile boolean running = true;

    @Override
    public void run(SourceContext<Long> out) throws Exception {
      long next = 0;
      while (running) {
        synchronized (out.getCheckpointLock()) {
          out.collect(next++);
        }
        Thread.sleep(5);
      }
    }

    @Override
    public void cancel() {
      running = false;
    }
  }

  /** How many numbers each key has seen, in keyed state. */
  static final class Count extends KeyedProcessFunction<Long, Long, long[]> {
    private static final long serialVersionUID = 1L;
    private transient ValueState<Long> count;

    @Override
    public void open(OpenContext context) {
      count = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Types.LONG));
    }

    @Override
    public void processElement(Long tick, Context context, Collector<long[]> out) throws Exception {
      long now = (count.value() == null ? 0 : count.value()) + 1;
      count.update(now);
      out.collect(new long[] {context.getCurrentKey(), now});
    }
  }

  /** Keeps the first count of each key that a run emitted. */
  static final class Seen implements SinkFunction<long[]> {
    private static final long serialVersionUID = 1L;
    private final String run;

    Seen(String run) {
      this.run = run;
    }

    @Override
    public void invoke(long[] keyAndCount, Context context) {
      SEEN.computeIfAbsent(run, r -> new ConcurrentHashMap<>())
          .putIfAbsent(keyAndCount[0], keyAndCount[1]);
    }
  }
}
