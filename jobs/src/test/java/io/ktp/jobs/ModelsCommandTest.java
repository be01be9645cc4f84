package io.ktp.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ktp.io.Workspace;
import io.ktp.model.Manifest;
import io.ktp.model.ModelRegistry;
import io.ktp.model.ModelStore;
import io.ktp.train.Networks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Runs {@code ktp models} through {@link Ktp#run} on a workspace with three versions of a small
 * source network and one fine-tuned version, as pretrain and finetune would save them.
 */
class ModelsCommandTest {
  @TempDir
  Path temp;

  private Path folder;
  private Workspace workspace;

  @BeforeEach
  void saveModels() throws Exception {
    folder = temp.resolve("ws");
    workspace = Workspace.open(folder.toString(), new Configuration());
    ModelStore store = new ModelStore(workspace);
    double[] accuracies = {0.81, 0.86, 0.84};
    for (int seed = 1; seed <= 3; seed++) {
      store.save(Networks.perceptron(64, new int[] {16, 8}, 10, 1e-3, seed),
          manifest("source", "pretrain", seed, null, 10 + seed, accuracies[seed - 1]));
    }
    store.save(Networks.perceptron(64, new int[] {16, 8}, 10, 1e-3, 7),
        manifest("finetuned", "finetune", 7, "source/v2", 20, 0.9));
  }

  @Test
  void listShowsVersionsAndAliases() {
    run(0, "promote", "--model", "source", "--version", "2");

    CliRuns.Run run = run(0, "list");

    assertEquals(List.of(
        "MODEL      VERSION  CREATED               JOB       KEY METRICS"
            + "                                   ALIASES",
        "finetuned  v1       2026-12-04T15:30:07Z  finetune  validation_accuracy=0.9000"
            + " final_loss=0.2000",
        "source     v1       2026-12-04T15:30:01Z  pretrain  validation_accuracy=0.8100"
            + " final_loss=0.2000",
        "source     v2       2026-12-04T15:30:02Z  pretrain  validation_accuracy=0.8600"
            + " final_loss=0.2000  production",
        "source     v3       2026-12-04T15:30:03Z  pretrain  validation_accuracy=0.8400"
            + " final_loss=0.2000"), run.out().lines().toList());
  }

  @Test
  void listJsonHasManifests() throws Exception {
    CliRuns.Run run = run(0, "list", "--model", "source", "--json");

    JsonNode entries = new ObjectMapper().readTree(run.out());
    assertEquals(3, entries.size());
    JsonNode last = entries.get(2);
    assertEquals("source", last.get("model").asText());
    assertEquals(3, last.get("version").asInt());
    assertEquals(0, last.get("aliases").size());
    assertEquals(13, last.get("manifest").get("config").get("--epochs").asInt());
  }

  @Test
  void showJsonIsStoredManifest() throws Exception {
    CliRuns.Run run = run(0, "show", "--model", "finetuned", "--json");

    ObjectMapper json = new ObjectMapper();
    assertEquals(json.readTree(folder.resolve("models/finetuned/v1/manifest.json").toFile()),
        json.readTree(run.out()));
  }

  @Test
  void showPrintsReadableManifest() {
    run(0, "promote", "--model", "source", "--version", "v3", "--alias", "staging");

    CliRuns.Run run = run(0, "show", "--model", "source", "--version", "staging");

    assertEquals(List.of(
        "Model source v3 (staging)",
        "FIELD                              VALUE",
        "job                                pretrain",
        "created_at                         2026-12-04T15:30:03Z",
        "seed                               3",
        "parent                             -",
        "code_version                       0.1.0-test",
        "config.--epochs                    13",
        "inputs.file:/ws/samples/optdigits  1797-3",
        "metrics.final_loss                 0.2",
        "metrics.validation_accuracy        0.84"), run.out().lines().toList());
  }

  @Test
  void diffListsChangedFields() {
    CliRuns.Run run = run(0, "diff", "--model", "source", "--from", "v1", "--to", "v2");

    assertEquals(List.of(
        "Model source v1 -> v2: 5 differences",
        "FIELD                              v1                    v2                    CHANGE",
        "created_at                         2026-12-04T15:30:01Z  2026-12-04T15:30:02Z",
        "seed                               1                     2                     +1.000",
        "config.--epochs                    11                    12                    +1.000",
        "inputs.file:/ws/samples/optdigits  1797-1                1797-2",
        "metrics.validation_accuracy        0.81                  0.86                  +0.05000"),
        run.out().lines().toList());
  }

  @Test
  void rollbackRestoresPreviousVersion() {
    assertEquals("Alias production of model source: unset -> v1",
        run(0, "promote", "--model", "source", "--version", "1").out().strip());
    assertEquals("Alias production of model source: v1 -> v3",
        run(0, "promote", "--model", "source", "--version", "latest", "--reason",
            "better accuracy").out().strip());

    assertEquals("Alias production of model source rolled back: v3 -> v1",
        run(0, "rollback", "--model", "source", "--reason", "misclassifies sevens").out()
            .strip());

    assertEquals("1", run(0, "show", "--model", "source", "--version", "production", "--json")
        .out().lines().filter(line -> line.contains("\"version\"")).findFirst().orElseThrow()
        .replaceAll("\\D", ""));
    List<String> history = run(0, "history", "--model", "source").out().lines().toList();
    assertEquals(4, history.size(), String.join("\n", history));
    assertTrue(history.get(3).matches("3 +\\S+ +rollback +v3 +v1 +\\S+ +misclassifies sevens"),
        history.get(3));
  }

  @Test
  void pruneDryRunChangesNothing() throws Exception {
    run(0, "promote", "--model", "source", "--version", "1");
    Map<String, String> before = CliRuns.snapshot(folder);

    CliRuns.Run run = run(0, "prune", "--model", "source", "--keep", "1");

    assertEquals(List.of(
        "VERSION  ACTION  KEPT FOR",
        "v1       keep    production",
        "v2       delete",
        "v3       keep    latest 1",
        "Dry run: would delete 1 versions of model source; run again with --delete to delete"
            + " them"), run.out().lines().toList());
    assertEquals(before, CliRuns.snapshot(folder));
  }

  @Test
  void pruneDeleteKeepsAliasedVersions() throws Exception {
    run(0, "promote", "--model", "source", "--version", "1");

    CliRuns.Run run = run(0, "prune", "--model", "source", "--keep", "1", "--delete");

    assertEquals("Deleted 1 versions of model source", run.out().lines().reduce((a, b) -> b)
        .orElseThrow());
    assertFalse(Files.exists(folder.resolve("models/source/v2")));
    assertTrue(Files.exists(folder.resolve("models/source/v1/model.zip")));
    assertTrue(Files.exists(folder.resolve("models/source/v3/model.zip")));
    assertEquals(List.of(1, 3), new ModelRegistry(workspace).versions("source"));
  }

  /** Bad input: exit code 2, one error line, no output, and no file changed. */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      unknown model |\
        show --model student |\
        ktp models show: error: Model 'student' not found under {models}/student: pick one of\
       finetuned, source, or train it first (for example with 'ktp pretrain')
      unknown version |\
        show --model source --version v7 |\
        ktp models show: error: Model 'source' has no version 7 (its versions are v1, v2, v3):\
       pick one of them
      promote missing version |\
        promote --model source --version 9 --alias staging |\
        ktp models promote: error: Model 'source' has no version 9 (its versions are v1, v2,\
       v3): pick one of them
      unset alias |\
        diff --model source --from production |\
        ktp models diff: error: Model 'source' has no alias 'production': point it at a version\
       with 'ktp models promote', or give a version number
      rollback without earlier version |\
        rollback --model finetuned --alias production |\
        ktp models rollback: error: Alias 'production' of model 'finetuned' has no earlier\
       version to roll back to (it points at v1, its first version): promote the version you\
       want with 'ktp models promote'
      rollback of unset alias |\
        rollback --model source --alias staging |\
        ktp models rollback: error: Model 'source' has no alias 'staging', so there is nothing\
       to roll back: point it at a version with 'ktp models promote'
      version as alias |\
        promote --model source --version 2 --alias v2 |\
        ktp models promote: error: Invalid alias name 'v2': a version such as 3 or v3, and\
       'latest', are not alias names; use a name such as production
      keep 0 |\
        prune --model source --keep 0 --delete |\
        ktp models prune: error: Invalid value 0 for --keep: must be >= 1
      reason over two lines |\
        promote --model source --version 2 --reason a{newline}b |\
        ktp models promote: error: Invalid value a\\nb for --reason: must be one line of at most\
       500 characters
      missing model option |\
        show --version 2 |\
        ktp models show: error: Missing required option: '--model=NAME': run 'ktp models show\
       --help' for the options
      missing sub-command |\
        |\
        ktp models: error: Missing sub-command: choose one of [list, show, diff, history,\
       promote, rollback, prune]: run 'ktp models --help' for the options
      """)
  void badInputChangesNothing(String description, String arguments, String expected)
      throws Exception {
    run(0, "promote", "--model", "finetuned", "--version", "1");
    Map<String, String> before = CliRuns.snapshot(folder);

    List<String> args = new ArrayList<>(List.of("models"));
    if (arguments != null) {
      args.addAll(List.of(arguments.strip().split(" +")));
      args.replaceAll(argument -> argument.replace("{newline}", "\n"));
      args.addAll(List.of("-w", folder.toString()));
    }
    CliRuns.Run run = CliRuns.run(args);

    assertEquals(2, run.exitCode(), run.err());
    assertEquals(List.of(expected.replace("{models}", workspace.root() + "/models")),
        run.errLines());
    assertEquals("", run.out());
    assertEquals(before, CliRuns.snapshot(folder));
  }

  @Test
  void missingWorkspaceNamesOption() {
    CliRuns.Run run = CliRuns.run(List.of("models", "list", "-w",
        temp.resolve("missing").toString()));

    assertEquals(2, run.exitCode());
    assertEquals(List.of("ktp models list: error: Workspace file:" + temp.resolve("missing")
        + " not found: give the folder that the jobs wrote with --workspace (default: workspace"
        + " in the current folder)"), run.errLines());
    assertFalse(Files.exists(temp.resolve("missing")));
  }

  @ParameterizedTest
  @ValueSource(strings = {"list", "show", "diff", "history", "promote", "rollback", "prune"})
  void helpListsOptions(String command) {
    CliRuns.Run run = CliRuns.run(List.of("models", command, "--help"));

    assertEquals(0, run.exitCode(), run.err());
    assertTrue(run.out().startsWith("Usage: ktp models " + command), run.out());
    assertTrue(run.out().contains("--workspace=URI"), run.out());
  }

  private CliRuns.Run run(int exitCode, String... args) {
    List<String> all = new ArrayList<>(List.of("models"));
    all.addAll(List.of(args));
    all.addAll(List.of("-w", folder.toString()));
    CliRuns.Run run = CliRuns.run(all);
    assertEquals(exitCode, run.exitCode(), String.join(" ", all) + ": " + run.err());
    return run;
  }

  private static Manifest manifest(String name, String job, long seed, String parent,
      int epochs, double accuracy) {
    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put("validation_accuracy", accuracy);
    metrics.put("final_loss", 0.2);
    return new Manifest(name, 0, job, String.format("2026-12-04T15:30:%02dZ", seed), seed,
        parent, Map.of("--epochs", epochs), Map.of("file:/ws/samples/optdigits", "1797-" + seed),
        metrics, "0.1.0-test");
  }
}
