package io.cdcplatform.flink;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcplatform.devservices.LocalPostgres;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.apache.flink.streaming.runtime.operators.sink.SinkWriterOperatorFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The checks that need the source's catalog and Flink's planner, on a real PostgreSQL and a schema
 * of the test's own (the JVM runs in a non-UTC time zone on purpose): a valid definition passes,
 * and each kind of bad definition is one line naming the file, the analytic or table, and the
 * problem, with its exit code, before any data could move.
 */
class PipelineCheckIT {

  @TempDir static Path work;
  static LocalPostgres postgres;

  @BeforeAll
  static void start() throws Exception {
    postgres = LocalPostgres.start(0, work.resolve("data"), work.resolve("postgres.log"));
    try (Connection db = postgres.superuserConnection();
        Statement sql = db.createStatement()) {
      sql.execute(
          "CREATE SCHEMA app;"
              + " CREATE TABLE app.accounts (id bigint PRIMARY KEY, owner text NOT NULL,"
              + "   country char(2), tags text[], opened date NOT NULL);"
              + " CREATE TABLE app.moves (account_id bigint NOT NULL, n integer NOT NULL,"
              + "   amount numeric(14,2) NOT NULL, at timestamptz NOT NULL, memo jsonb);"
              + " CREATE TABLE app.beats (id integer PRIMARY KEY, beat_at timestamptz NOT NULL);"
              + " CREATE SCHEMA analytics;"
              + " CREATE TABLE analytics.stale (id integer PRIMARY KEY);");
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (postgres != null) {
      postgres.close();
    }
  }

  @Test
  void aValidDefinitionPassesNamingWhatItChecked() throws Exception {
    Run run = check(definition(Map.of()));

    assertThat(run.code).as(run.err).isZero();
    assertThat(run.out)
        .contains(
            ": valid; 2 analytics (and the platform's freshness) over app.accounts, app.moves,"
                + " app.beats in jdbc:postgresql");
  }

  /**
   * However many analytics a pipeline declares, its Kafka topics and the dead letters leave the job
   * through one exactly-once Kafka sink: one Kafka transaction per checkpoint, not one per topic.
   */
  @Test
  void everyTopicOfTheJobIsWrittenByOneTransactionalKafkaSink() throws Exception {
    List<KafkaSink<?>> kafkaSinks = new ArrayList<>();
    for (StreamNode node : graph("off")) {
      if (node.getOperatorFactory() instanceof SinkWriterOperatorFactory<?, ?> writer
          && writer.getSink() instanceof KafkaSink<?> kafka) {
        kafkaSinks.add(kafka);
      }
    }
    assertThat(kafkaSinks).hasSize(1);
  }

  /** The job's mini-batch setting reaches the planner: its aggregations buffer, or they do not. */
  @Test
  void theMiniBatchSettingDecidesWhetherTheAggregationsBuffer() throws Exception {
    assertThat(graph("100ms")).extracting(StreamNode::getOperatorName).anyMatch(miniBatch());
    assertThat(graph("off")).extracting(StreamNode::getOperatorName).noneMatch(miniBatch());
  }

  private static java.util.function.Predicate<String> miniBatch() {
    return name -> name.contains("MiniBatch");
  }

  /** The job's dataflow over a definition of two analytics, with the mini-batch setting given. */
  private java.util.Collection<StreamNode> graph(String miniBatch) throws Exception {
    Path folder =
        definition(
            Map.of(
                "name: app", "name: graph",
                "- name: totals", "- name: graph_totals",
                "- name: by_country", "- name: graph_by_country",
                "analytics.by_country", "analytics.graph_by_country"));
    JobSettings settings =
        JobSettings.parse(
            new String[] {
              "--pipeline", folder.toString(),
              "--kafka-bootstrap-servers", "127.0.0.1:9",
              "--jdbc-url", postgres.jdbcUrl(),
              "--jdbc-user", "postgres",
              "--checkpoint-dir", work.resolve("checkpoints").toUri().toString()
            },
            Map.of("ANALYTICS_MINI_BATCH", miniBatch));
    assertThat(settings.pipeline().analytics()).hasSize(2);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    try (Connection db = settings.connect()) {
      AnalyticsJob.build(
          env,
          AnalyticsJob.tableEnvironment(env, settings),
          settings,
          SourceCatalog.read(db, settings.pipeline()));
    }
    return env.getStreamGraph(false).getStreamNodes();
  }

  /** One case per kind of bad definition: what to change, and what the line must say. */
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "unknown table | app.moves | app.nothing"
            + " | pipeline.yaml: table app.nothing: not found in the source database",
        "table without key | \"      key: [account_id, n]\\n\" | \"\""
            + " | pipeline.yaml: table app.moves: has no primary key; declare the columns that"
            + " identify a row (key: [...])",
        "unknown key column | key: [account_id, n] | key: [account_id, nn]"
            + " | pipeline.yaml: table app.moves: key column nn does not exist",
        "event time not a time | eventTime: at | eventTime: amount"
            + " | pipeline.yaml: table app.moves: event-time column amount has type numeric(14,2);"
            + " expected date, timestamp or timestamptz",
        "unknown captured column | - table: app.accounts | \"- table: app.accounts\\n      columns: [id, owner, nope]\""
            + " | pipeline.yaml: table app.accounts: column nope does not exist",
        "primary key not captured | - table: app.accounts | \"- table: app.accounts\\n      columns: [owner, opened]\""
            + " | pipeline.yaml: table app.accounts: primary key column id is not among the"
            + " columns; capture it",
        "a column left out cannot be queried | eventTime: at | \"eventTime: at\\n      columns: [account_id, n, at]\""
            + " | pipeline.yaml: analytic totals: Flink cannot plan the query: ",
        "unknown column | SUM(amount) AS total | SUM(amont) AS total"
            + " | pipeline.yaml: analytic totals: Flink cannot plan the query: ",
        "type the query cannot use | SUM(amount) AS total | SUM(owner) AS total"
            + " | pipeline.yaml: analytic totals: Flink cannot plan the query: ",
        "SQL Flink cannot plan | SELECT account_id, | SELEKT account_id,"
            + " | pipeline.yaml: analytic totals: Flink cannot plan the query: ",
        "column of a type not carried | SUM(amount) AS total | MAX(tags) AS total"
            + " | (columns of types the platform does not carry: app.accounts.tags text[])",
        "nullable key | COALESCE(a.country, 'xx') | a.country"
            + " | pipeline.yaml: analytic by_country: key column country may be NULL",
        "key not in the result | key: [account_id] | key: [id]"
            + " | pipeline.yaml: analytic totals: key column id is not a result column",
        "result name not plain | COUNT(*) AS moves | COUNT(*) AS `Moves`"
            + " | pipeline.yaml: analytic totals: result column 'Moves' is not a lower-case SQL"
            + " identifier",
        "existing table of another shape | analytics.by_country | analytics.stale"
            + " | pipeline.yaml: analytic by_country: table analytics.stale exists with columns (id"
            + " integer) but the analytic yields",
      })
  void aBadDefinitionIsOneLineNamingItsPlace(String what, String from, String to, String message)
      throws Exception {
    Path folder = definition(Map.of(from.replace("\\n", "\n"), to.replace("\\n", "\n")));

    Run run = check(folder);

    assertThat(run.code).as(run.out + run.err).isEqualTo(PipelineCheck.INVALID);
    assertThat(run.err.strip()).contains(message).doesNotContain("\n");
    if (message.startsWith("pipeline.yaml")) {
      assertThat(run.err.strip())
          .startsWith("pipeline-check: " + folder.resolve("pipeline.yaml") + ": ");
    }
  }

  @Test
  void anUnreachableDatabaseIsExitCode3() throws Exception {
    Run run =
        check(
            definition(Map.of()),
            "--jdbc-url",
            "jdbc:postgresql://127.0.0.1:1/postgres?connectTimeout=2");

    assertThat(run.code).isEqualTo(PipelineCheck.DATABASE);
    assertThat(run.err.strip())
        .startsWith("pipeline-check: jdbc:postgresql://127.0.0.1:1/postgres")
        .doesNotContain("\n");
  }

  /**
   * A column no analytic reads is not carried, so dropping or retyping it cannot turn its table's
   * changes into dead letters; keys and event times are carried all the same, and a query that may
   * read columns without naming them keeps them all.
   */
  @Test
  void onlyTheColumnsTheAnalyticsReadAreCarried() throws Exception {
    List<TableLayout> layouts;
    try (Connection db = postgres.superuserConnection()) {
      layouts =
          SourceCatalog.read(
              db, io.cdcplatform.pipeline.PipelineDefinitions.load(definition(Map.of())));
    }
    assertThat(columns(layouts, "app.accounts")).containsExactly("id", "country");
    assertThat(columns(layouts, "app.moves")).containsExactly("account_id", "n", "amount", "at");
    assertThat(columns(layouts, "app.beats")).containsExactly("id", "beat_at");
    TableLayout moves = layouts.get(1);
    assertThat(moves.key().stream().map(i -> moves.columns().get(i).name()))
        .containsExactly("account_id", "n");
    assertThat(moves.columns().get(moves.eventTime()).name()).isEqualTo("at");

    for (String everything :
        List.of(
            "SELECT * FROM app.accounts",
            "SELECT a.* FROM app.accounts a",
            "SELECT DISTINCT * FROM app.accounts",
            "SELECT m.amount, a.id FROM app.moves m NATURAL LEFT JOIN app.accounts a")) {
      try (Connection db = postgres.superuserConnection()) {
        List<TableLayout> all =
            SourceCatalog.read(
                db,
                io.cdcplatform.pipeline.PipelineDefinitions.load(
                    definition(
                        Map.of(
                            "SELECT COALESCE(a.country, 'xx') AS country, COUNT(*) AS moves FROM"
                                + " app.moves m JOIN app.accounts a ON a.id = m.account_id GROUP BY"
                                + " COALESCE(a.country, 'xx')",
                            everything))));
        assertThat(columns(all, "app.accounts"))
            .as(everything)
            .containsExactly("id", "owner", "country", "opened");
      }
    }
    // A name only in a comment is not read (one in a string literal is: a column too many is
    // harmless).
    try (Connection db = postgres.superuserConnection()) {
      List<TableLayout> commented =
          SourceCatalog.read(
              db,
              io.cdcplatform.pipeline.PipelineDefinitions.load(
                  definition(Map.of("SELECT account_id,", "-- owner\nSELECT account_id,"))));
      assertThat(columns(commented, "app.accounts")).containsExactly("id", "country");
    }
  }

  private static List<String> columns(List<TableLayout> layouts, String table) {
    return layouts.stream()
        .filter(l -> l.name().qualified().equals(table))
        .findFirst()
        .orElseThrow()
        .columns()
        .stream()
        .map(SourceColumn::name)
        .toList();
  }

  private static int cases;

  /** A valid definition over app.*, with the given text replaced. */
  private static Path definition(Map<String, String> replace) throws Exception {
    Path folder = Files.createDirectories(work.resolve("definition-" + ++cases));
    String yaml =
        """
        name: app
        source:
          topicPrefix: app
          heartbeat: app.beats
          tables:
            - table: app.accounts
            - table: app.moves
              key: [account_id, n]
              eventTime: at
        analytics:
          - name: totals
            query: totals.sql
            key: [account_id]
          - name: by_country
            query: by_country.sql
            key: [country]
            outputs: {table: analytics.by_country}
        """;
    String totals =
        "SELECT account_id, COUNT(*) AS moves, SUM(amount) AS total FROM app.moves"
            + " GROUP BY account_id";
    String byCountry =
        "SELECT COALESCE(a.country, 'xx') AS country, COUNT(*) AS moves FROM app.moves m"
            + " JOIN app.accounts a ON a.id = m.account_id GROUP BY COALESCE(a.country, 'xx')";
    for (Map.Entry<String, String> change : replace.entrySet()) {
      yaml = yaml.replace(change.getKey(), change.getValue());
      totals = totals.replace(change.getKey(), change.getValue());
      byCountry = byCountry.replace(change.getKey(), change.getValue());
    }
    Files.writeString(folder.resolve("pipeline.yaml"), yaml);
    Files.writeString(folder.resolve("totals.sql"), totals);
    Files.writeString(folder.resolve("by_country.sql"), byCountry);
    return folder;
  }

  private record Run(int code, String out, String err) {}

  private static Run check(Path folder, String... extra) {
    String[] args = {
      "--pipeline", folder.toString(), "--jdbc-url", postgres.jdbcUrl(), "--jdbc-user", "postgres"
    };
    if (extra.length > 0) {
      args[3] = extra[1];
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        PipelineCheck.run(
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            Map.of(),
            args);
    return new Run(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }
}
