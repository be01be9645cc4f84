package io.ktp.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs every job with seeded random option values against an empty workspace and missing input
 * files. Whatever the values, each run must stop before Spark starts with exit code 2 and one
 * error line, write nothing, and name the option when it reports an invalid value.
 */
class GeneratedOptionsTest {
  private static final int CASES_PER_JOB = 80;
  private static final Map<String, List<String>> OPTIONS = Map.of(
      "pretrain", List.of("--epochs", "--batch-size", "--averaging-frequency", "--workers",
          "--learning-rate", "--dropout", "--hidden", "--seed", "--domain", "--model",
          "--run-id", "--trainer"),
      "finetune", List.of("--epochs", "--batch-size", "--averaging-frequency", "--workers",
          "--learning-rate", "--labels-per-class", "--frozen-layers", "--head-epochs", "--seed",
          "--source-model", "--model", "--baseline-model", "--domain", "--run-id", "--trainer"),
      "evaluate", List.of("--model-version", "--convergence-fraction", "--mmd-rows",
          "--permutations", "--bandwidth-multipliers", "--seed", "--source-model", "--model",
          "--baseline-model", "--source-domain", "--domain", "--run-id"),
      "ingest", List.of("--validation-fraction", "--test-fraction",
          "--target-validation-fraction", "--target-test-fraction", "--stroke-pixels", "--seed",
          "--run-id", "--datasets", "--hash-buckets"),
      "pipeline", List.of("--seeds", "--labels-per-class", "--pretrain-epochs",
          "--finetune-epochs", "--head-epochs", "--frozen-layers", "--mmd-rows",
          "--permutations", "--bandwidth-multipliers", "--seed", "--run-id", "--denoise-steps",
          "--trainer", "--augment-rounds"),
      "denoise", List.of("--near-distance", "--lsh-tables", "--lsh-bucket-width", "--folds",
          "--fold-epochs", "--fold-hidden", "--label-rounds", "--outlier-quantile",
          "--perturbations", "--perturbation-sigma", "--unstable-fraction", "--steps",
          "--label-action", "--domain", "--output-domain", "--seed", "--run-id"),
      "augment", List.of("--labels-per-class", "--shift-copies", "--shift-pixels",
          "--rotation-degrees", "--elastic-alpha", "--elastic-sigma", "--noise-sigma",
          "--smote-copies", "--smote-neighbours", "--rounds", "--threshold", "--per-class-cap",
          "--source-model", "--epochs", "--domain", "--output-domain", "--seed", "--run-id",
          "--dropout-copies", "--dropout-rate", "--swap-copies", "--swap-count", "--mixup-copies",
          "--mixup-alpha"),
      "batch", List.of("--domain", "--split", "--rows", "--transform", "--rotation-degrees",
          "--thicken-weight", "--noise-std", "--holdout-fraction", "--output-domain", "--seed",
          "--run-id"),
      "drift", List.of("--model", "--model-version", "--reference-domain", "--reference-split",
          "--batch-domain", "--max-rows", "--permutations", "--bandwidth-multipliers",
          "--alpha", "--seed", "--run-id"),
      "recalibrate", List.of("--model", "--model-version", "--reference-domain", "--batch-domain",
          "--source-domain", "--replay-fraction", "--replay-rows", "--min-retention",
          "--min-gain", "--alias", "--filter-quantile", "--filter-factor", "--epochs",
          "--batch-size", "--learning-rate", "--trainer", "--seed", "--run-id"));
  /** Valid and invalid numbers and number lists: counts, rates, fractions, seeds, lists. */
  private static final String[] NUMBERS = {"0", "1", "2", "3", "100", "-1", "-0.5", "0.5", "1.5",
      "1e-3", "NaN", "Infinity", "-Infinity", "1e309", "9999999999", "2147483647", "1,2",
      "1,,2", "0,0", "2,2"};
  /** Valid and invalid text: names, paths, separators, line breaks, option-like values. */
  private static final String[] TEXT = {"abc", "", " ", ",", "a\nb", "../x", "\u00c4b", "-",
      "--epochs", "source", "x", "auto"};

  /** Options of the {@code ktp models} sub-commands that need a model, by sub-command. */
  private static final Map<String, List<String>> MODELS_OPTIONS = Map.of(
      "models show", List.of("--model", "--version"),
      "models promote", List.of("--model", "--version", "--alias", "--reason"),
      "models rollback", List.of("--model", "--alias", "--reason"),
      "models prune", List.of("--model", "--keep"));

  @TempDir
  static Path temp;

  @BeforeAll
  static void emptyTestFolder() throws IOException {
    try (Stream<Path> entries = Files.list(temp)) {
      assertEquals(0, entries.count(), "the workspace and input files must not exist");
    }
  }

  static Stream<Arguments> optionLists() {
    Random random = new Random(42);
    return Stream.concat(OPTIONS.keySet().stream(), MODELS_OPTIONS.keySet().stream()).sorted()
        .flatMap(job -> IntStream.range(0, CASES_PER_JOB)
        .mapToObj(i -> Arguments.of(job, i, arguments(job, random))));
  }

  @ParameterizedTest(name = "{0} case {1}")
  @MethodSource("optionLists")
  void generatedOptionsStopBeforeWork(String job, int index, List<String> arguments)
      throws IOException {
    Map<String, String> before = CliRuns.snapshot(temp);

    CliRuns.Run run = CliRuns.run(arguments);

    String argumentText = String.join(" | ", arguments);
    assertEquals(2, run.exitCode(), argumentText + "\n" + run.err());
    assertEquals(1, run.errLines().size(), argumentText + "\n" + run.err());
    String line = run.errLines().get(0);
    assertTrue(line.startsWith("ktp " + job + ": error: ") || line.startsWith("ktp: error: "),
        line);
    assertEquals("", run.out(), argumentText);
    if (line.contains("Invalid value")) {
      assertTrue(arguments.stream().anyMatch(argument -> argument.startsWith("--")
          && line.contains(argument)), "the message names an option of " + argumentText + ": " + line);
    }
    assertEquals(before, CliRuns.snapshot(temp), "files under the test folder changed");
  }

  /**
   * Returns the job name, the empty workspace, missing input files, one to three options with
   * random values, and sometimes --resume or --overwrite.
   */
  private static List<String> arguments(String job, Random random) {
    List<String> arguments = new ArrayList<>(List.of(job.split(" ")));
    arguments.addAll(List.of("-w", temp.resolve("ws").toString()));
    if (job.equals("ingest") || job.equals("pipeline")) {
      arguments.addAll(List.of("--mnist", temp.resolve("missing.tgz").toString(),
          "--optdigits", temp.resolve("missing.csv.gz").toString()));
    }
    List<String> names = OPTIONS.containsKey(job) ? OPTIONS.get(job) : MODELS_OPTIONS.get(job);
    for (int i = 0; i < 1 + random.nextInt(3); i++) {
      arguments.add(names.get(random.nextInt(names.size())));
      // Three of four values are numbers, so most runs get past parsing into validation.
      String[] values = random.nextInt(4) < 3 ? NUMBERS : TEXT;
      arguments.add(values[random.nextInt(values.length)]);
    }
    if (random.nextInt(4) == 0) {
      arguments.add(random.nextBoolean() ? "--resume" : "--overwrite");
    }
    return arguments;
  }
}
