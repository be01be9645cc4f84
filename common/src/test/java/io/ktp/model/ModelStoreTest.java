package io.ktp.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ktp.cli.UserException;
import io.ktp.io.Workspace;
import io.ktp.train.Networks;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelStoreTest {
  @TempDir
  java.nio.file.Path temp;

  private Workspace workspace;
  private ModelStore store;

  @BeforeEach
  void openStore() throws UserException {
    workspace = Workspace.open(temp.toString(), new Configuration());
    store = new ModelStore(workspace);
  }

  @Test
  void savingTwiceGivesVersionOneAndTwo() throws Exception {
    Manifest first = store.save(network(1), manifest("source", null));
    Manifest second = store.save(network(2), manifest("source", null));

    assertEquals(1, first.version());
    assertEquals(2, second.version());
    assertEquals(2, store.latestVersion("source"));
    java.nio.file.Path folder = temp.resolve("models/source");
    assertEquals(Set.of("claims", "v1", "v2"), names(folder), "no temporary folder is left");
    assertEquals(Set.of("v1", "v2"), names(folder.resolve("claims")));
    for (String version : List.of("v1", "v2")) {
      assertTrue(Files.isRegularFile(folder.resolve(version).resolve(ModelStore.MODEL_FILE)));
      assertTrue(Files.isRegularFile(folder.resolve(version).resolve(ModelStore.MANIFEST_FILE)));
    }
  }

  @Test
  void loadTakesLatestOrGivenVersion() throws Exception {
    MultiLayerNetwork first = network(1);
    MultiLayerNetwork second = network(2);
    store.save(first, manifest("source", null));
    store.save(second, manifest("source", null));

    StoredModel latest = store.load("source", 0);
    StoredModel older = store.load("source", 1);

    assertEquals(2, latest.manifest().version());
    assertEquals("source/v2", latest.reference());
    assertEquals(second.params(), latest.network().params());
    assertEquals(1, older.manifest().version());
    assertEquals(first.params(), older.network().params());
    assertNotEquals(first.params(), second.params(), "the two seeds give different weights");
  }

  @Test
  void manifestRoundTripsEveryField() throws Exception {
    Manifest saved = store.save(network(1), manifest("finetuned", "source/v3"));

    Manifest loaded = store.load("finetuned", 1).manifest();

    assertEquals(manifest("finetuned", "source/v3").withVersion(1), saved);
    assertEquals(saved, loaded);
    assertEquals("finetuned", loaded.name());
    assertEquals(1, loaded.version());
    assertEquals("finetune", loaded.job());
    assertEquals("2026-12-04T15:30:00Z", loaded.createdAt());
    assertEquals(7L, loaded.seed());
    assertEquals("source/v3", loaded.parent());
    assertEquals(config(), loaded.config());
    assertEquals(Map.of("file:/ws/samples/optdigits", "1797-1a2b3c"), loaded.inputs());
    assertEquals(Map.of("validation_accuracy", 0.875, "final_loss", 0.25), loaded.metrics());
    assertEquals("0.1.0-test", loaded.codeVersion());
  }

  @Test
  void manifestFileUsesDocumentedKeys() throws Exception {
    store.save(network(1), manifest("source", null));

    JsonNode json = new ObjectMapper().readTree(
        temp.resolve("models/source/v1/manifest.json").toFile());

    Set<String> keys = new TreeSet<>();
    json.fieldNames().forEachRemaining(keys::add);
    assertEquals(new TreeSet<>(List.of("name", "version", "job", "created_at", "seed", "config",
        "inputs", "metrics", "code_version")), keys, "a null parent is left out");
    assertNull(store.load("source", 1).manifest().parent());
  }

  @Test
  void loadOfMissingModelNamesFix() {
    UserException error = assertThrows(UserException.class, () -> store.load("source", 0));

    assertEquals("Model 'source' not found under " + workspace.models("source") + ": train it"
        + " first (for example with 'ktp pretrain') or pick an existing version",
        error.getMessage());
  }

  @Test
  void loadOfMissingVersionNamesFix() throws Exception {
    store.save(network(1), manifest("source", null));

    UserException error = assertThrows(UserException.class, () -> store.load("source", 5));

    assertEquals("Model 'source' version 5 not found under " + workspace.models("source")
        + ": train it first (for example with 'ktp pretrain') or pick an existing version",
        error.getMessage());
  }

  @Test
  void saveRejectsBadNameBeforeWriting() throws Exception {
    UserException error = assertThrows(UserException.class,
        () -> store.save(network(1), manifest("My Model", null)));

    assertEquals("Invalid model name 'My Model': use 1 to 64 lower-case letters, digits, '-' or"
        + " '_', starting with a letter or digit", error.getMessage());
    try (Stream<java.nio.file.Path> files = Files.list(temp)) {
      assertEquals(0, files.count());
    }
  }

  @Test
  void damagedModelFileNamesFix() throws Exception {
    store.save(network(1), manifest("source", null));
    java.nio.file.Path model = temp.resolve("models/source/v1/model.zip");
    Files.writeString(model, "not a zip file");
    Files.deleteIfExists(temp.resolve("models/source/v1/.model.zip.crc"));

    UserException error = assertThrows(UserException.class, () -> store.load("source", 1));

    assertEquals("Model file " + workspace.models("source") + "/v1/model.zip has no"
        + " configuration.json, so it is not a DL4J model archive: train the model again, or"
        + " delete " + workspace.models("source") + "/v1 if it is damaged", error.getMessage());
  }

  @Test
  void latestVersionIgnoresOtherFolders() throws Exception {
    store.save(network(1), manifest("source", null));
    Files.createDirectories(temp.resolve("models/source/_tmp-abandoned"));
    Files.createDirectories(temp.resolve("models/source/v10-copy"));

    assertEquals(1, store.latestVersion("source"));
    assertEquals(0, store.latestVersion("other"));
    assertFalse(Files.exists(temp.resolve("models/other")));
  }

  @Test
  void saveContinuesAfterUnclaimedVersions() throws Exception {
    store.save(network(1), manifest("source", null));
    store.save(network(2), manifest("source", null));
    java.nio.file.Path claims = temp.resolve("models/source/claims");
    for (String claim : List.of("v1", "v2", ".v1.crc", ".v2.crc")) {
      Files.deleteIfExists(claims.resolve(claim));
    }

    Manifest third = store.save(network(3), manifest("source", null));

    assertEquals(3, third.version(), "versions saved before claims existed keep their numbers");
    assertEquals(List.of(1, 2, 3), store.versions("source"));
  }

  @Test
  void saveSkipsClaimWithoutVersion() throws Exception {
    store.save(network(1), manifest("source", null));
    Files.writeString(temp.resolve("models/source/claims/v2"), "{\"version\": 2}");
    Files.createDirectories(temp.resolve("models/source/_tmp-killed"));

    Manifest saved = store.save(network(3), manifest("source", null));

    assertEquals(3, saved.version(), "a claimed number is never reused");
    assertEquals(List.of(1, 3), store.versions("source"));
    assertEquals(3, store.load("source", 0).manifest().version());
  }

  private static MultiLayerNetwork network(long seed) {
    return Networks.perceptron(4, new int[] {3}, 2, 0.01, seed);
  }

  private static Map<String, Object> config() {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("--epochs", 5);
    config.put("--learning-rate", 0.001);
    config.put("--hidden", "[3]");
    config.put("feature_scale", 0.0625);
    return config;
  }

  private static Manifest manifest(String name, String parent) {
    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put("validation_accuracy", 0.875);
    metrics.put("final_loss", 0.25);
    return new Manifest(name, 0, "finetune", "2026-12-04T15:30:00Z", 7L, parent, config(),
        Map.of("file:/ws/samples/optdigits", "1797-1a2b3c"), metrics, "0.1.0-test");
  }

  private static Set<String> names(java.nio.file.Path folder) throws Exception {
    try (Stream<java.nio.file.Path> files = Files.list(folder)) {
      return files.map(path -> path.getFileName().toString())
          .filter(name -> !name.endsWith(".crc"))
          .collect(java.util.stream.Collectors.toCollection(TreeSet::new));
    }
  }
}
