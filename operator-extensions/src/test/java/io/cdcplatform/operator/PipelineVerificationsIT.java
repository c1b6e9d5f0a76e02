package io.cdcplatform.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcplatform.devservices.LocalPostgres;
import io.cdcplatform.operator.api.CdcPipeline;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Continuous verification as the reconciler runs it: against fabric8's CRUD mock API server for the
 * CdcPipeline, its Secret and its ConfigMap, and a real PostgreSQL for the rounds. The test plays
 * the analytics job's side of a round (the cut through the heartbeat row, the position it commits),
 * whose real implementation the local pipeline's tests cover. Rounds must come out equal, find a
 * table altered behind the job's back, name a rotated password until the Secret follows, name a
 * missing ConfigMap or a bad definition in one line, and stop with the pipeline.
 */
@EnableKubernetesMockClient(crud = true)
class PipelineVerificationsIT {

  private static final String NS = "ledger";
  private static final String PIPELINE =
      """
      apiVersion: cdcplatform.io/v1alpha1
      kind: CdcPipeline
      metadata: {name: books, namespace: ledger}
      spec:
        source: {host: 127.0.0.1, port: %d, database: postgres, credentialsSecret: reader,
                 slot: cdc_debezium, publication: cdc_publication}
        transport: {cluster: cdc, user: reconciler}
        capture: {connect: connect, connector: source}
        processing: {flinkDeployment: analytics}
        verification: {intervalSeconds: 1, credentialsSecret: verifier,
                       definitionConfigMap: %s, cutWaitSeconds: 3}
      """;
  private static final String DEFINITION =
      """
      name: books
      source:
        database: postgres
        credentialsSecret: capture
        topicPrefix: cdc
        heartbeat: ops.heartbeat
        tables:
          - table: books.entries
      analytics:
        - name: account_totals
          query: account_totals.sql
          key: [account]
      """;
  private static final String QUERY =
      "SELECT account, count(*) AS entry_count, sum(amount) AS total FROM books.entries"
          + " GROUP BY account";

  static KubernetesClient client;
  @TempDir static Path work;
  static LocalPostgres postgres;
  static long loadTxid;
  static final AtomicBoolean jobRunning = new AtomicBoolean(true);
  static Thread job;

  @BeforeAll
  static void start() throws Exception {
    postgres = LocalPostgres.start(0, work.resolve("data"), work.resolve("postgres.log"));
    String analyticsSchema =
        Files.readString(
            Path.of(System.getProperty("cdc.home"))
                .resolve("flink-app/src/main/resources/analytics-schema.sql"));
    try (Connection db = postgres.superuserConnection();
        Statement sql = db.createStatement()) {
      sql.execute(
          "CREATE SCHEMA books; CREATE SCHEMA ops; CREATE SCHEMA analytics;"
              + " CREATE TABLE books.entries (id int PRIMARY KEY, account text NOT NULL,"
              + " amount numeric(12,2) NOT NULL);"
              + " CREATE TABLE ops.heartbeat (id int PRIMARY KEY, beat_at timestamptz,"
              + " verify_round bigint, verify_cut bigint);"
              + " INSERT INTO ops.heartbeat (id, beat_at) VALUES (1, now())");
      sql.execute(analyticsSchema);
      db.setAutoCommit(false);
      sql.execute(
          "INSERT INTO books.entries SELECT g, 'acct-' || (g % 7), g * 1.25"
              + " FROM generate_series(1, 500) g");
      try (ResultSet rs = sql.executeQuery("SELECT txid_current() % 4294967296")) {
        rs.next();
        loadTxid = rs.getLong(1);
      }
      db.commit();
      db.setAutoCommit(true);
      sql.execute(
          "CREATE TABLE analytics.account_totals AS "
              + QUERY
              + ";"
              + " ALTER TABLE analytics.account_totals ADD PRIMARY KEY (account);"
              + " INSERT INTO analytics.source_position (pipeline, txid, commit_lsn, committed_at,"
              + " applied_at) VALUES ('books', "
              + loadTxid
              + ", '0/0', now(), now());"
              // What source setup and the analytics job grant the verifier role, no more.
              + " CREATE ROLE books_verifier LOGIN REPLICATION PASSWORD 'first';"
              + " GRANT USAGE ON SCHEMA books, ops, analytics TO books_verifier;"
              + " GRANT SELECT ON ALL TABLES IN SCHEMA books, ops, analytics TO books_verifier;"
              + " GRANT UPDATE (verify_round, verify_cut) ON ops.heartbeat TO books_verifier;"
              + " GRANT INSERT, DELETE ON analytics.verification TO books_verifier");
    }
    job = new Thread(PipelineVerificationsIT::playTheJob, "job-side");
    job.setDaemon(true);
    job.start();
    configMap("books-pipeline", DEFINITION);
    secret("first");
  }

  @AfterAll
  static void stop() throws Exception {
    jobRunning.set(false);
    if (postgres != null) {
      postgres.close();
    }
  }

  /**
   * The job's side of a round on a source that does not change: once the verifier has set the cut,
   * the position it commits is the cut, through the last transaction that wrote the source.
   */
  private static void playTheJob() {
    long handled = 0;
    while (jobRunning.get()) {
      try (Connection db = postgres.superuserConnection();
          Statement sql = db.createStatement()) {
        while (jobRunning.get()) {
          try (ResultSet rs =
              sql.executeQuery(
                  "SELECT verify_round, verify_cut FROM ops.heartbeat"
                      + " WHERE verify_cut IS NOT NULL")) {
            if (rs.next() && rs.getLong(1) != handled) {
              handled = rs.getLong(1);
              sql.execute(
                  "UPDATE analytics.source_position SET cut_round = "
                      + handled
                      + ", next_txid = 0, applied_at = now() WHERE pipeline = 'books'");
            }
          }
          Thread.sleep(50);
        }
      } catch (Exception e) {
        if (!jobRunning.get()) {
          return;
        }
      }
    }
  }

  @Test
  void roundsFollowTheSpecTheSecretAndTheConfigMapAndStopWithThePipeline() throws Exception {
    try (PipelineVerifications verifications =
        new PipelineVerifications(client, work.resolve("definitions"))) {
      CdcPipeline pipeline = pipeline("books-pipeline");
      client.resource(pipeline).inNamespace(NS).create();

      assertThat(verifications.look(pipeline, pipeline.getSpec()))
          .isEqualTo("every 1 s, 1 tables against their oracles, as books_verifier; no round yet");
      await(verifications, pipeline, s -> s.endsWith("; newest round equal"));
      long equalRounds = count("outcome = 'equal'");
      assertThat(equalRounds).isPositive();

      sql("UPDATE analytics.account_totals SET total = total + 1 WHERE account = 'acct-3'");
      String differing =
          await(verifications, pipeline, s -> s.contains("; newest round differing"));
      assertThat(differing).endsWith("; newest round differing: 1 of 1 tables differ");
      assertThat(detailOfNewest())
          .startsWith("analytics.account_totals: 2 rows differ,")
          .contains("acct-3");
      sql("UPDATE analytics.account_totals SET total = total - 1 WHERE account = 'acct-3'");
      await(verifications, pipeline, s -> s.endsWith("; newest round equal"));

      // A rotated password: rounds fail, naming why, until the Secret has the new one.
      sql("ALTER ROLE books_verifier PASSWORD 'second'");
      String failing = await(verifications, pipeline, s -> s.contains("failed"));
      assertThat(failing)
          .contains("; the newest round failed: ")
          .contains("password authentication failed for user \"books_verifier\"");
      secret("second");
      await(verifications, pipeline, s -> s.endsWith("; newest round equal"));

      CdcPipeline missing = pipeline("no-such-pipeline");
      assertThat(verifications.look(missing, missing.getSpec()))
          .isEqualTo("not running: ConfigMap ledger/no-such-pipeline does not exist");
      assertThat(verifications.running()).isEmpty();

      configMap("bad-pipeline", DEFINITION.replace("key: [account]", "key: []"));
      CdcPipeline bad = pipeline("bad-pipeline");
      assertThat(verifications.look(bad, bad.getSpec()))
          .startsWith("not running: ConfigMap bad-pipeline pipeline.yaml")
          .contains("account_totals")
          .doesNotContain("\n")
          .doesNotContain(work.toString());

      assertThat(verifications.look(pipeline, pipeline.getSpec())).contains("no round yet");
      assertThat(verifications.running()).containsExactly(NS + "/books");
      client.resource(pipeline).inNamespace(NS).delete();
      verifications.sweep();
      assertThat(verifications.running()).isEmpty();
      long before = count("true");
      Thread.sleep(2500);
      assertThat(count("true")).as("no round after the pipeline is gone").isEqualTo(before);

      pipeline.getSpec().setVerification(null);
      assertThat(verifications.look(pipeline, pipeline.getSpec())).isNull();
      verifications.retain(Set.of());
    }
  }

  private static CdcPipeline pipeline(String configMap) {
    return Serialization.unmarshal(
        String.format(PIPELINE, postgres.port(), configMap), CdcPipeline.class);
  }

  private static void configMap(String name, String definition) {
    client
        .configMaps()
        .inNamespace(NS)
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withData(Map.of("pipeline.yaml", definition, "account_totals.sql", QUERY))
                .build())
        .create();
  }

  private static void secret(String password) {
    client
        .secrets()
        .inNamespace(NS)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("verifier")
                .endMetadata()
                .withData(
                    Map.of("username", base64("books_verifier"), "password", base64(password)))
                .build())
        .createOr(existing -> existing.update());
  }

  private static String base64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  private static String await(
      PipelineVerifications verifications, CdcPipeline pipeline, Predicate<String> wanted)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    String state = null;
    while (System.nanoTime() < deadline) {
      state = verifications.look(pipeline, pipeline.getSpec());
      if (state != null && wanted.test(state)) {
        return state;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("verification never reached the state wanted; last: " + state);
  }

  private static long count(String where) throws Exception {
    try (Connection db = postgres.superuserConnection();
        Statement sql = db.createStatement();
        ResultSet rs =
            sql.executeQuery("SELECT count(*) FROM analytics.verification WHERE " + where)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static String detailOfNewest() throws Exception {
    try (Connection db = postgres.superuserConnection();
        Statement sql = db.createStatement();
        ResultSet rs =
            sql.executeQuery(
                "SELECT detail FROM analytics.verification WHERE outcome = 'differing'"
                    + " ORDER BY round DESC LIMIT 1")) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static void sql(String statement) throws Exception {
    try (Connection db = postgres.superuserConnection();
        Statement sql = db.createStatement()) {
      sql.execute(statement);
    }
  }
}
