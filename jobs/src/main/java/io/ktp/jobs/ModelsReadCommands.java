package io.ktp.jobs;

import io.ktp.cli.UserException;
import io.ktp.model.AliasMove;
import io.ktp.model.Manifest;
import io.ktp.model.ManifestDiff;
import io.ktp.model.ModelRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The sub-commands of {@code ktp models} that only read the registry. */
final class ModelsReadCommands {
  /** Metrics that the version list shows first, when a manifest has them. */
  private static final List<String> KEY_METRICS = List.of("validation_accuracy",
      "test_accuracy", "final_loss");
  private static final int LISTED_METRICS = 3;

  private ModelsReadCommands() {
  }

  @Command(name = "list", sortOptions = false,
      description = "List the models of the workspace, or one model, with every version: when"
          + " and by which job it was created, its key metrics and the aliases that point at it.")
  static final class ListCommand extends ModelsCommand.RegistryCommand {
    @Option(names = "--model", paramLabel = "NAME",
        description = "List only this model. Default: every model.")
    String model;

    @Option(names = "--json",
        description = "Print a JSON array with one object per version (model, version, aliases,"
            + " manifest) in place of the table.")
    boolean json;

    @Override
    public Integer call() throws UserException, IOException {
      ModelRegistry registry = registry();
      List<String> models = model == null ? registry.models() : List.of(model);
      List<Map<String, Object>> entries = new ArrayList<>();
      for (String name : models) {
        Map<Integer, List<String>> aliases = aliasesByVersion(registry, name);
        for (int version : registry.versions(name)) {
          entries.add(entry(registry, name, version, aliases.getOrDefault(version, List.of())));
        }
      }

      PrintWriter out = out();
      if (json) {
        out.println(ModelsCommand.JSON.writeValueAsString(entries));
      } else if (entries.isEmpty()) {
        out.println("No models in workspace " + workspaceOptions.workspace());
      } else {
        printTable(out, entries);
      }
      out.flush();
      return 0;
    }

    /** Returns one version's list entry; a damaged manifest gives an entry with its error. */
    private static Map<String, Object> entry(ModelRegistry registry, String name, int version,
        List<String> aliases) throws IOException {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("model", name);
      entry.put("version", version);
      entry.put("aliases", aliases);
      try {
        entry.put("manifest", registry.manifest(name, version));
      } catch (UserException e) {
        entry.put("error", e.getMessage());
      }
      return entry;
    }

    private static void printTable(PrintWriter out, List<Map<String, Object>> entries) {
      TextTable table = new TextTable("MODEL", "VERSION", "CREATED", "JOB", "KEY METRICS",
          "ALIASES");
      for (Map<String, Object> entry : entries) {
        Manifest manifest = (Manifest) entry.get("manifest");
        @SuppressWarnings("unchecked")
        List<String> aliases = (List<String>) entry.get("aliases");
        table.add(entry.get("model"), "v" + entry.get("version"),
            manifest == null ? "damaged" : manifest.createdAt(),
            manifest == null ? "-" : manifest.job(),
            manifest == null ? entry.get("error") : keyMetrics(manifest.metrics()),
            String.join(",", aliases));
      }
      table.print(out);
    }
  }

  @Command(name = "show", sortOptions = false,
      description = "Show the manifest of one model version: job, creation time, seed, parent,"
          + " every training option, the fingerprints of the input tables, metrics and code"
          + " version.")
  static final class ShowCommand extends ModelsCommand.RegistryCommand {
    @Mixin
    ModelsCommand.ModelOption model = new ModelsCommand.ModelOption();

    @Option(names = "--version", paramLabel = "VERSION",
        description = "Version: a number such as 3 or v3, latest, or an alias such as"
            + " production. Default: ${DEFAULT-VALUE}.")
    String version = ModelRegistry.LATEST;

    @Option(names = "--json", description = "Print manifest.json as stored.")
    boolean json;

    @Override
    public Integer call() throws UserException, IOException {
      ModelRegistry registry = registry();
      int number = registry.resolve(model.name, version);
      Manifest manifest = registry.manifest(model.name, number);

      PrintWriter out = out();
      if (json) {
        out.println(ModelsCommand.JSON.writeValueAsString(manifest));
        out.flush();
        return 0;
      }
      List<String> aliases = aliasesByVersion(registry, model.name)
          .getOrDefault(number, List.of());
      out.println("Model " + model.name + " v" + number
          + (aliases.isEmpty() ? "" : " (" + String.join(", ", aliases) + ")"));
      TextTable fields = new TextTable("FIELD", "VALUE")
          .add("job", manifest.job())
          .add("created_at", manifest.createdAt())
          .add("seed", manifest.seed())
          .add("parent", manifest.parent())
          .add("code_version", manifest.codeVersion());
      addEntries(fields, "config", manifest.config());
      addEntries(fields, "inputs", manifest.inputs());
      addEntries(fields, "metrics", manifest.metrics());
      fields.print(out);
      return 0;
    }

    private static void addEntries(TextTable table, String field, Map<String, ?> entries) {
      if (entries != null) {
        new TreeMap<>(entries).forEach((key, value) -> table.add(field + "." + key, value));
      }
    }
  }

  @Command(name = "diff", sortOptions = false,
      description = "Compare the manifests of two versions of a model: every field, training"
          + " option, input fingerprint and metric whose value differs.")
  static final class DiffCommand extends ModelsCommand.RegistryCommand {
    @Mixin
    ModelsCommand.ModelOption model = new ModelsCommand.ModelOption();

    @Option(names = "--from", required = true, paramLabel = "VERSION",
        description = "First version: a number such as 3 or v3, latest, or an alias.")
    String from;

    @Option(names = "--to", paramLabel = "VERSION",
        description = "Second version, in the same forms. Default: ${DEFAULT-VALUE}.")
    String to = ModelRegistry.LATEST;

    @Option(names = "--json",
        description = "Print a JSON array of {field, from, to} objects in place of the table.")
    boolean json;

    @Override
    public Integer call() throws UserException, IOException {
      ModelRegistry registry = registry();
      int first = registry.resolve(model.name, from);
      int second = registry.resolve(model.name, to);
      List<ManifestDiff.Difference> differences = registry.diff(model.name, first, second);

      PrintWriter out = out();
      if (json) {
        out.println(ModelsCommand.JSON.writeValueAsString(differences));
        out.flush();
        return 0;
      }
      out.println("Model " + model.name + " v" + first + " -> v" + second + ": "
          + differences.size() + (differences.size() == 1 ? " difference" : " differences"));
      if (!differences.isEmpty()) {
        TextTable table = new TextTable("FIELD", "v" + first, "v" + second, "CHANGE");
        for (ManifestDiff.Difference difference : differences) {
          table.add(difference.field(), difference.from(), difference.to(),
              change(difference.from(), difference.to()));
        }
        table.print(out);
      }
      out.flush();
      return 0;
    }

    /** Returns the signed change between two numbers, or an empty text for other values. */
    private static String change(Object from, Object to) {
      if (from instanceof Number a && to instanceof Number b) {
        return String.format(Locale.ROOT, "%+.4g", b.doubleValue() - a.doubleValue());
      }
      return "";
    }
  }

  @Command(name = "history", sortOptions = false,
      description = "Show every move of one alias of a model, oldest first: when, by whom, by"
          + " promote or rollback, from which version to which, and why.")
  static final class HistoryCommand extends ModelsCommand.RegistryCommand {
    @Mixin
    ModelsCommand.ModelOption model = new ModelsCommand.ModelOption();

    @Mixin
    ModelsCommand.AliasOption alias = new ModelsCommand.AliasOption();

    @Override
    public Integer call() throws UserException, IOException {
      ModelRegistry.checkAliasName(alias.name);
      ModelRegistry registry = registry();
      registry.versions(model.name);
      List<AliasMove> moves = registry.history(model.name, alias.name);
      if (moves.isEmpty()) {
        throw new UserException("Model '" + model.name + "' has no alias '" + alias.name
            + "': point it at a version with 'ktp models promote'");
      }

      TextTable table = new TextTable("MOVE", "MOVED_AT", "ACTION", "FROM", "TO", "USER",
          "REASON");
      for (AliasMove move : moves) {
        table.add(move.sequence(), move.movedAt(), move.action(),
            move.previous() == 0 ? "unset" : "v" + move.previous(), "v" + move.version(),
            move.user(), move.reason());
      }
      table.print(out());
      return 0;
    }
  }

  /** Returns the names of the aliases that point at each version of a model. */
  static Map<Integer, List<String>> aliasesByVersion(ModelRegistry registry, String model)
      throws UserException, IOException {
    Map<Integer, List<String>> byVersion = new TreeMap<>();
    registry.aliases(model).forEach((alias, version) ->
        byVersion.computeIfAbsent(version, v -> new ArrayList<>()).add(alias));
    return byVersion;
  }

  /**
   * Formats up to three metrics as {@code name=value}: validation and test accuracy and the
   * final loss first, then the others by name.
   */
  static String keyMetrics(Map<String, Double> metrics) {
    if (metrics == null || metrics.isEmpty()) {
      return "-";
    }
    List<String> names = new ArrayList<>();
    KEY_METRICS.stream().filter(metrics::containsKey).forEach(names::add);
    new TreeSet<>(metrics.keySet()).stream().filter(name -> !names.contains(name))
        .forEach(names::add);
    List<String> formatted = new ArrayList<>();
    for (String name : names.subList(0, Math.min(LISTED_METRICS, names.size()))) {
      formatted.add(String.format(Locale.ROOT, "%s=%.4f", name, metrics.get(name)));
    }
    return String.join(" ", formatted);
  }
}
