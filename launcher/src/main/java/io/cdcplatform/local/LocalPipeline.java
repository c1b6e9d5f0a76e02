package io.cdcplatform.local;

import io.cdcplatform.dashboard.DashboardServer;
import io.cdcplatform.devservices.LocalPostgres;
import io.cdcplatform.health.ContinuousVerifier;
import io.cdcplatform.health.Oracles;
import io.cdcplatform.health.PipelineProbes;
import io.cdcplatform.health.Slo;
import io.cdcplatform.health.SloSettings;
import io.cdcplatform.health.VerdictDocument;
import io.cdcplatform.health.VerificationLoop;
import io.cdcplatform.ingest.IngestJob;
import io.cdcplatform.ingest.JdbcTarget;
import io.cdcplatform.ingest.ShopSchema;
import io.cdcplatform.pipeline.PipelineDefinition;
import io.cdcplatform.pipeline.PipelineDefinitions;
import io.cdcplatform.source.SourceSetup;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Runs the pipeline on this machine as a list of {@link Stage}s, each healthy before the next
 * starts: PostgreSQL, three Kafka brokers, Kafka Connect with the Debezium connector, the analytics
 * job, the ingest job, each a separate OS process. Judges the whole pipeline every few seconds (the
 * same probes and evaluation as the CdcPipeline reconciler) and serves the verdict over HTTP;
 * prints a status line periodically; on Ctrl-C or SIGTERM stops the stages in reverse order.
 */
@Command(
    name = "local-pipeline",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = "Runs the CDC pipeline on this machine until Ctrl-C.")
public final class LocalPipeline implements Callable<Integer> {

  /** The connector's name: the chart names it {@code <release>-postgres-source}. */
  static final String CONNECTOR = "cdc-platform-postgres-source";

  private static final Duration STOP_GRACE = Duration.ofSeconds(20);
  private static final Duration STAGE_TIMEOUT = Duration.ofSeconds(120);

  /**
   * How long a verification round waits for the job's cut: a little over the longest the job holds
   * a round's transactions back (TransactionSequencer.HOLD_MILLIS).
   */
  private static final Duration VERIFY_CUT_WAIT = Duration.ofSeconds(8);

  @Option(
      names = "--pg-port",
      defaultValue = "${LOCAL_PG_PORT:-24320}",
      description = "PostgreSQL port on 127.0.0.1 (env LOCAL_PG_PORT; default ${DEFAULT-VALUE}).")
  int postgresPort;

  @Option(
      names = "--kafka-port",
      defaultValue = "${LOCAL_KAFKA_PORT:-24092}",
      description =
          "First of the three broker ports; controllers listen 100 higher (env LOCAL_KAFKA_PORT;"
              + " default ${DEFAULT-VALUE}).")
  int kafkaPort;

  @Option(
      names = "--connect-port",
      defaultValue = "${LOCAL_CONNECT_PORT:-24083}",
      description = "Kafka Connect REST port (env LOCAL_CONNECT_PORT; default ${DEFAULT-VALUE}).")
  int connectPort;

  @Option(
      names = "--flink-port",
      defaultValue = "${LOCAL_FLINK_PORT:-24081}",
      description = "Flink web UI and REST port (env LOCAL_FLINK_PORT; default ${DEFAULT-VALUE}).")
  int flinkPort;

  @Option(
      names = "--health-port",
      defaultValue = "${LOCAL_HEALTH_PORT:-24090}",
      description =
          "Port of the pipeline's verdict: GET /health (JSON), GET /ready (200 or 503) (env"
              + " LOCAL_HEALTH_PORT; default ${DEFAULT-VALUE}).")
  int healthPort;

  @Option(
      names = "--health-interval",
      defaultValue = "${LOCAL_HEALTH_INTERVAL:-2}",
      description =
          "Seconds between two looks at every stage (env LOCAL_HEALTH_INTERVAL; default ${DEFAULT-VALUE}).")
  int healthSeconds;

  @Option(
      names = "--verify-interval",
      defaultValue = "${LOCAL_VERIFY_INTERVAL:-30}",
      description =
          "Seconds between two rounds of continuous verification, each analytics table compared"
              + " with its oracle while writes go on; 0 turns it off (env LOCAL_VERIFY_INTERVAL;"
              + " default ${DEFAULT-VALUE}).")
  int verifySeconds;

  @Option(
      names = "--dashboard-port",
      defaultValue = "${LOCAL_DASHBOARD_PORT:-24088}",
      description = "Port of the dashboard (env LOCAL_DASHBOARD_PORT; default ${DEFAULT-VALUE}).")
  int dashboardPort;

  @Option(
      names = "--work-dir",
      defaultValue = "${LOCAL_WORK_DIR:-local/target/demo}",
      description =
          "Where data and logs go; emptied at start (env LOCAL_WORK_DIR; default"
              + " ${DEFAULT-VALUE}).")
  Path workDirectory;

  @Option(
      names = "--home",
      defaultValue = "${sys:cdc.home:-.}",
      description = "The project's folder, holding the chart and the built kafka-runtime.")
  Path home;

  @Option(
      names = "--pipeline",
      defaultValue = "${LOCAL_PIPELINE:-" + ChartFiles.DEFAULT_PIPELINE + "}",
      description =
          "The pipeline definition to run: a pipeline.yaml or its folder (env LOCAL_PIPELINE;"
              + " default ${DEFAULT-VALUE}, the chart's).")
  Path pipelinePath;

  @Option(
      names = "--example",
      defaultValue = "${LOCAL_EXAMPLE:-}",
      description =
          "Run an example instead of the shop: a folder with pipeline/, schema.sql and"
              + " workload.sql, e.g. examples/sensors (env LOCAL_EXAMPLE). --rate is then its"
              + " workload's transactions per second.")
  Path examplePath;

  @Option(
      names = "--rate",
      defaultValue = "${LOCAL_INGEST_RATE:-}",
      description =
          "Row changes per second the ingest job writes (default 200), or an example's workload"
              + " transactions per second (default 20) (env LOCAL_INGEST_RATE).")
  String rate;

  @Option(
      names = "--status-interval",
      defaultValue = "${LOCAL_STATUS_INTERVAL:-10}",
      description = "Seconds between status lines (env LOCAL_STATUS_INTERVAL).")
  int statusSeconds;

  @Option(
      names = "--analytics",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description = "Start the Flink analytics job (default ${DEFAULT-VALUE}).")
  boolean startAnalytics;

  @Option(
      names = "--ingest",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description =
          "Start the ingest job (default ${DEFAULT-VALUE}); --no-ingest leaves the"
              + " database to your own writes.")
  boolean startIngest;

  @Parameters(
      paramLabel = "INGEST_OPTION",
      description = "Further options for the ingest job, after --, e.g. -- --tx-size 10.")
  List<String> ingestOptions = new ArrayList<>();

  private final PrintStream out = System.out;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final Object lifecycle = new Object();
  private final List<Stage> started = new ArrayList<>();
  private boolean stopping;
  private String failure;
  private LocalPostgres postgres;
  private PostgresSupervisor postgresSupervisor;
  private Process reaper;
  private LocalKafkaCluster kafka;
  private Admin admin;
  private ConnectWorker connect;
  private FlinkJob flink;
  private SupervisedChild ingest;
  private HealthMonitor health;
  private PipelineDefinition pipeline;
  private SlotRecovery slotRecovery;
  private Example example;
  private SqlWorkload workload;
  private HealthEndpoint healthEndpoint;
  private VerificationLoop verification;
  private DashboardServer dashboard;

  public static void main(String[] args) {
    // The launcher's Kafka admin client retries while brokers start; its warnings are noise here.
    System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "error");
    CommandLine commandLine = new CommandLine(new LocalPipeline());
    commandLine.setParameterExceptionHandler(
        (e, ignored) -> {
          System.err.println("local-pipeline: " + e.getMessage() + " (see --help)");
          return 2;
        });
    commandLine.setExecutionExceptionHandler(
        (e, ignoredCommandLine, ignoredResult) -> {
          System.err.println("local-pipeline: " + e.getMessage());
          return 1;
        });
    System.exit(commandLine.execute(args));
  }

  @Override
  public Integer call() throws Exception {
    ChartFiles chart = start();
    if (chart == null) {
      return 1;
    }
    // The capture layer's topics: the analytics job's outputs are not captured changes.
    StatusLine status =
        new StatusLine(
            admin,
            pipeline.topics().stream()
                .filter(t -> t.kind() != io.cdcplatform.pipeline.Topic.Kind.OUTPUT)
                .map(io.cdcplatform.pipeline.Topic::name)
                .toList());
    while (!stopped.await(statusSeconds, TimeUnit.SECONDS)) {
      synchronized (lifecycle) {
        if (stopping) {
          break;
        }
        out.println(
            status.line(connectorState())
                + (flink == null
                    ? ""
                    : " | job " + flink.describe(status.committed(FlinkJob.CONSUMER_GROUP)))
                + (health == null ? "" : " | " + VerdictDocument.line(health.latest().verdict())));
      }
    }
    return 0;
  }

  /**
   * Checks the ports, then starts every stage, each healthy before the next.
   *
   * @return the chart's settings, or null when a stage failed (everything is stopped again)
   */
  ChartFiles start() throws Exception {
    if (examplePath != null && !examplePath.toString().isEmpty()) {
      example = Example.in(home.resolve(examplePath));
      pipelinePath = example.pipeline();
    }
    if (rate == null || rate.isEmpty()) {
      rate = example == null ? "200" : "20";
    }
    if (startIngest && example == null) {
      try {
        IngestJob.check(ingestArguments().toArray(String[]::new));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("ingest job: " + e.getMessage(), e);
      }
    }
    Ports.OutgoingRange outgoing = Ports.OutgoingRange.ofThisMachine();
    checkPort(outgoing, postgresPort, "--pg-port");
    ChartFiles chart = new ChartFiles(home.resolve("helm/cdc-platform"));
    pipeline = PipelineDefinitions.load(home.resolve(pipelinePath));
    KafkaRuntime runtime = KafkaRuntime.in(home);
    Path work = workDirectory.toAbsolutePath().normalize();
    LocalKafkaCluster cluster =
        new LocalKafkaCluster(runtime, chart.broker(), kafkaPort, work, out);
    for (int port : cluster.ports()) {
      checkPort(outgoing, port, "--kafka-port");
    }
    checkPort(outgoing, connectPort, "--connect-port");
    if (startAnalytics) {
      checkPort(outgoing, flinkPort, "--flink-port");
      checkPort(outgoing, healthPort, "--health-port");
      checkPort(outgoing, dashboardPort, "--dashboard-port");
    }
    if (healthSeconds < 1) {
      throw new IllegalArgumentException(
          "--health-interval: expected 1 or more seconds, got " + healthSeconds);
    }
    if (verifySeconds < 0) {
      throw new IllegalArgumentException(
          "--verify-interval: expected 0 (off) or more seconds, got " + verifySeconds);
    }
    deleteRecursively(work);
    Files.createDirectories(work);
    out.println("local pipeline: data and logs in " + work);
    Runtime.getRuntime().addShutdownHook(new Thread(this::stopAll, "local-pipeline-stop"));
    long start = System.nanoTime();
    try {
      for (Stage stage : stages(chart, cluster, runtime, work)) {
        synchronized (lifecycle) {
          if (stopping) {
            throw new IllegalStateException("stopped before " + stage.name() + " started");
          }
          started.add(stage);
        }
        stage.start();
      }
    } catch (RuntimeException e) {
      failure = e.getMessage();
      out.println("local pipeline: " + failure);
      stopAll();
      return null;
    }
    out.printf(
        Locale.ROOT,
        "local pipeline: all stages up in %.1fs; Ctrl-C stops everything%n",
        (System.nanoTime() - start) / 1e9);
    if (dashboard != null) {
      out.println("local pipeline: open the dashboard at " + dashboardUrl());
    }
    return chart;
  }

  /** Refuses a port that is taken; warns, in one line, of one an outgoing connection may take. */
  private void checkPort(Ports.OutgoingRange outgoing, int port, String option) {
    Ports.requireFree(port, option);
    outgoing.warning(port, option).ifPresent(line -> out.println("local pipeline: " + line));
  }

  /**
   * The stages of this run in the order they start, each ready before the next: the source, the
   * brokers, Connect with the connector (the job's process started beside it), the slot's watch,
   * then as asked the job once RUNNING, the workload, and the verdict, continuous verification and
   * the dashboard. {@link #stopAll} stops the ones started in reverse order.
   */
  private List<Stage> stages(
      ChartFiles chart, LocalKafkaCluster cluster, KafkaRuntime runtime, Path work) {
    List<Stage> stages = new ArrayList<>();
    stages.add(Stage.of("postgres", () -> startPostgres(work), this::stopPostgres));
    stages.add(Stage.of("kafka", () -> startKafka(cluster, chart), this::stopKafka));
    if (startAnalytics) {
      // The job's process starts beside Connect: it needs only the database and the topics, which
      // the stages before have made, and reads the change topics from their earliest offsets.
      // Planning the analytics takes one core for seconds, and Connect's start leaves the other
      // mostly idle; the job is awaited after Connect (stage "flink").
      stages.add(
          Stage.of(
              "flink process",
              () -> launchAnalytics(work),
              () -> stopProcess("flink", flink == null ? null : flink.process())));
    }
    stages.add(
        Stage.of(
            "connect",
            () -> startConnect(runtime, chart, work),
            () -> stopProcess("connect", connect == null ? null : connect.process())));
    stages.add(
        Stage.of(
            "slot recovery",
            () -> startSlotRecovery(chart),
            () -> {
              if (slotRecovery != null) {
                slotRecovery.close();
              }
            }));
    if (startAnalytics) {
      // Stage "flink process", started before it, stops the job.
      stages.add(Stage.of("flink", this::awaitAnalytics, () -> {}));
    }
    if (startIngest) {
      stages.add(Stage.of("ingest", () -> startIngest(work), this::stopIngest));
    }
    if (startAnalytics) {
      stages.add(Stage.of("health", () -> startHealth(chart), this::stopHealth));
      stages.add(
          Stage.of(
              "verification",
              this::startVerification,
              () -> {
                if (verification != null) {
                  verification.close();
                }
              }));
      stages.add(
          Stage.of(
              "dashboard",
              this::startDashboard,
              () -> {
                if (dashboard != null) {
                  dashboard.close();
                }
              }));
    }
    return stages;
  }

  /** Why {@link #start()} returned null: the failed stage's message; null when it did not fail. */
  String failure() {
    return failure;
  }

  LocalPostgres postgres() {
    return postgres;
  }

  PostgresSupervisor postgresSupervisor() {
    return postgresSupervisor;
  }

  LocalKafkaCluster kafka() {
    return kafka;
  }

  ConnectWorker connect() {
    return connect;
  }

  private void startPostgres(Path work) throws Exception {
    Path log = work.resolve("postgres.log");
    out.printf(
        "[1/5] postgres: starting PostgreSQL 17 on 127.0.0.1:%d (log %s)%n", postgresPort, log);
    long start = System.nanoTime();
    LocalPostgres started = LocalPostgres.start(postgresPort, work.resolve("postgres-data"), log);
    synchronized (lifecycle) {
      postgres = started;
    }
    Process startedReaper = PostgresReaper.watch(started, work);
    PostgresSupervisor startedSupervisor = PostgresSupervisor.watch(started, out);
    synchronized (lifecycle) {
      reaper = startedReaper;
      postgresSupervisor = startedSupervisor;
    }
    postgres.createOwnerRole(LocalCredentials.OWNER, LocalCredentials.OWNER_PASSWORD);
    JdbcTarget target = JdbcTarget.parse(postgres.jdbcUrl());
    if (example == null) {
      ShopSchema.migrate(target, LocalCredentials.OWNER, LocalCredentials.OWNER_PASSWORD);
    } else {
      try (Connection owner =
              DriverManager.getConnection(
                  postgres.jdbcUrl(), LocalCredentials.OWNER, LocalCredentials.OWNER_PASSWORD);
          java.sql.Statement sql = owner.createStatement()) {
        sql.execute(example.schema());
      }
    }
    // Capture is prepared from the pipeline definition, as the chart's source-setup Job does.
    try (Connection owner =
        DriverManager.getConnection(
            postgres.jdbcUrl(), LocalCredentials.OWNER, LocalCredentials.OWNER_PASSWORD)) {
      SourceSetup.apply(
          owner,
          pipeline,
          new SourceSetup.Capture(
              LocalCredentials.CAPTURE,
              LocalCredentials.CAPTURE_PASSWORD,
              LocalCredentials.PUBLICATION),
          new SourceSetup.Verifier(LocalCredentials.VERIFIER, LocalCredentials.VERIFIER_PASSWORD));
    } catch (io.cdcplatform.source.SourceSetupException e) {
      throw new IllegalStateException("source setup: " + e.getMessage(), e);
    }
    // The dashboard's login; the analytics job grants it SELECT on its tables when it creates them.
    // The job's own login owns the schemas of its tables and nothing else, as on Kubernetes.
    try (Connection superuser = postgres.superuserConnection();
        java.sql.Statement sql = superuser.createStatement()) {
      sql.execute(
          "CREATE ROLE "
              + LocalCredentials.READER
              + " LOGIN PASSWORD '"
              + LocalCredentials.READER_PASSWORD
              + "'");
      sql.execute(
          "CREATE ROLE "
              + LocalCredentials.WRITER
              + " LOGIN PASSWORD '"
              + LocalCredentials.WRITER_PASSWORD
              + "'");
      for (String schema :
          new java.util.TreeSet<>(
              pipeline.sinkTables().stream()
                  .map(io.cdcplatform.pipeline.TableName::schema)
                  .toList())) {
        sql.execute(
            "CREATE SCHEMA IF NOT EXISTS " + schema + " AUTHORIZATION " + LocalCredentials.WRITER);
      }
    }
    out.printf(
        Locale.ROOT,
        "[1/5] postgres: ready in %.1fs at %s (wal_level=logical; pipeline %s, publication %s,"
            + " capture role %s)%n",
        (System.nanoTime() - start) / 1e9,
        postgres.jdbcUrl(),
        pipeline.name(),
        LocalCredentials.PUBLICATION,
        LocalCredentials.CAPTURE);
  }

  private void startKafka(LocalKafkaCluster cluster, ChartFiles chart) throws Exception {
    out.printf(
        "[2/5] kafka: starting 3 KRaft nodes on 127.0.0.1:%d-%d (logs %s)%n",
        cluster.brokerPort(1),
        cluster.brokerPort(LocalKafkaCluster.NODES),
        workDirectory.toAbsolutePath().normalize().resolve("kafka-N.log"));
    long start = System.nanoTime();
    synchronized (lifecycle) {
      kafka = cluster;
    }
    cluster.start();
    Admin client = LocalKafkaCluster.admin(cluster.bootstrapServers());
    synchronized (lifecycle) {
      admin = client;
    }
    String quorum = cluster.awaitHealthy(admin, STAGE_TIMEOUT);
    cluster.createTopics(admin, chart.topics(pipeline));
    out.printf(
        Locale.ROOT,
        "[2/5] kafka: ready in %.1fs at %s (%s; %d topics)%n",
        (System.nanoTime() - start) / 1e9,
        cluster.bootstrapServers(),
        quorum,
        chart.topics(pipeline).size());
  }

  private void startConnect(KafkaRuntime runtime, ChartFiles chart, Path work) throws Exception {
    out.printf(
        "[3/5] connect: starting Kafka Connect with Debezium on 127.0.0.1:%d (log %s)%n",
        connectPort, work.resolve("connect.log"));
    long start = System.nanoTime();
    ConnectWorker worker =
        new ConnectWorker(
            runtime, chart.connectWorker(), kafka.bootstrapServers(), connectPort, work);
    synchronized (lifecycle) {
      connect = worker;
    }
    worker.start(out);
    worker.awaitReady(STAGE_TIMEOUT);
    worker.putConnector(
        CONNECTOR,
        LocalConnectorConfig.from(
            chart.connector(pipeline), "127.0.0.1", postgresPort, LocalCredentials.SECRETS));
    ConnectWorker.ConnectorState state = worker.awaitRunning(CONNECTOR, STAGE_TIMEOUT);
    out.printf(
        Locale.ROOT,
        "[3/5] connect: ready in %.1fs at %s; connector %s %s%n",
        (System.nanoTime() - start) / 1e9,
        worker.restUrl(),
        CONNECTOR,
        state.describe());
  }

  /** When the job's process was started, for the time its stage reports. */
  private long flinkStarted;

  private void launchAnalytics(Path work) throws Exception {
    out.printf(
        "[4/5] flink: starting the analytics job beside Connect (log %s)%n",
        work.resolve("flink.log"));
    flinkStarted = System.nanoTime();
    FlinkJob job = new FlinkJob(home, flinkPort, work);
    synchronized (lifecycle) {
      flink = job;
    }
    job.start(
        home.resolve(pipelinePath).toAbsolutePath().normalize(),
        kafka.bootstrapServers(),
        postgres.jdbcUrl(),
        out);
  }

  private void awaitAnalytics() throws Exception {
    flink.awaitRunning(STAGE_TIMEOUT);
    out.printf(
        Locale.ROOT,
        "[4/5] flink: job RUNNING in %.1fs; web UI %s%n",
        (System.nanoTime() - flinkStarted) / 1e9,
        flink.webUrl());
  }

  FlinkJob flink() {
    return flink;
  }

  /** What the health probes need to find each stage of this pipeline. */
  PipelineProbes.Targets healthTargets(ChartFiles chart) {
    // As the reconciler on Kubernetes: the read-only login sees the slot and the analytics tables.
    return new PipelineProbes.Targets(
        postgres.jdbcUrl(),
        LocalCredentials.READER,
        LocalCredentials.READER_PASSWORD,
        chart.connector().get("slot.name"),
        Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
        "local",
        LocalKafkaCluster.NODES,
        connect.restUrl(),
        CONNECTOR,
        flink.webUrl(),
        FlinkJob.JOB_NAME,
        FlinkJob.CONSUMER_GROUP);
  }

  /** Watches the slot and re-snapshots when PostgreSQL invalidates it (as the capture role). */
  private void startSlotRecovery(ChartFiles chart) {
    SlotRecovery recovery =
        new SlotRecovery(
            postgres.jdbcUrl(),
            LocalCredentials.CAPTURE,
            LocalCredentials.CAPTURE_PASSWORD,
            pipeline,
            chart.connector().get("slot.name"),
            connect,
            CONNECTOR,
            out,
            () -> {
              HealthMonitor monitor;
              synchronized (lifecycle) {
                monitor = health;
              }
              if (monitor != null) {
                monitor.judge();
              }
            });
    synchronized (lifecycle) {
      slotRecovery = recovery;
    }
    recovery.start(Duration.ofSeconds(1));
  }

  /** The workload, or null when the pipeline runs without it. */
  SupervisedChild ingest() {
    return ingest;
  }

  SlotRecovery slotRecovery() {
    return slotRecovery;
  }

  private void startHealth(ChartFiles chart) throws IOException {
    Slo slo = SloSettings.parse(chart.slos());
    HealthMonitor monitor =
        new HealthMonitor(
            new PipelineProbes(healthTargets(chart)), slo, java.time.Clock.systemUTC(), out);
    synchronized (lifecycle) {
      health = monitor;
    }
    monitor.start(Duration.ofSeconds(healthSeconds));
    HealthEndpoint endpoint = new HealthEndpoint(healthPort, monitor);
    synchronized (lifecycle) {
      healthEndpoint = endpoint;
    }
    out.printf(
        "health: verdict at %s (JSON), %s%n",
        endpoint.url(), endpoint.url().replace("/health", "/ready"));
  }

  /**
   * Compares the analytics tables with their oracles at intervals while writes go on (see {@link
   * ContinuousVerifier}), logged in as its own least-privileged role, as the reconciler does on
   * Kubernetes.
   */
  private void startVerification() {
    if (verifySeconds == 0 || Oracles.of(pipeline).isEmpty()) {
      return;
    }
    VerificationLoop loop =
        new VerificationLoop(
            new ContinuousVerifier(
                postgres.jdbcUrl(),
                LocalCredentials.VERIFIER,
                LocalCredentials.VERIFIER_PASSWORD,
                pipeline.name(),
                pipeline.source().heartbeat().qualified(),
                Oracles.of(pipeline),
                VERIFY_CUT_WAIT),
            out::println);
    synchronized (lifecycle) {
      verification = loop;
    }
    loop.start(Duration.ofSeconds(verifySeconds));
    out.printf(
        Locale.ROOT,
        "verification: every %d s, %d tables against their oracles (analytics.verification)%n",
        verifySeconds,
        Oracles.of(pipeline).size());
  }

  /** The continuous verification, or null when it is off. */
  VerificationLoop verification() {
    return verification;
  }

  private void startDashboard() {
    DashboardServer server =
        new DashboardServer(
            pipeline,
            "127.0.0.1",
            dashboardPort,
            postgres.jdbcUrl(),
            LocalCredentials.READER,
            LocalCredentials.READER_PASSWORD,
            healthEndpoint.url(),
            Duration.ofSeconds(2));
    synchronized (lifecycle) {
      dashboard = server;
    }
    out.println("dashboard: " + dashboardUrl());
  }

  String dashboardUrl() {
    return "http://127.0.0.1:" + dashboard.port() + "/";
  }

  HealthMonitor health() {
    return health;
  }

  String healthUrl() {
    return healthEndpoint.url();
  }

  /** The ingest job's arguments: {@code --rate}, then everything given after {@code --}. */
  private List<String> ingestArguments() {
    List<String> arguments = new ArrayList<>(List.of("--rate", rate));
    arguments.addAll(ingestOptions);
    return arguments;
  }

  private void startIngest(Path work) throws IOException {
    if (example != null) {
      SqlWorkload started =
          new SqlWorkload(
              postgres.jdbcUrl(),
              LocalCredentials.OWNER,
              LocalCredentials.OWNER_PASSWORD,
              example.workload());
      synchronized (lifecycle) {
        workload = started;
      }
      double perSecond;
      try {
        perSecond = Double.parseDouble(rate);
      } catch (NumberFormatException e) {
        perSecond = -1;
      }
      if (!(perSecond > 0)) {
        throw new IllegalArgumentException(
            "--rate: expected a number of transactions per second above 0, got '" + rate + "'");
      }
      started.start(perSecond, out);
      out.printf("[5/5] workload: %s's workload.sql, %s transactions/s%n", example.name(), rate);
      return;
    }
    SupervisedChild child =
        SupervisedChild.start(
            new ChildSpec(
                "ingest",
                System.getProperty("java.class.path"),
                IngestJob.class.getName(),
                List.of("-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"),
                ingestArguments(),
                Map.of(
                    "INGEST_JDBC_URL", postgres.jdbcUrl(),
                    "INGEST_USER", LocalCredentials.OWNER,
                    "INGEST_PASSWORD", LocalCredentials.OWNER_PASSWORD),
                work.resolve("ingest.log")),
            out,
            true);
    synchronized (lifecycle) {
      ingest = child;
    }
    out.printf("[5/5] ingest: started (pid %d, log %s)%n", child.pid(), child.logFile());
  }

  private String connectorState() {
    try {
      return connect.state(CONNECTOR).describe();
    } catch (IOException e) {
      return "unreachable (" + e.getMessage() + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "unknown";
    }
  }

  /** Stops the stages in reverse order of start; safe to call twice and from a shutdown hook. */
  void stopAll() {
    List<Stage> toStop;
    synchronized (lifecycle) {
      if (stopping) {
        return;
      }
      stopping = true;
      toStop = new ArrayList<>(started);
    }
    stopped.countDown();
    out.println("local pipeline: stopping");
    java.util.Collections.reverse(toStop);
    boolean interrupted = false;
    for (Stage stage : toStop) {
      try {
        stage.stop();
      } catch (InterruptedException e) {
        // Every stage is still stopped; the interrupt is kept for the caller.
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private void stopPostgres() {
    if (postgresSupervisor != null) {
      postgresSupervisor.close();
    }
    if (reaper != null) {
      reaper.destroy();
    }
    if (postgres != null) {
      try {
        postgres.close();
        out.println("local pipeline: postgres stopped");
      } catch (IOException e) {
        out.println("local pipeline: postgres did not stop cleanly: " + e.getMessage());
      }
    }
  }

  private void stopKafka() throws InterruptedException {
    if (admin != null) {
      admin.close(Duration.ofSeconds(2));
    }
    if (kafka != null) {
      kafka.stop(STOP_GRACE, out);
    }
  }

  private void stopIngest() throws InterruptedException {
    if (workload != null) {
      workload.close();
      out.println("local pipeline: workload stopped");
    }
    stopProcess("ingest", ingest);
  }

  private void stopHealth() {
    if (healthEndpoint != null) {
      healthEndpoint.close();
    }
    if (health != null) {
      health.close();
    }
  }

  private void stopProcess(String name, SupervisedChild process) throws InterruptedException {
    if (process != null) {
      out.println(
          "local pipeline: " + name + " stopped (exit code " + process.stop(STOP_GRACE) + ")");
    }
  }

  private static void deleteRecursively(Path path) throws IOException {
    if (!Files.exists(path)) {
      return;
    }
    try (var paths = Files.walk(path)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
