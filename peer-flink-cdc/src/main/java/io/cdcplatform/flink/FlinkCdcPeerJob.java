package io.cdcplatform.flink;

import io.cdcplatform.pipeline.Analytic;
import io.cdcplatform.pipeline.PipelineDefinition;
import io.cdcplatform.pipeline.TableName;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.cdc.connectors.base.options.StartupOptions;
import org.apache.flink.cdc.connectors.postgres.source.PostgresSourceBuilder;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.table.api.bridge.java.StreamStatementSet;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.types.Row;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The peer the benchmark compares the platform with: the same pipeline definition's analytics, but
 * read from PostgreSQL directly by Flink CDC's postgres-cdc source (its incremental snapshot, then
 * one replication slot for every table), with no Kafka Connect and no Kafka in between. Everything
 * after the source is the product's own: the same SQL, the same window markers, the same
 * commit-on-checkpoint PostgreSQL sink (one transaction per checkpoint for every table), the same
 * checkpointing and state backend settings. Its tables go to a schema of their own, so the
 * benchmark checks them against the same oracles.
 *
 * <p>What the peer does not have, and the figures must be read with: the replayable change topics,
 * the result topics, and transaction-consistent results (Flink CDC gives no transaction boundaries,
 * so a result may show part of a source transaction). A table needs a primary key.
 *
 * <p>It lives in the product's package to use the product's planner and sink as they are, without
 * widening their API for a benchmark.
 */
public final class FlinkCdcPeerJob {

  private static final List<String> OWN =
      List.of(
          "source-host",
          "source-port",
          "source-database",
          "source-user",
          "source-password",
          "slot",
          "output-schema",
          "debezium-properties");

  private FlinkCdcPeerJob() {}

  public static void main(String[] args) throws Exception {
    StreamExecutionEnvironment env;
    try {
      env = prepare(args);
    } catch (IllegalArgumentException e) {
      System.err.println("flink-cdc-peer: " + e.getMessage());
      System.exit(2);
      return;
    }
    env.execute("flink-cdc-peer");
  }

  /**
   * The peer's dataflow, ready to run: the product's job settings ({@code --pipeline}, {@code
   * --jdbc-url}, ...) and the peer's own ({@code --source-host}, {@code --source-port}, {@code
   * --source-database}, {@code --source-user}, {@code --source-password}, {@code --slot}, {@code
   * --output-schema}, and {@code --debezium-properties}: Debezium settings as {@code key=value}
   * pairs separated by commas, e.g. the product's connector's poll interval and batch sizes).
   *
   * @throws IllegalArgumentException naming the option or the definition's problem
   */
  static StreamExecutionEnvironment prepare(String[] args) throws Exception {
    Map<String, String> own = new HashMap<>();
    List<String> rest = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String name = args[i].startsWith("--") ? args[i].substring(2) : "";
      if (OWN.contains(name) && i + 1 < args.length) {
        own.put(name, args[++i]);
      } else {
        rest.add(args[i]);
      }
    }
    for (String name : OWN) {
      if (!own.containsKey(name)) {
        throw new IllegalArgumentException("--" + name + ": expected a value");
      }
    }
    // The product's settings (checkpointing, state backend, the sink's login); Kafka is not used.
    rest.addAll(List.of("--kafka-bootstrap-servers", "unused:9092", "--restore-retained", "false"));
    JobSettings settings = JobSettings.parse(rest.toArray(String[]::new), System.getenv());
    List<TableLayout> layouts;
    try (Connection db = settings.connect()) {
      layouts = SourceCatalog.read(db, settings.pipeline());
    }
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.getExecutionEnvironment(AnalyticsJob.configuration(settings));
    env.setParallelism(1);
    build(env, AnalyticsJob.tableEnvironment(env, settings), settings, layouts, own);
    return env;
  }

  private static void build(
      StreamExecutionEnvironment env,
      StreamTableEnvironment tables,
      JobSettings settings,
      List<TableLayout> layouts,
      Map<String, String> own)
      throws Exception {
    PipelineDefinition pipeline = settings.pipeline();
    String publication = own.get("slot") + "_publication";
    publish(own, publication, layouts);
    Properties debezium = new Properties();
    debezium.setProperty("publication.name", publication);
    debezium.setProperty("publication.autocreate.mode", "disabled");
    // A delete is one event; the tombstone after it would only be counted as an unknown record.
    debezium.setProperty("tombstones.on.delete", "false");
    for (String pair : own.get("debezium-properties").split(",")) {
      int equals = pair.indexOf('=');
      if (pair.isBlank()) {
        continue;
      }
      if (equals < 1) {
        throw new IllegalArgumentException(
            "--debezium-properties: expected key=value pairs separated by commas, got '"
                + pair
                + "'");
      }
      debezium.setProperty(pair.substring(0, equals).trim(), pair.substring(equals + 1).trim());
    }
    PostgresSourceBuilder.PostgresIncrementalSource<PeerChange> source =
        PostgresSourceBuilder.PostgresIncrementalSource.<PeerChange>builder()
            .hostname(own.get("source-host"))
            .port(Integer.parseInt(own.get("source-port")))
            .database(own.get("source-database"))
            .schemaList(
                layouts.stream().map(l -> l.name().schema()).distinct().toArray(String[]::new))
            .tableList(layouts.stream().map(l -> l.name().qualified()).toArray(String[]::new))
            .username(own.get("source-user"))
            .password(own.get("source-password"))
            .slotName(own.get("slot"))
            .decodingPluginName("pgoutput")
            .startupOptions(StartupOptions.initial())
            .debeziumProperties(debezium)
            .deserializer(new PeerChanges(layouts))
            .build();
    long maxAheadMillis = settings.maxEventTimeAhead().toMillis();
    WatermarkStrategy<PeerChange> watermarks =
        WatermarkStrategy.<PeerChange>forBoundedOutOfOrderness(settings.outOfOrderness())
            .withTimestampAssigner((change, ignored) -> change.streamTimestamp(maxAheadMillis))
            .withIdleness(settings.sourceIdleTimeout());
    List<OutputTag<Row>> tags = new ArrayList<>();
    for (TableLayout layout : layouts) {
      if (!layout.primaryKey()) {
        throw new IllegalArgumentException(
            layout.name().qualified() + ": the peer needs a primary key on every captured table");
      }
      tags.add(ChangeRouter.tag(layout));
    }
    SingleOutputStreamOperator<Long> routed =
        env.fromSource(source, watermarks, "flink-cdc-source")
            .uid("flink-cdc-source")
            .process(new Split(tags))
            .name("split-by-table")
            .uid("split-by-table");
    List<AnalyticsPlan.Planned> plans = new ArrayList<>();
    for (AnalyticsPlan.Planned plan :
        AnalyticsPlan.plan(
            tables,
            pipeline,
            layouts,
            layout ->
                tables.fromChangelogStream(
                    routed.getSideOutput(tags.get(layout.index())),
                    layout.schema(),
                    ChangelogMode.upsert()))) {
      plans.add(
          new AnalyticsPlan.Planned(
              elsewhere(plan.analytic(), own.get("output-schema")),
              plan.table(),
              plan.schema(),
              plan.key(),
              plan.window()));
    }
    try (Connection db = settings.connect()) {
      AnalyticsSchema.ensure(db, pipeline, plans, settings.verifierRole());
    }
    StreamStatementSet statements = tables.createStatementSet();
    String commitGroup = UUID.randomUUID().toString();
    for (AnalyticsPlan.Planned plan : plans) {
      AnalyticsJob.intoTable(tables, statements, settings, plan, commitGroup);
    }
    statements.attachAsDataStream();
    List<ResultCommits.Table> gathered = ResultCommits.take(commitGroup).tables();
    DataStream<Committable> committed = gathered.get(0).results();
    for (ResultCommits.Table table : gathered.subList(1, gathered.size())) {
      committed = committed.union(table.results());
    }
    // The results' streams belong to the planner's environment; the committer must be added to
    // the job's own (the product's job starts its union from a stream of its own instead).
    new DataStream<>(env, committed.getTransformation())
        .addSink(
            new ResultsCommitter(
                pipeline.name() + "-flink-cdc-peer",
                gathered.stream().map(ResultCommits.Table::target).toList()))
        .name("analytics-tables")
        .uid("analytics-tables")
        .setParallelism(1);
  }

  /**
   * The publication of the captured tables, created here: Debezium 1.9's own "filtered" mode reads
   * its table list from a setting Flink CDC does not fill in.
   */
  private static void publish(
      Map<String, String> own, String publication, List<TableLayout> layouts)
      throws java.sql.SQLException {
    String url =
        "jdbc:postgresql://"
            + own.get("source-host")
            + ":"
            + own.get("source-port")
            + "/"
            + own.get("source-database");
    try (Connection db =
            java.sql.DriverManager.getConnection(
                url, own.get("source-user"), own.get("source-password"));
        java.sql.PreparedStatement exists =
            db.prepareStatement("SELECT 1 FROM pg_publication WHERE pubname = ?")) {
      exists.setString(1, publication);
      try (java.sql.ResultSet rs = exists.executeQuery()) {
        if (rs.next()) {
          return;
        }
      }
      try (java.sql.Statement sql = db.createStatement()) {
        sql.execute(
            "CREATE PUBLICATION "
                + publication
                + " FOR TABLE "
                + String.join(", ", layouts.stream().map(l -> l.name().qualified()).toList()));
      }
    }
  }

  /** The analytic with its table in the peer's schema, under the same name. */
  private static Analytic elsewhere(Analytic analytic, String schema) {
    return new Analytic(
        analytic.name(),
        analytic.description(),
        analytic.query(),
        analytic.queryFile(),
        analytic.key(),
        analytic.window(),
        new TableName(schema, analytic.table().table()),
        analytic.topic(),
        analytic.oracle(),
        analytic.unchecked(),
        analytic.panel());
  }

  /** Each change to its table's side output, as the product's change router does. */
  private static final class Split extends ProcessFunction<PeerChange, Long> {
    private static final long serialVersionUID = 1L;
    private final List<OutputTag<Row>> tags;

    Split(List<OutputTag<Row>> tags) {
      this.tags = List.copyOf(tags);
    }

    @Override
    public void processElement(PeerChange change, Context context, Collector<Long> out) {
      context.output(tags.get(change.table), change.row);
    }
  }
}
