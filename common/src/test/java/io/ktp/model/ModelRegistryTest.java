package io.ktp.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ktp.cli.UserException;
import io.ktp.io.Workspace;
import io.ktp.train.Networks;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.slf4j.LoggerFactory;

class ModelRegistryTest {
  @TempDir
  java.nio.file.Path temp;

  private Workspace workspace;
  private ModelStore store;
  private ModelRegistry registry;

  @BeforeEach
  void openRegistry() throws UserException {
    workspace = Workspace.open(temp.toString(), new Configuration());
    store = new ModelStore(workspace);
    registry = new ModelRegistry(workspace);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"v2, 2", "2, 2", "latest, 3", "v3, 3", "' v1 ', 1"})
  void resolveReadsVersionForms(String reference, int expected) throws Exception {
    saveVersions("source", 3);

    assertEquals(expected, registry.resolve("source", reference));
  }

  @Test
  void resolveReadsAlias() throws Exception {
    saveVersions("source", 3);
    registry.promote("source", ModelRegistry.STAGING, 2, "candidate");

    assertEquals(2, registry.resolve("source", "staging"));
    assertEquals(OptionalInt.of(2), registry.alias("source", "staging"));
    assertEquals(OptionalInt.empty(), registry.alias("source", "production"));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      unknown version | source | v9 |\
        Model 'source' has no version 9 (its versions are v1, v2, v3): pick one of them
      version 0 | source | 0 |\
        Model 'source' has no version 0 (its versions are v1, v2, v3): pick one of them
      unset alias | source | production |\
        Model 'source' has no alias 'production': point it at a version with 'ktp models\
       promote', or give a version number
      invalid reference | source | Prod! |\
        Invalid version 'Prod!' of model 'source': use a number such as 3 or v3, 'latest', or an\
       alias name such as production
      empty reference | source | '' |\
        Invalid version '' of model 'source': use a number such as 3 or v3, 'latest', or an alias\
       name such as production
      bad model name | ../x | latest |\
        Invalid model name '../x': use 1 to 64 lower-case letters, digits, '-' or '_', starting\
       with a letter or digit
      """)
  void resolveRejectsBadReference(String description, String name, String reference,
      String expected) throws Exception {
    saveVersions("source", 3);

    UserException error = assertThrows(UserException.class,
        () -> registry.resolve(name, reference));

    assertEquals(expected, error.getMessage());
  }

  @Test
  void unknownModelNamesExistingOnes() throws Exception {
    saveVersions("source", 1);
    saveVersions("finetuned", 1);

    UserException error = assertThrows(UserException.class,
        () -> registry.resolve("student", "latest"));

    assertEquals("Model 'student' not found under " + workspace.models("student") + ": pick"
        + " one of finetuned, source, or train it first (for example with 'ktp pretrain')",
        error.getMessage());
  }

  @Test
  void aliasToMissingVersionNamesFix() throws Exception {
    saveVersions("source", 2);
    registry.promote("source", "production", 1, null);
    deleteFolder(temp.resolve("models/source/v1"));

    UserException error = assertThrows(UserException.class,
        () -> registry.resolve("source", "production"));

    assertEquals("Alias 'production' of model 'source' points at v1, which is missing (its"
        + " versions are v2): promote an existing version with 'ktp models promote'",
        error.getMessage());
  }

  @Test
  void promoteReturnsPreviousVersion() throws Exception {
    saveVersions("source", 3);

    assertEquals(0, registry.promote("source", "production", 1, "first release"));
    assertEquals(1, registry.promote("source", "production", 3, "better accuracy"));

    assertEquals(OptionalInt.of(3), registry.alias("source", "production"));
    List<AliasMove> history = registry.history("source", "production");
    assertEquals(2, history.size());
    AliasMove last = history.get(1);
    assertEquals(2, last.sequence());
    assertEquals(3, last.version());
    assertEquals(1, last.previous());
    assertEquals(1, last.restores());
    assertEquals(AliasMove.PROMOTE, last.action());
    assertEquals("better accuracy", last.reason());
    assertTrue(last.movedAt().endsWith("Z"), last.movedAt());
  }

  @Test
  void rollbackRestoresPreviousVersion() throws Exception {
    saveVersions("source", 3);
    registry.promote("source", "production", 1, null);
    registry.promote("source", "production", 2, null);
    registry.promote("source", "production", 3, null);

    assertEquals(2, registry.rollback("source", "production", "v3 misclassifies sevens"));
    assertEquals(OptionalInt.of(2), registry.alias("source", "production"));
    assertEquals(1, registry.rollback("source", "production", null));
    assertEquals(OptionalInt.of(1), registry.alias("source", "production"));

    AliasMove last = registry.history("source", "production").get(4);
    assertEquals(AliasMove.ROLLBACK, last.action());
    assertEquals(1, last.version());
    assertEquals(2, last.previous());
    assertEquals(0, last.restores());
  }

  @Test
  void promoteAfterRollbackRollsBackToIt() throws Exception {
    saveVersions("source", 3);
    registry.promote("source", "production", 1, null);
    registry.promote("source", "production", 2, null);
    registry.rollback("source", "production", null);

    registry.promote("source", "production", 3, null);

    assertEquals(1, registry.rollback("source", "production", null));
  }

  @Test
  void rollbackWithoutEarlierVersionChangesNothing() throws Exception {
    saveVersions("source", 2);
    registry.promote("source", "production", 2, null);
    Map<String, String> before = files();

    UserException error = assertThrows(UserException.class,
        () -> registry.rollback("source", "production", null));

    assertEquals("Alias 'production' of model 'source' has no earlier version to roll back to"
        + " (it points at v2, its first version): promote the version you want with 'ktp models"
        + " promote'", error.getMessage());
    assertEquals(before, files());
  }

  @Test
  void rollbackOfUnsetAliasChangesNothing() throws Exception {
    saveVersions("source", 2);
    Map<String, String> before = files();

    UserException error = assertThrows(UserException.class,
        () -> registry.rollback("source", "staging", null));

    assertEquals("Model 'source' has no alias 'staging', so there is nothing to roll back: point"
        + " it at a version with 'ktp models promote'", error.getMessage());
    assertEquals(before, files());
  }

  @Test
  void rollbackToDeletedVersionChangesNothing() throws Exception {
    saveVersions("source", 3);
    registry.promote("source", "production", 1, null);
    registry.promote("source", "production", 3, null);
    deleteFolder(temp.resolve("models/source/v1"));
    Map<String, String> before = files();

    UserException error = assertThrows(UserException.class,
        () -> registry.rollback("source", "production", null));

    assertEquals("Model 'source' has no version 1 (its versions are v2, v3): alias 'production'"
        + " is unchanged; promote an existing version instead", error.getMessage());
    assertEquals(before, files());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      missing version | source | production | 7 |\
        Model 'source' has no version 7 (its versions are v1, v2): alias 'production' is\
       unchanged
      unknown model | student | production | 1 |\
        Model 'student' not found under {models}/student: pick one of source, or train it first\
       (for example with 'ktp pretrain')
      version as alias | source | v2 | 1 |\
        Invalid alias name 'v2': a version such as 3 or v3, and 'latest', are not alias names;\
       use a name such as production
      latest as alias | source | latest | 1 |\
        Invalid alias name 'latest': a version such as 3 or v3, and 'latest', are not alias\
       names; use a name such as production
      path as alias | source | ../prod | 1 |\
        Invalid alias name '../prod': use 1 to 64 lower-case letters, digits, '-' or '_',\
       starting with a letter or digit
      """)
  void promoteRejectsBadInput(String description, String name, String alias, int version,
      String expected) throws Exception {
    saveVersions("source", 2);
    registry.promote("source", "production", 1, null);
    Map<String, String> before = files();

    UserException error = assertThrows(UserException.class,
        () -> registry.promote(name, alias, version, null));

    assertEquals(expected.replace("{models}/student", workspace.models("student").toString()),
        error.getMessage());
    assertEquals(before, files());
  }

  @Test
  void damagedAliasEntryNamesFile() throws Exception {
    saveVersions("source", 1);
    registry.promote("source", "production", 1, null);
    java.nio.file.Path entry = temp.resolve("models/source/aliases/production/000001.json");
    Files.writeString(entry, "{\"sequence\": 1,");

    UserException error = assertThrows(UserException.class,
        () -> registry.alias("source", "production"));

    assertTrue(error.getMessage().startsWith("Alias entry " + workspace.models("source")
        + "/aliases/production/000001.json is not valid JSON ("), error.getMessage());
    assertTrue(error.getMessage().endsWith("): restore the file from a backup, or delete "
        + workspace.models("source") + "/aliases/production to unset the alias"),
        error.getMessage());
  }

  @Test
  void retentionKeepsLatestAndAliased() throws Exception {
    saveVersions("source", 8);
    registry.promote("source", "production", 2, null);
    registry.promote("source", "production", 4, null);
    registry.promote("source", "staging", 6, null);

    ModelRegistry.Retention plan = registry.retention("source", 2);

    assertEquals(List.of(2, 4, 6, 7, 8), plan.kept());
    assertEquals(List.of(1, 3, 5), plan.deleted());
    assertEquals(Map.of(2, List.of("production rollback"), 4, List.of("production"),
        6, List.of("staging")), plan.aliased());
    assertEquals(List.of(1, 2, 3, 4, 5, 6, 7, 8), store.versions("source"),
        "retention only plans");
  }

  @Test
  void pruneDeletesOnlyPlannedVersions() throws Exception {
    saveVersions("source", 6);
    registry.promote("source", "production", 1, null);

    ModelRegistry.Retention result = registry.prune("source", 2);

    assertEquals(List.of(2, 3, 4), result.deleted());
    assertEquals(List.of(1, 5, 6), result.kept());
    assertEquals(List.of(1, 5, 6), store.versions("source"));
    assertEquals(1, registry.resolve("source", "production"));
    try (Stream<java.nio.file.Path> entries = Files.list(temp.resolve("models/source"))) {
      assertFalse(entries.anyMatch(path -> path.getFileName().toString().startsWith("_")),
          "no hidden folder is left");
    }
    assertEquals(7, store.save(network(7), manifest("source", 7)).version(),
        "a deleted version number is never reused");
  }

  /**
   * Runs prune with --keep 1 in a loop while another thread saves versions and promotes the
   * second latest, which prune deletes unless the promote reaches it first. Whatever the
   * interleaving, the alias must end on an existing version, and a promote may fail only with a
   * UserException about a version that prune deleted.
   */
  @Test
  void pruneDuringPromotesKeepsAliasValid() throws Exception {
    saveVersions("source", 3);
    registry.promote("source", "production", 1, null);
    java.util.concurrent.atomic.AtomicBoolean saving = new java.util.concurrent.atomic
        .AtomicBoolean(true);
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors
        .newFixedThreadPool(2);
    try {
      java.util.concurrent.Future<Integer> pruned = pool.submit(() -> {
        int deleted = 0;
        while (saving.get()) {
          deleted += new ModelRegistry(workspace).prune("source", 1).deleted().size();
        }
        return deleted;
      });
      java.util.concurrent.Future<Integer> failed = pool.submit(() -> {
        int failures = 0;
        try {
          for (int i = 4; i <= 30; i++) {
            store.save(network(i), manifest("source", i));
            try {
              registry.promote("source", "production", i - 1, null);
            } catch (UserException e) {
              assertTrue(e.getMessage().contains("has no version " + (i - 1))
                  || e.getMessage().contains("was deleted while"), e.getMessage());
              failures++;
            }
          }
        } finally {
          saving.set(false);
        }
        return failures;
      });

      int failures = failed.get(5, java.util.concurrent.TimeUnit.MINUTES);
      int deleted = pruned.get(5, java.util.concurrent.TimeUnit.MINUTES);
      int production = registry.resolve("source", "production");
      assertTrue(store.versions("source").contains(production), "v" + production);
      assertTrue(deleted > 0, "prune deleted versions");
      LoggerFactory.getLogger(ModelRegistryTest.class).info("Promotes that lost the race with"
          + " prune: {} of 27; prune deleted {} versions", failures, deleted);
    } finally {
      pool.shutdownNow();
    }
    try (Stream<java.nio.file.Path> entries = Files.list(temp.resolve("models/source"))) {
      assertFalse(entries.anyMatch(path -> path.getFileName().toString().startsWith("_")),
          "no hidden folder is left");
    }
  }

  @Test
  void retentionRejectsKeepZero() throws Exception {
    saveVersions("source", 2);

    UserException error = assertThrows(UserException.class,
        () -> registry.retention("source", 0));

    assertEquals("Invalid value 0 for --keep: must be >= 1, so that the latest version is always"
        + " kept", error.getMessage());
  }

  @Test
  void diffListsChangedFields() throws Exception {
    store.save(network(1), manifest("source", 1));
    Manifest changed = new Manifest("source", 0, "finetune", "2026-12-05T10:00:00Z", 2L,
        "source/v1", Map.of("--epochs", 10), Map.of("file:/ws/samples/optdigits", "1797-ffff"),
        Map.of("validation_accuracy", 0.9), "0.1.0-test");
    store.save(network(2), changed);

    List<ManifestDiff.Difference> differences = registry.diff("source", 1, 2);

    assertEquals(List.of(
        new ManifestDiff.Difference("job", "pretrain", "finetune"),
        new ManifestDiff.Difference("created_at", "2026-12-04T15:30:00Z",
            "2026-12-05T10:00:00Z"),
        new ManifestDiff.Difference("seed", 1L, 2L),
        new ManifestDiff.Difference("parent", null, "source/v1"),
        new ManifestDiff.Difference("config.--epochs", 5, 10),
        new ManifestDiff.Difference("inputs.file:/ws/samples/optdigits", "1797-1a2b3c",
            "1797-ffff"),
        new ManifestDiff.Difference("metrics.final_loss", 0.25, null),
        new ManifestDiff.Difference("metrics.validation_accuracy", 0.875, 0.9)), differences);
  }

  @Test
  void modelsListsSavedModels() throws Exception {
    saveVersions("source", 1);
    saveVersions("finetuned", 2);
    Files.createDirectories(temp.resolve("models/_tmp-x"));
    Files.createDirectories(temp.resolve("models/empty"));

    assertEquals(List.of("finetuned", "source"), registry.models());
    assertEquals(List.of(1, 2), registry.versions("finetuned"));
  }

  private void saveVersions(String name, int count) throws Exception {
    for (int i = 1; i <= count; i++) {
      store.save(network(i), manifest(name, i));
    }
  }

  static MultiLayerNetwork network(long seed) {
    return Networks.perceptron(4, new int[] {3}, 2, 0.01, seed);
  }

  static Manifest manifest(String name, long seed) {
    return new Manifest(name, 0, "pretrain", "2026-12-04T15:30:00Z", seed, null,
        Map.of("--epochs", 5), Map.of("file:/ws/samples/optdigits", "1797-1a2b3c"),
        Map.of("validation_accuracy", 0.875, "final_loss", 0.25), "0.1.0-test");
  }

  /** Returns every path under the workspace with the content of each file. */
  private Map<String, String> files() throws Exception {
    Map<String, String> files = new TreeMap<>();
    try (Stream<java.nio.file.Path> paths = Files.walk(temp)) {
      for (java.nio.file.Path path : paths.toList()) {
        files.put(temp.relativize(path).toString(),
            Files.isDirectory(path) ? "folder" : new String(Files.readAllBytes(path),
                java.nio.charset.StandardCharsets.ISO_8859_1));
      }
    }
    return files;
  }

  private static void deleteFolder(java.nio.file.Path folder) throws Exception {
    List<java.nio.file.Path> paths = new ArrayList<>();
    try (Stream<java.nio.file.Path> walk = Files.walk(folder)) {
      walk.forEach(paths::add);
    }
    for (int i = paths.size() - 1; i >= 0; i--) {
      Files.delete(paths.get(i));
    }
  }
}
