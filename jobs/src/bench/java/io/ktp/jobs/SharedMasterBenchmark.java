package io.ktp.jobs;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ktp.io.SparkSessions;
import io.ktp.train.Example;
import io.ktp.train.Minibatches;
import io.ktp.train.Networks;
import io.ktp.train.Predictions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.parameterserver.training.SharedTrainingMaster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.parameterserver.distributed.conf.VoidConfiguration;

/**
 * DL4J's gradient-sharing {@code SharedTrainingMaster} (Aeron over UDP on 127.0.0.1) against
 * plain single-thread DL4J, side by side in one JVM on the rows of {@link TrainingBenchmark}: the
 * same network, batch size and epochs. It lives in {@code src/bench/java} because the parameter
 * server comes with the {@code bench} Maven profile only. {@code bin/ktp-bench training} turns the
 * profile on and runs this class after {@link TrainingBenchmark}, in a JVM of its own.
 */
class SharedMasterBenchmark {
  private static final int[] HIDDEN = {128, 64};
  private static final int CLASSES = 10;
  private static final int BATCH = 64;
  private static final double RATE = 1e-3;
  private static final int REPEATS = Integer.getInteger("ktp.benchmark.repeats", 3);
  private static final String COMMAND = "bin/ktp-bench training";
  /** Seconds a SharedTrainingMaster run may take before it counts as hung and is cancelled. */
  private static final long TIME_LIMIT = Long.getLong("ktp.benchmark.shared.timeout", 300);
  /** DL4J frames of the task threads when the last run hit the time limit. */
  private static String lastStuckFrames = "";

  @TempDir
  static Path folder;

  private static SparkSession spark;
  private static JavaSparkContext sparkContext;
  private static List<Example> train;
  private static List<Example> test;

  @BeforeAll
  static void start() throws Exception {
    // Aeron reads these when its media driver starts: a long unblock timeout (the default makes
    // the driver reject the configuration) and its files under this run's folder, not /dev/shm.
    System.setProperty("aeron.publication.unblock.timeout", "60000000000");
    System.setProperty("aeron.dir", folder.resolve("aeron").toString());
    spark = SparkSessions.getOrCreate("SharedMasterBenchmark", "local[2]");
    sparkContext = JavaSparkContext.fromSparkContext(spark.sparkContext());
    BenchmarkRuns.MnistSplits mnist = BenchmarkRuns.mnist(spark, folder.resolve("ws"));
    train = mnist.train();
    test = mnist.test();
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  /** Samples per second of both trainers on the throughput rows of {@link TrainingBenchmark}. */
  @Test
  void sharedTrainingMasterThroughput() throws Exception {
    int rows = Integer.getInteger("ktp.benchmark.rows", 100_000);
    int epochs = Integer.getInteger("ktp.benchmark.shared.epochs", 2);
    List<Example> replicated = TrainingBenchmark.replicate(train, rows, 7);
    List<DataSet> batches = minibatches(replicated);
    // Not cached here: the master persists the minibatches itself, at a storage level of its own.
    JavaRDD<DataSet> rdd = sparkContext.parallelize(batches, 2);
    Predictions heldOut = Predictions.of(test);

    BenchmarkReport report = new BenchmarkReport("shared-master", "DL4J's SharedTrainingMaster:"
        + String.format(Locale.ROOT, " %,d", rows) + " rows, 64-128-64-10, batch " + BATCH + ", "
        + epochs + " epochs per run", COMMAND);
    report.header("Trainer", "Samples per second (mean +- std)", "Held-out accuracy after the"
        + " run (mean)", "Runs");
    double[] plainAccuracy = new double[REPEATS];
    double[] plain = new double[REPEATS];
    double[] sharedAccuracy = new double[REPEATS];
    double[] shared = new double[REPEATS];
    java.util.Arrays.fill(shared, Double.NaN);
    java.util.Arrays.fill(sharedAccuracy, Double.NaN);
    for (int repeat = 0; repeat < REPEATS; repeat++) {
      MultiLayerNetwork network = Networks.perceptron(64, HIDDEN, CLASSES, RATE, 1);
      plain[repeat] = rows * (double) epochs / plainSeconds(network, batches, epochs);
      plainAccuracy[repeat] = heldOut.accuracy(network);
    }
    boolean hung = false;
    String stuckFrames = "";
    for (int repeat = 0; repeat < REPEATS && !hung; repeat++) {
      MultiLayerNetwork distributed = Networks.perceptron(64, HIDDEN, CLASSES, RATE, 1);
      double seconds = withinTimeLimit(() -> sharedSeconds(distributed, rdd, epochs,
          BenchmarkRuns.freePort()));
      hung = Double.isNaN(seconds);
      if (hung) {
        stuckFrames = lastStuckFrames;
      } else {
        shared[repeat] = rows * (double) epochs / seconds;
        sharedAccuracy[repeat] = heldOut.accuracy(distributed);
      }
    }
    row(report, "Plain DL4J `MultiLayerNetwork.fit`, 1 thread", plain, plainAccuracy);
    row(report, "DL4J `SharedTrainingMaster`, `local[2]`, 2 workers per node, exported"
        + " minibatches, threshold encoding from 1e-3", shared, sharedAccuracy);
    report.add("");
    report.add(hung ? "SharedTrainingMaster did not finish a run within " + TIME_LIMIT + " s and"
        + " was cancelled. At the time limit its Spark tasks were in " + stuckFrames + "."
        : String.format(Locale.ROOT, "SharedTrainingMaster against plain DL4J: %.2f.",
            BenchmarkReport.mean(shared) / BenchmarkReport.mean(plain)));
    report.add("");
    report.add("It shares quantized gradient updates over Aeron (UDP on 127.0.0.1) instead of"
        + " averaging parameters, so its accuracy after the same epochs is shown beside the"
        + " speed.");
    report.write();
    assertTrue(hung || BenchmarkReport.mean(sharedAccuracy) > 0.5,
        "the shared master did not learn");
  }

  private static void row(BenchmarkReport report, String name, double[] values,
      double[] accuracy) {
    if (Double.isNaN(values[0])) {
      report.add("| " + name + " | did not finish | - | - |");
      return;
    }
    report.add(String.format(Locale.ROOT, "| %s | %s +- %s | %.4f | %s |", name,
        BenchmarkReport.format(BenchmarkReport.mean(values)),
        BenchmarkReport.format(BenchmarkReport.std(values)), BenchmarkReport.mean(accuracy),
        BenchmarkReport.runs(values)));
  }

  /** A run that returns seconds. */
  @FunctionalInterface
  interface TimedRun {
    double seconds() throws Exception;
  }

  /** Returns the run's seconds, or NaN after cancelling every Spark job at the time limit. */
  private static double withinTimeLimit(TimedRun run) throws Exception {
    java.util.concurrent.ExecutorService thread =
        java.util.concurrent.Executors.newSingleThreadExecutor();
    try {
      return thread.submit(run::seconds).get(TIME_LIMIT, java.util.concurrent.TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      lastStuckFrames = taskFrames();
      sparkContext.cancelAllJobs();
      return Double.NaN;
    } finally {
      thread.shutdownNow();
    }
  }

  /** Returns the distinct DL4J frames that Spark's task threads are in, for the report. */
  private static String taskFrames() {
    java.util.Set<String> frames = new java.util.TreeSet<>();
    for (Map.Entry<Thread, StackTraceElement[]> entry : Thread.getAllStackTraces().entrySet()) {
      if (!entry.getKey().getName().startsWith("Executor task launch")) {
        continue;
      }
      for (StackTraceElement frame : entry.getValue()) {
        if (frame.getClassName().startsWith("org.deeplearning4j")) {
          frames.add("`" + frame.getClassName().substring(frame.getClassName()
              .lastIndexOf('.') + 1) + "." + frame.getMethodName() + "`");
          break;
        }
      }
    }
    return frames.isEmpty() ? "no DL4J code" : String.join(", ", frames);
  }

  private static double plainSeconds(MultiLayerNetwork network, List<DataSet> batches,
      int epochs) {
    List<DataSet> order = new ArrayList<>(batches);
    Random random = new Random(1);
    long start = System.nanoTime();
    for (int epoch = 0; epoch < epochs; epoch++) {
      Collections.shuffle(order, random);
      for (DataSet batch : order) {
        network.fit(batch);
      }
    }
    return (System.nanoTime() - start) / 1e9;
  }

  private static double sharedSeconds(MultiLayerNetwork network, JavaRDD<DataSet> rdd,
      int epochs, int port) {
    VoidConfiguration voidConfiguration = VoidConfiguration.builder()
        .unicastPort(port)
        .controllerAddress("127.0.0.1")
        .networkMask("127.0.0.0/8")
        .build();
    SharedTrainingMaster master = new SharedTrainingMaster.Builder(voidConfiguration, BATCH)
        .batchSizePerWorker(BATCH)
        .workersPerNode(2)
        .rddTrainingApproach(RDDTrainingApproach.Export)
        .exportDirectory(folder.resolve("export").toUri().toString())
        .rngSeed(1)
        .collectTrainingStats(false)
        .build();
    SparkDl4jMultiLayer sparkNetwork = new SparkDl4jMultiLayer(sparkContext, network, master);
    long start = System.nanoTime();
    for (int epoch = 0; epoch < epochs; epoch++) {
      sparkNetwork.fit(rdd);
    }
    return (System.nanoTime() - start) / 1e9;
  }

  private static List<DataSet> minibatches(List<Example> rows) {
    List<DataSet> batches = new ArrayList<>();
    for (int first = 0; first < rows.size(); first += BATCH) {
      batches.add(Minibatches.toDataSet(rows.subList(first, Math.min(rows.size(),
          first + BATCH)), CLASSES));
    }
    return batches;
  }
}
