package io.cdcplatform.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcplatform.health.Oracles;
import io.cdcplatform.pipeline.PipelineDefinitions;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sensors example end to end, through the same engine as the shop with nothing of its own in
 * the code: composite keys, a table without a primary key, nullable columns, uuid, jsonb, bytea,
 * dates and timestamps on both sides of 1970, doubles and numerics. After its workload, and after
 * {@code kill -9} of the job in the middle of it, every analytics table equals its oracle, and no
 * change went to the dead-letter topic.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ExamplePipelineIT {

  static final Path EXAMPLE = Path.of(System.getProperty("cdc.home"), "examples/sensors");

  @TempDir static Path work;
  static LocalPipeline pipeline;
  static List<Oracles.Oracle> oracles;

  @BeforeAll
  static void start() throws Exception {
    pipeline = TestPipelines.startWithoutIngest(work, "--example", EXAMPLE.toString());
    oracles = Oracles.of(PipelineDefinitions.load(EXAMPLE.resolve("pipeline")));
  }

  @AfterAll
  static void stop() {
    if (pipeline != null) {
      pipeline.stopAll();
    }
  }

  @Test
  @Order(1)
  void everyAnalyticEqualsItsOracleAfterTheWorkload() throws Exception {
    assertThat(oracles)
        .extracting(Oracles.Oracle::table)
        .containsExactly(
            "analytics.sensor_minute",
            "analytics.site_sensors",
            "analytics.kind_activity",
            "analytics.sensor_directory",
            "analytics.annotated_readings");

    long committed = workload().run(600, 100);

    assertConverges("after the workload (" + committed + " transactions)");
    assertThat(count("SELECT count(*) FROM analytics.sensor_directory")).isEqualTo(6);
    assertThat(count("SELECT count(*) FROM analytics.sensor_minute")).isGreaterThan(3);
    assertThat(count("SELECT count(*) FROM analytics.annotated_readings WHERE payload IS NOT NULL"))
        .isPositive();
    assertThat(count("SELECT count(*) FROM analytics.sensor_directory WHERE metadata IS NULL"))
        .as("a nullable column carried as NULL (the workload never sets metadata)")
        .isEqualTo(2);
    assertThat(
            count(
                "SELECT count(*) FROM analytics.kind_activity"
                    + " WHERE first_installed < TIMESTAMP '1970-01-01'"))
        .as("a timestamp before 1970")
        .isPositive();
    assertNoDeadLetters();
  }

  @Test
  @Order(2)
  void killingTheJobMidWorkloadStaysExact() throws Exception {
    SupervisedChild job = pipeline.flink().process();
    long pidBefore = job.pid();
    CompletableFuture<Long> run =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return workload().run(800, 100);
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    TimeUnit.SECONDS.sleep(3);
    ProcessHandle.of(pidBefore).ifPresent(ProcessHandle::destroyForcibly); // kill -9
    long committed = run.get(120, TimeUnit.SECONDS);

    pipeline.flink().awaitRunning(Duration.ofSeconds(120));
    assertThat(job.pid()).isNotEqualTo(pidBefore);
    assertConverges("after kill -9 of the job (" + committed + " transactions)");
    assertNoDeadLetters();
  }

  @Test
  @Order(3)
  void theJobsOwnRoleOwnsTheAnalyticsAndCannotTouchTheSource() throws Exception {
    assertThat(count("SELECT count(*) FROM pg_tables WHERE schemaname = 'analytics'"))
        .isEqualTo(
            count(
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'analytics'"
                    + " AND tableowner = '"
                    + LocalCredentials.WRITER
                    + "'"));
    try (Connection writer =
            java.sql.DriverManager.getConnection(
                pipeline.postgres().jdbcUrl(),
                LocalCredentials.WRITER,
                LocalCredentials.WRITER_PASSWORD);
        Statement statement = writer.createStatement()) {
      for (String sql :
          List.of("SELECT count(*) FROM iot.readings", "DELETE FROM iot.sites WHERE false")) {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> statement.execute(sql))
            .as(sql)
            .hasMessageContaining("permission denied");
      }
    }
  }

  private static SqlWorkload workload() {
    return new SqlWorkload(
        pipeline.postgres().jdbcUrl(),
        LocalCredentials.OWNER,
        LocalCredentials.OWNER_PASSWORD,
        Example.in(EXAMPLE).workload());
  }

  private static void assertConverges(String when) throws Exception {
    long start = System.nanoTime();
    List<Oracles.Comparison> comparisons =
        TestPipelines.converge(pipeline, oracles, Duration.ofSeconds(180));
    System.out.printf(
        "sensors %s: equal to the oracles %.1fs after the last commit: %s%n",
        when, (System.nanoTime() - start) / 1e9, comparisons);
    assertThat(comparisons)
        .allSatisfy(
            c -> assertThat(c.differing()).as(c.table() + " differs: " + c.samples()).isZero());
  }

  private static void assertNoDeadLetters() throws Exception {
    List<TestPipelines.Change> letters =
        TestPipelines.readUntil(
            pipeline.kafka().bootstrapServers(),
            List.of("cdc.dead-letter"),
            read -> false,
            Duration.ofSeconds(3));
    assertThat(letters).as("dead letters").isEmpty();
  }

  private static long count(String sql) throws Exception {
    try (Connection db = pipeline.postgres().superuserConnection();
        Statement statement = db.createStatement();
        ResultSet rs = statement.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
