package io.cdcplatform.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads a pipeline definition: one YAML file, and one Flink SQL file per analytic beside it. The
 * file is checked strictly (an unknown field is refused, not ignored) and everything that can be
 * known without a database is validated here: names, keys, windows, outputs used once. What needs
 * the source's catalog or Flink's planner is checked where they are, with the same one-line
 * messages ({@link #problem}).
 */
public final class PipelineDefinitions {

  /** The definition's file name in a folder given instead of a file. */
  public static final String FILE_NAME = "pipeline.yaml";

  /** The chart's own definition (the shop), from the project's root: what runs by default. */
  public static final String CHART_PIPELINE = "helm/cdc-platform/files/pipeline";

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,62}");
  private static final Pattern PIPELINE_NAME = Pattern.compile("[a-z][a-z0-9-]{0,40}");
  private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

  private static final Set<String> TOP =
      Set.of("name", "description", "source", "analytics", "job");
  private static final Set<String> SOURCE =
      Set.of("database", "credentialsSecret", "topicPrefix", "tables", "heartbeat");
  private static final Set<String> TABLE = Set.of("table", "key", "eventTime", "columns");
  private static final Set<String> ANALYTIC =
      Set.of(
          "name",
          "description",
          "query",
          "key",
          "window",
          "outputs",
          "oracle",
          "unchecked",
          "panel");
  private static final Set<String> PANEL = Set.of("chart", "x", "series", "value", "top");
  private static final Set<String> WINDOW = Set.of("column", "size", "allowedLateness");
  private static final Set<String> OUTPUTS = Set.of("table", "topic");

  private PipelineDefinitions() {}

  /**
   * Reads the definition in a file, or in {@code pipeline.yaml} of a folder.
   *
   * @throws DefinitionException one line naming the file, the part and the problem
   */
  public static PipelineDefinition load(Path path) {
    Path file = Files.isDirectory(path) ? path.resolve(FILE_NAME) : path;
    String label = file.toString();
    JsonNode root;
    try {
      root = YAML.readTree(Files.readString(file, StandardCharsets.UTF_8));
    } catch (NoSuchFileException e) {
      throw new DefinitionException(label + ": no such file; expected a pipeline definition");
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      String line = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr();
      throw new DefinitionException(
          label + ": not readable YAML" + line + ": " + firstLine(e.getOriginalMessage()));
    } catch (IOException e) {
      throw new DefinitionException(label + ": cannot read: " + firstLine(e.getMessage()));
    }
    Path folder = file.toAbsolutePath().normalize().getParent();
    return new Reader(label, folder).definition(root);
  }

  /** A one-line complaint about a definition, the way every check words it. */
  public static String problem(String file, String where, String problem) {
    return file + ": " + (where.isEmpty() ? "" : where + ": ") + problem;
  }

  /** A complaint about one analytic. */
  public static String problem(PipelineDefinition definition, Analytic analytic, String problem) {
    return problem(definition.file(), "analytic " + analytic.name(), problem);
  }

  private static final class Reader {
    private final String label;
    private final Path folder;

    Reader(String label, Path folder) {
      this.label = label;
      this.folder = folder;
    }

    DefinitionException at(String where, String problem) {
      return new DefinitionException(problem(label, where, problem));
    }

    PipelineDefinition definition(JsonNode root) {
      YamlNode top = new YamlNode(root, "", this::at).mapping(TOP);
      String name = matching(top.get("name"), PIPELINE_NAME, "a lower-case name such as shop");
      Source source = source(top.get("source").mapping(SOURCE));
      List<Analytic> analytics = new ArrayList<>();
      Map<String, String> outputs = new HashMap<>();
      for (String topic : changeTopics(source)) {
        outputs.put("topic " + topic, "the change topic of a captured table");
      }
      for (String own : List.of(PipelineDefinition.FRESHNESS, PipelineDefinition.LATENCY)) {
        outputs.put("table " + own, "the platform (" + own + " is its own)");
        outputs.put("topic " + own, "the platform (" + own + " is its own)");
      }
      for (YamlNode item : top.get("analytics").list()) {
        Analytic analytic = analytic(item, source);
        if (analytics.stream().anyMatch(a -> a.name().equals(analytic.name()))) {
          throw at(item.where(), "analytic name '" + analytic.name() + "' is used twice");
        }
        claim(outputs, "table " + analytic.table().qualified(), analytic);
        claim(outputs, "topic " + analytic.topic(), analytic);
        analytics.add(analytic);
      }
      Map<String, String> job = top.get("job").scalars();
      return new PipelineDefinition(
          name, label, source, analytics, job, Generation.of(root, folder));
    }

    private void claim(Map<String, String> outputs, String output, Analytic analytic) {
      String owner = outputs.putIfAbsent(output, "analytic " + analytic.name());
      if (owner != null) {
        throw at(
            "analytic " + analytic.name(),
            "output " + output + " is already used by " + owner + "; each output needs its own");
      }
    }

    private List<String> changeTopics(Source source) {
      return source.captured().stream().map(t -> t.topic(source.topicPrefix())).toList();
    }

    private Source source(YamlNode node) {
      String database = node.text("database", "postgres");
      String secret = node.text("credentialsSecret", "cdc-capture-credentials");
      String prefix = matching(node.get("topicPrefix"), TOPIC, "a Kafka topic prefix such as cdc");
      TableName heartbeat = tableName(node.get("heartbeat"));
      List<SourceTable> tables = new ArrayList<>();
      Set<TableName> seen = new HashSet<>();
      seen.add(heartbeat);
      for (YamlNode item : node.get("tables").list()) {
        item.mapping(TABLE);
        TableName name = tableName(item.get("table"));
        if (!seen.add(name)) {
          throw at(
              item.where(),
              "table "
                  + name
                  + (name.equals(heartbeat) ? " is the heartbeat table" : " is declared twice"));
        }
        List<String> key = item.has("key") ? identifiers(item.get("key")) : List.of();
        String eventTime = item.has("eventTime") ? identifier(item.get("eventTime")) : null;
        List<String> columns = item.has("columns") ? identifiers(item.get("columns")) : List.of();
        if (!columns.isEmpty()) {
          Set<String> captured = new HashSet<>(columns);
          for (String column : key) {
            if (!captured.contains(column)) {
              throw at(
                  item.get("key").where(), "key column " + column + " is not among the columns");
            }
          }
          if (eventTime != null && !captured.contains(eventTime)) {
            throw at(
                item.get("eventTime").where(),
                "event-time column " + eventTime + " is not among the columns");
          }
        }
        tables.add(new SourceTable(name, key, eventTime, columns));
      }
      return new Source(database, secret, prefix, tables, heartbeat);
    }

    private Analytic analytic(YamlNode entry, Source source) {
      String name = matching(entry.get("name"), NAME, "a lower-case SQL identifier");
      String where = "analytic " + name;
      YamlNode item = entry.renamed(where).mapping(ANALYTIC);
      YamlNode node = item;
      String queryFile = item.text("query");
      String query = query(where + ".query", queryFile);
      YamlNode keyNode = item.get("key");
      if (!item.has("key")) {
        throw at(where + ".key", "required, missing: the result columns that identify a row");
      }
      List<String> key = identifiers(keyNode);
      Window window = item.has("window") ? window(item.get("window"), key) : null;
      YamlNode outputs = item.get("outputs");
      TableName table = new TableName("analytics", name);
      String topic = "analytics." + name;
      if (item.has("outputs")) {
        outputs.mapping(OUTPUTS);
        if (outputs.has("table")) {
          table = tableName(outputs.get("table"));
        }
        if (outputs.has("topic")) {
          topic = matching(outputs.get("topic"), TOPIC, "a Kafka topic name");
        }
      }
      String oracle = item.has("oracle") ? item.text("oracle").strip() : null;
      String unchecked = item.has("unchecked") ? item.text("unchecked") : null;
      if (oracle != null && unchecked != null) {
        throw node.problem("has both an oracle and 'unchecked'; give one or the other");
      }
      if (oracle != null) {
        oracle = withoutSemicolon(oracle);
      }
      Panel panel = item.has("panel") ? panel(item.get("panel")) : null;
      return new Analytic(
          name,
          item.text("description", ""),
          query,
          queryFile,
          key,
          window,
          table,
          topic,
          oracle,
          unchecked,
          panel);
    }

    private Panel panel(YamlNode node) {
      node.mapping(PANEL);
      String chart = node.text("chart");
      if (!Panel.CHARTS.contains(chart)) {
        throw node.get("chart")
            .problem(
                "expected one of " + String.join(", ", Panel.CHARTS) + ", got '" + chart + "'");
      }
      String x = node.has("x") ? identifier(node.get("x")) : null;
      String series = node.has("series") ? identifier(node.get("series")) : null;
      String value = identifier(node.get("value"));
      if (!chart.equals("table") && x == null) {
        throw node.get("x").problem("required for a " + chart + " chart, missing");
      }
      if (series != null && !chart.equals("timeseries")) {
        throw node.get("series").problem("only a timeseries chart has series");
      }
      int top = 10;
      if (node.has("top")) {
        String text = node.text("top");
        try {
          top = Integer.parseInt(text);
        } catch (NumberFormatException e) {
          top = -1;
        }
        if (top < 1 || top > 100) {
          throw node.get("top")
              .problem("expected a whole number from 1 to 100, got '" + text + "'");
        }
      }
      return new Panel(chart, x, series, value, top);
    }

    private Window window(YamlNode node, List<String> key) {
      node.mapping(WINDOW);
      String column = identifier(node.get("column"));
      if (!key.contains(column)) {
        throw node.get("column")
            .problem(
                "'"
                    + column
                    + "' is not a key column; a window's start must be part of the key "
                    + key);
      }
      Duration size = duration(node.get("size"), true);
      Duration lateness =
          node.has("allowedLateness")
              ? duration(node.get("allowedLateness"), false)
              : Duration.ZERO;
      return new Window(column, size, lateness);
    }

    private String query(String where, String file) {
      Path path = folder.resolve(file).normalize();
      if (!path.startsWith(folder)) {
        throw at(where, "'" + file + "' is outside the definition's folder");
      }
      String text;
      try {
        text = Files.readString(path, StandardCharsets.UTF_8);
      } catch (NoSuchFileException e) {
        throw at(where, "no such file " + file + " beside the definition");
      } catch (IOException e) {
        throw at(where, "cannot read " + file + ": " + e.getMessage());
      }
      String query = withoutSemicolon(stripComments(text).strip());
      if (query.isEmpty()) {
        throw at(where, file + " is empty; expected one SELECT statement");
      }
      if (outsideQuotes(query).contains(";")) {
        throw at(where, file + " holds more than one statement; expected one SELECT");
      }
      return query;
    }

    private TableName tableName(YamlNode node) {
      try {
        return TableName.parse(node.text());
      } catch (DefinitionException e) {
        throw e;
      } catch (IllegalArgumentException e) {
        throw node.problem(e.getMessage());
      }
    }

    private List<String> identifiers(YamlNode node) {
      List<String> names = new ArrayList<>();
      for (YamlNode item : node.list()) {
        String name = identifier(item);
        if (names.contains(name)) {
          throw item.problem("column " + name + " is listed twice");
        }
        names.add(name);
      }
      return names;
    }

    private String identifier(YamlNode node) {
      String text = node.text();
      if (!TableName.identifier(text)) {
        throw node.problem("expected a lower-case SQL identifier, got '" + text + "'");
      }
      return text;
    }

    private Duration duration(YamlNode node, boolean positive) {
      try {
        return positive ? Durations.positive(node.text()) : Durations.parse(node.text());
      } catch (DefinitionException e) {
        throw e;
      } catch (IllegalArgumentException e) {
        throw node.problem(e.getMessage());
      }
    }

    private String matching(YamlNode node, Pattern pattern, String expected) {
      String text = node.text();
      if (!pattern.matcher(text).matches()) {
        throw node.problem("expected " + expected + ", got '" + text + "'");
      }
      return text;
    }
  }

  /** SQL without its line comments ({@code -- ...}), which Flink and PostgreSQL both allow. */
  static String stripComments(String sql) {
    StringBuilder out = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < sql.length(); i++) {
      char c = sql.charAt(i);
      if (c == '\'') {
        quoted = !quoted;
      } else if (!quoted && c == '-' && i + 1 < sql.length() && sql.charAt(i + 1) == '-') {
        while (i < sql.length() && sql.charAt(i) != '\n') {
          i++;
        }
        out.append('\n');
        continue;
      }
      out.append(c);
    }
    return out.toString();
  }

  /** The SQL with its quoted literals and identifiers blanked out. */
  static String outsideQuotes(String sql) {
    StringBuilder out = new StringBuilder();
    char quote = 0;
    for (char c : sql.toCharArray()) {
      if (quote == 0 && (c == '\'' || c == '"' || c == '`')) {
        quote = c;
      } else if (c == quote) {
        quote = 0;
      } else if (quote == 0) {
        out.append(c);
      }
    }
    return out.toString();
  }

  private static String withoutSemicolon(String sql) {
    String trimmed = sql.strip();
    while (trimmed.endsWith(";")) {
      trimmed = trimmed.substring(0, trimmed.length() - 1).strip();
    }
    return trimmed;
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "unreadable";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
