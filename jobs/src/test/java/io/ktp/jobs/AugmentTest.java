package io.ktp.jobs;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ktp.augment.AugmentedSamples;
import io.ktp.data.SampleTables;
import io.ktp.data.Samples;
import io.ktp.io.SparkSessions;
import io.ktp.io.Workspace;
import io.ktp.model.Manifest;
import io.ktp.model.ModelStore;
import io.ktp.train.Networks;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the augment job on small seeded tables (10 rows per class: 6 train, 2 validation, 2 test)
 * with a saved source model, and checks the invariants of the augmented table and its reports.
 */
class AugmentTest {
  private static final int CAP = 2;

  @TempDir
  static Path temp;

  private static SparkSession spark;
  private static Dataset<Row> input;
  private static Dataset<Row> augmented;

  @BeforeAll
  static void augmentWithTwoRounds() throws Exception {
    spark = SparkSessions.getOrCreate("AugmentTest", "local[2]");
    Workspace workspace = workspace("ws", 3);
    input = SampleTables.read(spark, workspace, "optdigits", 10).rows().cache();

    CliRuns.Run run = CliRuns.run(List.of("augment", "-w", temp.resolve("ws").toString(),
        "--labels-per-class", "2", "--rounds", "2", "--threshold", "0.1", "--per-class-cap",
        String.valueOf(CAP), "--epochs", "2", "--head-epochs", "1", "--smote-copies", "1",
        "--seed", "5", "--run-id", "r1"));

    assertEquals(0, run.exitCode(), run.err());
    augmented = spark.read().parquet(temp.resolve("ws/samples/optdigits-augmented").toString())
        .cache();
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  @Test
  void noTestRowOrCopyInOutput() {
    Set<String> testIds = ids(input.filter(col(Samples.SPLIT).equalTo(Samples.TEST)));
    List<Row> rows = augmented.select(Samples.ID, Samples.SPLIT, AugmentedSamples.SOURCE_ID)
        .collectAsList();

    assertEquals(0, augmented.filter(col(Samples.SPLIT).equalTo(Samples.TEST)).count());
    for (Row row : rows) {
      String sourceRow = row.getString(0).split("~")[0];
      assertFalse(testIds.contains(sourceRow), "row " + row.getString(0));
      assertFalse(!row.isNullAt(2) && testIds.contains(row.getString(2)), "copy of " + row);
    }
    Set<List<Object>> testFeatures = new HashSet<>();
    for (Row row : input.filter(col(Samples.SPLIT).equalTo(Samples.TEST))
        .select(Samples.FEATURES).collectAsList()) {
      testFeatures.add(row.getList(0));
    }
    for (Row row : augmented.select(Samples.FEATURES).collectAsList()) {
      assertFalse(testFeatures.contains(row.getList(0)), "test features in the output");
    }
  }

  @Test
  void outputRowsByStatus() {
    Map<String, Long> byStatus = new HashMap<>();
    for (Row row : augmented.groupBy(AugmentedSamples.LABEL_STATUS).count().collectAsList()) {
      byStatus.put(row.getString(0), row.getLong(1));
    }

    // 2 given rows per class; shift, rotation, elastic, noise and SMOTE copies of each; all 20
    // validation rows with status given.
    assertEquals(20 + 20, byStatus.get(AugmentedSamples.GIVEN));
    assertEquals(20 * 5, byStatus.get(AugmentedSamples.AUGMENTED));
    assertTrue(byStatus.getOrDefault(AugmentedSamples.PSEUDO, 0L) <= 2L * 10 * CAP);
    assertEquals(20, augmented.filter(col(Samples.SPLIT).equalTo(Samples.VALIDATION)).count());
  }

  @Test
  void copiesNameTheirGivenRow() {
    Set<String> given = ids(augmented.filter(col(AugmentedSamples.LABEL_STATUS)
        .equalTo(AugmentedSamples.GIVEN).and(col(Samples.SPLIT).equalTo(Samples.TRAIN))));
    List<Row> copies = augmented.filter(col(AugmentedSamples.LABEL_STATUS)
        .equalTo(AugmentedSamples.AUGMENTED)).select(Samples.ID, AugmentedSamples.SOURCE_ID,
        Samples.ORIGIN).collectAsList();

    for (Row copy : copies) {
      assertTrue(given.contains(copy.getString(1)), "source of " + copy.getString(0));
      assertTrue(copy.getString(0).startsWith(copy.getString(1) + "~"), copy.getString(0));
      assertTrue(copy.getString(2).endsWith(" of " + copy.getString(1)), copy.getString(2));
    }
  }

  @Test
  void pseudoRowsRespectCapsAndAreUnlabelled() {
    Set<String> given = ids(augmented.filter(col(AugmentedSamples.LABEL_STATUS)
        .equalTo(AugmentedSamples.GIVEN)));
    List<Row> perRoundAndClass = augmented
        .filter(col(AugmentedSamples.LABEL_STATUS).equalTo(AugmentedSamples.PSEUDO))
        .groupBy(AugmentedSamples.ROUND, Samples.LABEL).count().collectAsList();

    for (Row row : perRoundAndClass) {
      assertTrue(row.getLong(2) <= CAP, "round " + row.get(0) + " class " + row.get(1));
    }
    for (String id : ids(augmented.filter(col(AugmentedSamples.LABEL_STATUS)
        .equalTo(AugmentedSamples.PSEUDO)))) {
      assertFalse(given.contains(id), id);
    }
    assertEquals(augmented.count(), augmented.select(Samples.ID).distinct().count());
  }

  @Test
  void reportedAccuracyMatchesIndependentCount() {
    // Counts pseudo-labels that equal the input table's label, per round and class.
    Map<String, long[]> counted = new HashMap<>();
    Map<String, Integer> trueLabels = new HashMap<>();
    for (Row row : input.select(Samples.ID, Samples.LABEL).collectAsList()) {
      trueLabels.put(row.getString(0), row.getInt(1));
    }
    for (Row row : augmented.filter(col(AugmentedSamples.LABEL_STATUS)
        .equalTo(AugmentedSamples.PSEUDO)).select(Samples.ID, Samples.LABEL,
        AugmentedSamples.ROUND).collectAsList()) {
      long[] counts = counted.computeIfAbsent(row.getInt(2) + "/" + row.getInt(1),
          key -> new long[2]);
      counts[0]++;
      counts[1] += trueLabels.get(row.getString(0)) == row.getInt(1) ? 1 : 0;
    }
    List<Row> report = spark.read().parquet(temp.resolve("ws/reports/augment_rounds").toString())
        .select("round", "label", "rows_added", "hidden_labelled", "pseudo_label_accuracy")
        .collectAsList();

    assertEquals(2 * 10, report.size());
    for (Row row : report) {
      long[] counts = counted.getOrDefault(row.getInt(0) + "/" + row.getInt(1), new long[2]);
      assertEquals(counts[0], row.getLong(2), "rows added in " + row);
      assertEquals(counts[0], row.getLong(3), "hidden labels in " + row);
      if (counts[0] == 0) {
        assertTrue(Double.isNaN(row.getDouble(4)), "accuracy of no rows in " + row);
      } else {
        assertEquals((double) counts[1] / counts[0], row.getDouble(4), 1e-12, "in " + row);
      }
    }
  }

  @Test
  void confidenceHistogramCountsScoredRows() {
    List<Row> bins = spark.read().parquet(temp.resolve("ws/reports/augment_confidence")
        .toString()).groupBy("round").sum("rows").orderBy("round").collectAsList();
    // The 40 unlabelled train rows are scored in round 1, those not added in round 2.
    long addedInRound1 = augmented.filter(col(AugmentedSamples.ROUND).equalTo(1)).count();

    assertEquals(2, bins.size());
    assertEquals(40, bins.get(0).getLong(1));
    assertEquals(40 - addedInRound1, bins.get(1).getLong(1));
    assertTrue(temp.resolve("ws/charts/r1/augment-confidence.png").toFile().isFile());
  }

  @Test
  void copiesIgnorePartitioning() throws Exception {
    workspace("one", 1);
    workspace("seven", 7);
    List<String> options = List.of("--labels-per-class", "3", "--rounds", "0",
        "--smote-copies", "2", "--mixup-copies", "1", "--seed", "9");

    List<Row> one = augmentedRows("one", options);
    List<Row> seven = augmentedRows("seven", options);

    assertEquals(30 * 8 + 20, one.size());
    assertEquals(one, seven);
  }

  @Test
  void tableWithoutGridRejectsImageCopies() throws Exception {
    Workspace workspace = Workspace.open(temp.resolve("flat").toString(),
        spark.sparkContext().hadoopConfiguration());
    StructType flat = new StructType(java.util.Arrays.stream(Samples.schema(8, 8).fields())
        .map(field -> new StructField(field.name(), field.dataType(), field.nullable(),
            Metadata.empty())).toArray(StructField[]::new));
    SampleTables.write(spark.createDataFrame(TestTables.rows("optdigits", 2), flat), workspace,
        "optdigits", false);
    Map<String, String> before = CliRuns.snapshot(temp.resolve("flat"));

    CliRuns.Run rejected = CliRuns.run(List.of("augment", "-w", temp.resolve("flat").toString(),
        "--rounds", "0"));

    assertEquals(2, rejected.exitCode(), rejected.err());
    assertEquals(List.of("ktp augment: error: Sample table for domain 'optdigits' has no image"
        + " grid shape for its 64 features (column metadata grid_rows = 0, grid_columns = 0),"
        + " which shifts, rotations and elastic distortion need: pass --shift-copies 0"
        + " --rotation-copies 0 --elastic-copies 0 for a table that is not an image"),
        rejected.errLines());
    assertEquals(before, CliRuns.snapshot(temp.resolve("flat")));

    CliRuns.Run tabular = CliRuns.run(List.of("augment", "-w", temp.resolve("flat").toString(),
        "--rounds", "0", "--shift-copies", "0", "--rotation-copies", "0", "--elastic-copies", "0",
        "--smote-copies", "2"));
    assertEquals(0, tabular.exitCode(), tabular.err());
  }

  private static List<Row> augmentedRows(String name, List<String> options) {
    List<String> arguments = new ArrayList<>(List.of("augment", "-w",
        temp.resolve(name).toString()));
    arguments.addAll(options);
    CliRuns.Run run = CliRuns.run(arguments);
    assertEquals(0, run.exitCode(), run.err());
    return spark.read().parquet(temp.resolve(name + "/samples/optdigits-augmented").toString())
        .select(Samples.ID, Samples.LABEL, Samples.FEATURES, Samples.ORIGIN,
            AugmentedSamples.SOURCE_ID, AugmentedSamples.LABEL_STATUS,
            AugmentedSamples.LABEL_WEIGHTS)
        .orderBy(Samples.ID).collectAsList();
  }

  /** Writes the seeded optdigits table in {@code partitions} files and a saved source model. */
  private static Workspace workspace(String name, int partitions) throws Exception {
    Workspace workspace = Workspace.open(temp.resolve(name).toString(),
        spark.sparkContext().hadoopConfiguration());
    SampleTables.write(TestTables.table(spark, TestTables.rows("optdigits", 2))
        .repartition(partitions), workspace, "optdigits", false);
    new ModelStore(workspace).save(Networks.perceptron(64, new int[] {16, 8}, 10, 1e-3, 1),
        new Manifest("source", 0, "pretrain", "2026-12-04T15:30:00Z", 1, null, Map.of(),
            Map.of(), Map.of(), "test"));
    return workspace;
  }

  private static Set<String> ids(Dataset<Row> rows) {
    Set<String> ids = new HashSet<>();
    for (Row row : rows.select(Samples.ID).collectAsList()) {
      ids.add(row.getString(0));
    }
    return ids;
  }
}
