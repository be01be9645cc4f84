package io.ktp.jobs;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ktp.augment.AugmentedSamples;
import io.ktp.data.Samples;
import io.ktp.data.TokenFeatures;
import io.ktp.io.SparkSessions;
import io.ktp.io.Workspace;
import io.ktp.model.Manifest;
import io.ktp.model.ModelStore;
import io.ktp.train.Networks;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ingests the bundled sentiment files (1,000 labelled sentences each, plus the empty entry that
 * ends each file) and augments the Yelp table with token dropout, token swaps and mixup and one
 * self-training round.
 */
class TextAugmentTest {
  private static final List<String> NAMES = List.of("amazon", "imdb", "yelp");
  private static final int BUCKETS = 256;

  @TempDir
  static Path temp;

  private static SparkSession spark;
  private static Dataset<Row> yelp;
  private static Dataset<Row> augmented;

  @BeforeAll
  static void ingestAndAugment() throws Exception {
    spark = SparkSessions.getOrCreate("TextAugmentTest", "local[2]");
    List<String> files = new ArrayList<>();
    for (String name : NAMES) {
      files.add(Path.of("../data/sentiment/" + name + ".json").toAbsolutePath().normalize()
          .toString());
    }
    String ws = temp.resolve("ws").toString();
    CliRuns.Run ingest = CliRuns.run(List.of("ingest", "-w", ws, "--datasets", "sentiment",
        "--sentiment", String.join(",", files), "--hash-buckets", String.valueOf(BUCKETS),
        "--run-id", "i1"));
    assertEquals(0, ingest.exitCode(), ingest.err());
    yelp = spark.read().parquet(temp.resolve("ws/samples/sentiment-yelp").toString()).cache();

    Workspace workspace = Workspace.open(ws, spark.sparkContext().hadoopConfiguration());
    new ModelStore(workspace).save(Networks.perceptron(BUCKETS, new int[] {16}, 10, 1e-3, 1),
        new Manifest("source", 0, "pretrain", "2026-12-05T06:00:00Z", 1, null, Map.of(),
            Map.of(), Map.of(), "test"));
    CliRuns.Run augment = CliRuns.run(List.of("augment", "-w", ws, "--domain", "sentiment-yelp",
        "--labels-per-class", "10", "--dropout-rate", "0.3", "--swap-count", "2",
        "--mixup-copies", "1", "--rounds", "1", "--threshold", "0.1", "--per-class-cap", "5",
        "--epochs", "1", "--head-epochs", "0", "--seed", "4", "--run-id", "a1"));
    assertEquals(0, augment.exitCode(), augment.err());
    augmented = spark.read().parquet(temp.resolve("ws/samples/sentiment-yelp-augmented")
        .toString()).cache();
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  @Test
  void ingestKeepsEveryLabelledSentence() {
    for (String name : NAMES) {
      Dataset<Row> table = spark.read().parquet(temp.resolve("ws/samples/sentiment-" + name)
          .toString());
      Map<Integer, Long> byClass = new HashMap<>();
      for (Row row : table.groupBy(Samples.LABEL).count().collectAsList()) {
        byClass.put(row.getInt(0), row.getLong(1));
      }

      assertEquals(1000, table.count(), name);
      assertEquals(Map.of(0, 500L, 1, 500L), byClass, name);
      assertEquals(0, table.filter("size(" + Samples.TOKENS + ") = 0").count(), name);
      assertEquals(Set.of("sentiment-" + name), Set.copyOf(table.select(Samples.DOMAIN)
          .distinct().as(org.apache.spark.sql.Encoders.STRING()).collectAsList()));
    }
  }

  @Test
  void ingestedFeaturesHashTheTokens() {
    TokenFeatures hashing = TokenFeatures.of(yelp.schema().apply(Samples.FEATURES).metadata());
    Row first = yelp.filter(col(Samples.ID).equalTo("sentiment-yelp-0")).first();

    assertEquals(BUCKETS, hashing.buckets());
    assertEquals(List.of("wow", "loved", "this", "place"),
        first.getList(first.fieldIndex(Samples.TOKENS)));
    assertEquals("yelp.json entry 0", first.getAs(Samples.ORIGIN));
    for (Row row : yelp.select(Samples.TOKENS, Samples.FEATURES).collectAsList()) {
      List<String> tokens = row.getList(0);
      assertEquals(toList(hashing.features(tokens)), row.getList(1), tokens.toString());
    }
  }

  @Test
  void ingestReportCountsSplits() {
    long rows = spark.read().parquet(temp.resolve("ws/reports/ingest").toString())
        .filter(col("domain").equalTo("sentiment-yelp")).groupBy().sum("rows").first()
        .getLong(0);

    assertEquals(1000, rows);
  }

  @Test
  void noTestRowOrCopyInOutput() {
    Set<String> testIds = ids(yelp.filter(col(Samples.SPLIT).equalTo(Samples.TEST)));
    assertEquals(500, testIds.size());

    assertEquals(0, augmented.filter(col(Samples.SPLIT).equalTo(Samples.TEST)).count());
    for (Row row : augmented.select(Samples.ID, AugmentedSamples.SOURCE_ID).collectAsList()) {
      assertFalse(testIds.contains(row.getString(0).split("~")[0]), row.getString(0));
      assertFalse(!row.isNullAt(1) && testIds.contains(row.getString(1)), row.getString(0));
    }
  }

  @Test
  void copiesPerGivenRow() {
    Map<String, Long> byKind = new HashMap<>();
    for (Row row : augmented.filter(col(AugmentedSamples.LABEL_STATUS)
        .equalTo(AugmentedSamples.AUGMENTED)).select(Samples.ID).collectAsList()) {
      String kind = row.getString(0).split("~")[1].replaceAll("[0-9]+$", "");
      byKind.merge(kind, 1L, Long::sum);
    }
    long given = augmented.filter(col(AugmentedSamples.LABEL_STATUS)
        .equalTo(AugmentedSamples.GIVEN).and(col(Samples.SPLIT).equalTo(Samples.TRAIN))).count();

    assertEquals(20, given);
    // Text tables default to one dropout and one swap copy and no image or noise copies.
    assertEquals(Map.of("dropout", 20L, "swap", 20L, "mixup", 20L), byKind);
  }

  @Test
  void tokenCopiesRecomputeFeatures() {
    TokenFeatures hashing = TokenFeatures.of(augmented.schema().apply(Samples.FEATURES)
        .metadata());
    Map<String, List<String>> sourceTokens = new HashMap<>();
    for (Row row : yelp.select(Samples.ID, Samples.TOKENS).collectAsList()) {
      sourceTokens.put(row.getString(0), row.getList(1));
    }
    List<Row> copies = augmented.filter(col(Samples.ID).rlike("~(dropout|swap)"))
        .select(Samples.ID, AugmentedSamples.SOURCE_ID, Samples.TOKENS, Samples.FEATURES,
            AugmentedSamples.LABEL_WEIGHTS).collectAsList();

    assertEquals(40, copies.size());
    for (Row copy : copies) {
      List<String> tokens = copy.getList(2);
      List<String> source = sourceTokens.get(copy.getString(1));
      assertEquals(toList(hashing.features(tokens)), copy.getList(3), copy.getString(0));
      assertTrue(copy.isNullAt(4), copy.getString(0));
      if (copy.getString(0).contains("~swap")) {
        assertEquals(sorted(source), sorted(tokens), copy.getString(0));
      } else {
        assertTrue(isSubsequence(tokens, source), copy.getString(0) + ": " + tokens);
      }
    }
  }

  @Test
  void mixupCopiesHaveSoftLabels() {
    List<Row> copies = augmented.filter(col(Samples.ID).contains("~mixup"))
        .select(Samples.TOKENS, AugmentedSamples.LABEL_WEIGHTS, Samples.LABEL).collectAsList();

    for (Row copy : copies) {
      assertNull(copy.get(0));
      List<Double> weights = copy.getList(1);
      assertEquals(1.0, weights.stream().mapToDouble(Double::doubleValue).sum(), 1e-12);
      assertEquals(Collections.max(weights), weights.get(copy.getInt(2)));
    }
  }

  @Test
  void pseudoRowsKeepTheirTokens() {
    List<Row> pseudo = augmented.filter(col(AugmentedSamples.LABEL_STATUS)
        .equalTo(AugmentedSamples.PSEUDO)).select(Samples.TOKENS, Samples.LABEL)
        .collectAsList();

    assertTrue(pseudo.size() <= 2 * 5, "per-class cap 5 over 2 classes: " + pseudo.size());
    for (Row row : pseudo) {
      assertFalse(row.isNullAt(0));
      assertTrue(row.getInt(1) == 0 || row.getInt(1) == 1, "pseudo-label " + row.getInt(1));
    }
  }

  private static boolean isSubsequence(List<String> part, List<String> whole) {
    int next = 0;
    for (String token : whole) {
      if (next < part.size() && part.get(next).equals(token)) {
        next++;
      }
    }
    return next == part.size() && !part.isEmpty();
  }

  private static List<String> sorted(List<String> tokens) {
    List<String> copy = new ArrayList<>(tokens);
    Collections.sort(copy);
    return copy;
  }

  private static List<Double> toList(double[] values) {
    List<Double> list = new ArrayList<>(values.length);
    for (double value : values) {
      list.add(value);
    }
    return list;
  }

  private static Set<String> ids(Dataset<Row> rows) {
    Set<String> ids = new HashSet<>();
    for (Row row : rows.select(Samples.ID).collectAsList()) {
      ids.add(row.getString(0));
    }
    return ids;
  }
}
