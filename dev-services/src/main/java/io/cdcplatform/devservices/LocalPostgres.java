package io.cdcplatform.devservices;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A real PostgreSQL 17 server on this machine, configured as the platform's source database must
 * be: logical WAL, replication slots, and password authentication for every role but the local
 * superuser.
 */
public final class LocalPostgres implements AutoCloseable {

  /** The superuser that owns the database; it authenticates without a password on loopback. */
  public static final String SUPERUSER = "postgres";

  /** The database the platform uses. */
  public static final String DATABASE = "postgres";

  private static final String LOCK_FILE = "postmaster.pid";

  // The superuser keeps trust so tests and the launcher can administer the server; every other
  // role (the ingest owner, the capture role) must present a SCRAM password, as in production.
  private static final String HBA =
      """
      local all all trust
      host all %1$s 127.0.0.1/32 trust
      host all %1$s ::1/128 trust
      host replication %1$s 127.0.0.1/32 trust
      host all all 127.0.0.1/32 scram-sha-256
      host all all ::1/128 scram-sha-256
      host replication all 127.0.0.1/32 scram-sha-256
      host replication all ::1/128 scram-sha-256
      """
          .formatted(SUPERUSER);

  private static final Duration STARTUP_WAIT = Duration.ofSeconds(60);
  private static final Duration OLD_BACKENDS_WAIT = Duration.ofSeconds(15);

  private final EmbeddedPostgres server;
  private final int port;
  private final Path dataDirectory;
  private final Path logFile;
  // The postmaster's own command line, as the embedded server started it: a restart runs it again.
  private final List<String> postmasterCommand;

  private LocalPostgres(EmbeddedPostgres server, int port, Path dataDirectory, Path logFile) {
    this.server = server;
    this.port = port;
    this.dataDirectory = dataDirectory;
    this.logFile = logFile;
    long pid =
        postmasterPid()
            .orElseThrow(
                () -> new IllegalStateException("PostgreSQL started without a postmaster"));
    ProcessHandle.Info started =
        ProcessHandle.of(pid)
            .map(ProcessHandle::info)
            .orElseThrow(() -> new IllegalStateException("PostgreSQL's postmaster is gone"));
    List<String> command = new ArrayList<>();
    // PostgreSQL refuses to run as root. The embedded server then starts it in a new user
    // namespace, where it runs unprivileged; a restart must do the same.
    if (inOtherUserNamespace(pid)) {
      command.addAll(List.of("unshare", "-U"));
    }
    command.add(started.command().orElseThrow());
    command.addAll(List.of(started.arguments().orElse(new String[0])));
    this.postmasterCommand = List.copyOf(command);
  }

  /** Where the cluster's files live. */
  public Path dataDirectory() {
    return dataDirectory;
  }

  /**
   * Starts a fresh server.
   *
   * @param port the TCP port on loopback, or 0 for any free port
   * @param dataDirectory where the cluster lives; emptied first
   * @param logFile where the server writes its log
   */
  public static LocalPostgres start(int port, Path dataDirectory, Path logFile) throws IOException {
    Files.createDirectories(dataDirectory);
    Files.createDirectories(logFile.toAbsolutePath().getParent());
    EmbeddedPostgres.Builder builder =
        EmbeddedPostgres.builder()
            .setDataDirectory(dataDirectory)
            .setCleanDataDirectory(true)
            // The owner of this object stops the server, in the order the pipeline needs.
            .setRegisterShutdownHook(false)
            .setDataDirectoryCustomizer(LocalPostgres::requirePasswords)
            .setPGStartupWait(Duration.ofSeconds(60))
            .setOutputRedirector(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
            .setErrorRedirector(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
            .setServerConfig("wal_level", "logical")
            // An acknowledged commit survives a crash of the server process. (fsync stays off, as
            // the embedded server sets it: only a crash of the whole machine could lose data.)
            .setServerConfig("synchronous_commit", "on")
            .setServerConfig("max_replication_slots", "10")
            .setServerConfig("max_wal_senders", "10")
            .setServerConfig("listen_addresses", "127.0.0.1")
            .setServerConfig("password_encryption", "scram-sha-256");
    if (port > 0) {
      builder.setPort(port);
    }
    EmbeddedPostgres server = builder.start();
    return new LocalPostgres(server, server.getPort(), dataDirectory, logFile);
  }

  // Runs after initdb and before the server starts.
  private static void requirePasswords(java.io.File dataDirectory) {
    try {
      Files.writeString(dataDirectory.toPath().resolve("pg_hba.conf"), HBA);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** The port the server listens on. */
  public int port() {
    return port;
  }

  /** A JDBC URL for the platform's database on this server. */
  public String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE;
  }

  /** A new connection as the superuser. */
  public Connection superuserConnection() throws SQLException {
    return DriverManager.getConnection(jdbcUrl(), SUPERUSER, "");
  }

  /**
   * Creates (or resets the password of) the role that owns the platform's schema: it logs in with a
   * password, may create the capture role (CREATEROLE and REPLICATION, since only a role with
   * REPLICATION may grant it) and may create schemas and publications in the database.
   */
  public void createOwnerRole(String role, String password) {
    Objects.requireNonNull(password, "password");
    try (Connection connection = superuserConnection();
        Statement statement = connection.createStatement()) {
      statement.execute(
          "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = "
              + quoteLiteral(role)
              + ") THEN EXECUTE format('CREATE ROLE %I', "
              + quoteLiteral(role)
              + "); END IF; END $$");
      statement.execute(
          "ALTER ROLE "
              + quoteIdentifier(role)
              + " WITH LOGIN CREATEROLE REPLICATION PASSWORD "
              + quoteLiteral(password));
      statement.execute(
          "GRANT CREATE ON DATABASE " + quoteIdentifier(DATABASE) + " TO " + quoteIdentifier(role));
    } catch (SQLException e) {
      throw new IllegalStateException("could not create role " + role + ": " + e.getMessage(), e);
    }
  }

  private static String quoteLiteral(String value) {
    return "'" + value.replace("'", "''") + "'";
  }

  private static String quoteIdentifier(String value) {
    return "\"" + value.replace("\"", "\"\"") + "\"";
  }

  /** The postmaster's lock file: its first line is the postmaster's pid. */
  public Path lockFile() {
    return dataDirectory.resolve(LOCK_FILE);
  }

  /** The postmaster's process id as its lock file names it, if the file is there. */
  public Optional<Long> postmasterPid() {
    try {
      List<String> lines = Files.readAllLines(lockFile());
      return lines.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(lines.get(0).strip()));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** Whether the postmaster runs: its process exists and is not a zombie nobody reaped. */
  public boolean isRunning() {
    return postmasterPid().filter(LocalPostgres::running).isPresent();
  }

  /**
   * Starts the server again on its data directory after its postmaster died (a crash, a {@code kill
   * -9}): PostgreSQL's crash recovery replays its WAL, so every acknowledged commit is still there.
   * Does nothing while the postmaster runs.
   *
   * <p>A postmaster killed where no init process reaps it stays a zombie whose pid still answers
   * {@code kill -0}, and PostgreSQL then refuses to start ("lock file already exists"). Once every
   * process of the old server is gone (none still has the data directory as its working directory),
   * that lock file is stale and is removed first.
   *
   * @return the new postmaster's pid
   * @throws IOException naming why the server did not come back
   */
  public synchronized long restart() throws IOException {
    Optional<Long> old = postmasterPid();
    if (old.filter(LocalPostgres::running).isPresent()) {
      return old.get();
    }
    awaitOldProcessesGone();
    removeStaleLockFiles();
    Process postmaster =
        new ProcessBuilder(postmasterCommand)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
            .start();
    long deadline = System.nanoTime() + STARTUP_WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!postmaster.isAlive()) {
        throw new IOException(
            "PostgreSQL exited with code "
                + postmaster.exitValue()
                + " while starting again ("
                + lastLine(logFile)
                + "); see "
                + logFile);
      }
      try (Connection connection = superuserConnection()) {
        return postmaster.pid();
      } catch (SQLException notYet) {
        pause(Duration.ofMillis(200));
      }
    }
    postmaster.destroyForcibly();
    throw new IOException(
        "PostgreSQL did not accept connections within "
            + STARTUP_WAIT.toSeconds()
            + " s of starting again; see "
            + logFile);
  }

  // The data directory's lock file names the socket directory and port (its 5th and 4th lines),
  // whose socket lock file the dead postmaster holds as well.
  private void removeStaleLockFiles() throws IOException {
    Path lock = lockFile();
    if (!Files.exists(lock)) {
      return;
    }
    List<String> lines = Files.readAllLines(lock);
    if (lines.size() >= 5 && !lines.get(4).isBlank()) {
      Path socketLock =
          Path.of(lines.get(4).strip()).resolve(".s.PGSQL." + lines.get(3).strip() + ".lock");
      List<String> socket = Files.exists(socketLock) ? Files.readAllLines(socketLock) : List.of();
      if (!socket.isEmpty() && socket.get(0).strip().equals(lines.get(0).strip())) {
        Files.deleteIfExists(socketLock);
      }
    }
    Files.delete(lock);
  }

  private void awaitOldProcessesGone() throws IOException {
    long deadline = System.nanoTime() + OLD_BACKENDS_WAIT.toNanos();
    List<Long> left = processesIn(dataDirectory);
    while (!left.isEmpty() && System.nanoTime() < deadline) {
      pause(Duration.ofMillis(200));
      left = processesIn(dataDirectory);
    }
    if (!left.isEmpty()) {
      throw new IOException(
          "processes of the old PostgreSQL server still run in " + dataDirectory + ": " + left);
    }
  }

  /** The live processes whose working directory is {@code directory} (Linux; none elsewhere). */
  static List<Long> processesIn(Path directory) {
    Path real;
    try {
      real = directory.toRealPath();
    } catch (IOException e) {
      return List.of();
    }
    return ProcessHandle.allProcesses()
        .map(ProcessHandle::pid)
        .filter(
            pid -> {
              try {
                return Files.readSymbolicLink(Path.of("/proc", pid.toString(), "cwd")).equals(real);
              } catch (IOException | UnsupportedOperationException | SecurityException e) {
                return false;
              }
            })
        .filter(LocalPostgres::running)
        .collect(Collectors.toList());
  }

  private static String lastLine(Path file) {
    try (var lines = Files.lines(file)) {
      return lines.filter(line -> !line.isBlank()).reduce((a, b) -> b).orElse("no output").strip();
    } catch (IOException | java.io.UncheckedIOException e) {
      return "its log is not readable: " + e.getMessage();
    }
  }

  private static boolean inOtherUserNamespace(long pid) {
    try {
      Path ours = Files.readSymbolicLink(Path.of("/proc/self/ns/user"));
      return !Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "ns", "user"))
          .equals(ours);
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      return false;
    }
  }

  /** Whether the process runs; a zombie (state Z in Linux's /proc) does not. */
  static boolean running(long pid) {
    if (ProcessHandle.of(pid).filter(ProcessHandle::isAlive).isEmpty()) {
      return false;
    }
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      char state = stat.charAt(stat.lastIndexOf(')') + 2);
      return state != 'Z' && state != 'X';
    } catch (IOException | RuntimeException e) {
      return true;
    }
  }

  private static void pause(Duration duration) throws IOException {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while restarting PostgreSQL");
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
