package io.ktp.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ktp.io.SparkSessions;
import io.ktp.train.Example;
import io.ktp.train.Minibatches;
import io.ktp.train.Networks;
import io.ktp.train.Predictions;
import io.ktp.train.SparkTrainer;
import io.ktp.train.TrainingOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Measures how KTP's engine scales from one executor to two on a Spark standalone cluster (one
 * Master and two one-core Workers on 127.0.0.1, started with {@code ktp-cluster}), for a small
 * network and for one whose iteration takes over 100 ms on one core. The driver runs in this JVM
 * in client mode and ships {@code jobs/target/ktp-app.jar} to the executors, so build it first
 * ({@code bin/ktp-bench scaling} does). Not part of {@code mvn verify}.
 */
class ScalingBenchmark {
  private static final Path HOME = Path.of("..").toAbsolutePath().normalize();
  private static final Path APP_JAR = HOME.resolve("jobs/target/ktp-app.jar");
  private static final Path SCRIPT = HOME.resolve("cluster-configs/standalone/ktp-cluster");
  private static final int REPEATS = Integer.getInteger("ktp.benchmark.repeats", 3);
  /** Minibatches per averaging round; 0, the pretraining default, averages once per epoch. */
  private static final int FREQUENCY = Integer.getInteger("ktp.benchmark.frequency", 0);

  /** Whether throughput counts the epochs' fit time alone rather than the whole fit call. */
  private static final boolean FIT_TIME_ONLY = Boolean.parseBoolean(
      System.getProperty("ktp.benchmark.fitTimeOnly", "true"));

  @TempDir
  static Path temp;

  /**
   * One network's settings.
   *
   * @param hidden hidden layer widths
   * @param rows training rows (MNIST rows replicated with jitter past 7,996)
   * @param batch rows per minibatch
   * @param epochs timed epochs per run, after one warm-up epoch
   */
  record Case(int[] hidden, int rows, int batch, int epochs) {
    String describe() {
      StringBuilder layers = new StringBuilder("64");
      for (int width : hidden) {
        layers.append('-').append(width);
      }
      return layers + "-10, batch " + batch + ", " + String.format(Locale.ROOT, "%,d", rows)
          + " rows";
    }
  }

  /** The networks measured: small, medium, and one whose iteration takes over 100 ms. */
  private static final List<Case> CASES = List.of(new Case(new int[] {128, 64}, 50_000, 64, 3),
      new Case(new int[] {1024, 1024}, 8_000, 128, 2),
      new Case(new int[] {2048, 2048}, 8_000, 128, 2),
      new Case(new int[] {2560, 2560}, 32_000, 128, 1));

  @Test
  void twoExecutorsAgainstOne() throws Exception {
    assertTrue(Files.isRegularFile(APP_JAR), APP_JAR + " is missing: run 'mvn -DskipTests"
        + " package' first");
    List<Example> mnist = mnistTrainRows();
    Path clusterDir = temp.resolve("cluster");
    int port = BenchmarkRuns.freePort();
    Map<String, String> env = Map.of("KTP_CLUSTER_DIR", clusterDir.toString(),
        "KTP_MASTER_PORT", Integer.toString(port),
        "KTP_MASTER_UI_PORT", Integer.toString(BenchmarkRuns.freePort()),
        "KTP_WORKER_MEMORY", "3g");
    script("start", env);
    pinWorkers(clusterDir);

    BenchmarkReport report = new BenchmarkReport("scaling", "Scaling of KTP's engine on a"
        + " standalone cluster: two one-core Workers on 127.0.0.1, averaging "
        + (FREQUENCY == 0 ? "once per epoch" : "every " + FREQUENCY + " minibatches"),
        "bin/ktp-bench scaling");
    report.header("Network", "Milliseconds per iteration, 1 core", "Samples per second,"
        + " 1 executor", "Samples per second, 2 executors", "Scaling efficiency");
    try {
      for (Case setting : CASES) {
        List<Example> rows = TrainingBenchmark.replicate(mnist, setting.rows(), 7);
        double iteration = millisecondsPerIteration(rows, setting);
        double[] oneExecutor = new double[REPEATS];
        double[] twoExecutors = new double[REPEATS];
        for (int repeat = 0; repeat < REPEATS; repeat++) {
          oneExecutor[repeat] = samplesPerSecond(clusterDir, port, 1, rows, setting);
          twoExecutors[repeat] = samplesPerSecond(clusterDir, port, 2, rows, setting);
        }

        double meanOne = BenchmarkReport.mean(oneExecutor);
        double meanTwo = BenchmarkReport.mean(twoExecutors);
        report.add(String.format(Locale.ROOT, "| %s | %.0f | %s +- %s | %s +- %s | %.0f%% |",
            setting.describe(), iteration, BenchmarkReport.format(meanOne),
            BenchmarkReport.format(BenchmarkReport.std(oneExecutor)), BenchmarkReport.format(meanTwo),
            BenchmarkReport.format(BenchmarkReport.std(twoExecutors)), 100 * meanTwo / (2 * meanOne)));
      }
    } finally {
      script("stop", Map.of("KTP_CLUSTER_DIR", clusterDir.toString()));
    }
    report.add("");
    report.add("Scaling efficiency is the two-executor throughput divided by twice the"
        + " one-executor throughput. Every run fits one warm-up epoch first, which is not timed."
        + " Worker 1 and its executor are pinned to core 0, worker 2 and its executor to core 1"
        + " (taskset), so that one executor has one core; the driver is not pinned."
        + (FIT_TIME_ONLY ? " Samples per second count the epochs' fit time (averaging rounds"
            + " included), not the one-time dealing of the rows into worker partitions or the"
            + " driver's scoring of the training curve after each epoch." : ""));
    report.write();
  }

  private static List<Example> mnistTrainRows() throws Exception {
    SparkSession local = SparkSessions.getOrCreate("ScalingBenchmark", "local[2]");
    try {
      return BenchmarkRuns.mnist(local, temp.resolve("ws")).train();
    } finally {
      local.stop();
    }
  }

  /** Times plain minibatch fits of the network on one thread of this JVM. */
  private static double millisecondsPerIteration(List<Example> rows, Case setting) {
    MultiLayerNetwork network = Networks.perceptron(64, setting.hidden(), 10, 1e-3, 1);
    org.nd4j.linalg.dataset.DataSet batch = Minibatches.toDataSet(rows.subList(0,
        setting.batch()), 10);
    for (int i = 0; i < 3; i++) {
      network.fit(batch);
    }
    int iterations = 10;
    long start = System.nanoTime();
    for (int i = 0; i < iterations; i++) {
      network.fit(batch);
    }
    return (System.nanoTime() - start) / 1e6 / iterations;
  }

  private static double samplesPerSecond(Path clusterDir, int port, int executors,
      List<Example> rows, Case setting) throws Exception {
    SparkConf conf = new SparkConf()
        .setMaster("spark://127.0.0.1:" + port)
        .setAppName("ScalingBenchmark-" + executors)
        .set("spark.jars", APP_JAR.toString())
        .set("spark.cores.max", Integer.toString(executors))
        .set("spark.executor.cores", "1")
        .set("spark.executor.memory", "2g")
        .set("spark.driver.host", "127.0.0.1")
        .set("spark.driver.bindAddress", "127.0.0.1")
        .set("spark.ui.enabled", "false")
        .set("spark.executorEnv.JAVA_TOOL_OPTIONS", "-Dorg.bytedeco.javacpp.cachedir="
            + System.getProperty("org.bytedeco.javacpp.cachedir"));
    for (String line : Files.readAllLines(clusterDir.resolve("spark-defaults.conf"))) {
      String[] parts = line.strip().split("\\s+", 2);
      if (parts.length == 2 && !parts[0].startsWith("#") && !conf.contains(parts[0])) {
        // The file names paths relative to the KTP folder, where spark-submit runs; this driver
        // runs in jobs/.
        conf.set(parts[0], parts[0].equals("spark.files")
            ? HOME.resolve(parts[1]).toString() : parts[1]);
      }
    }
    SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
    try {
      JavaSparkContext context = JavaSparkContext.fromSparkContext(spark.sparkContext());
      // Every executor must be up before the rows are cached: otherwise the first one caches all
      // partitions, and each averaging round waits for task locality or fetches a remote block.
      awaitExecutors(context, executors);
      JavaRDD<Example> rdd = context.parallelize(rows, executors).cache();
      rdd.count();
      MultiLayerNetwork network = Networks.perceptron(64, setting.hidden(), 10, 1e-3, 1);
      TrainingOptions warmUp = new TrainingOptions(1, setting.batch(), FREQUENCY, executors,
          1e-3, 1);
      new SparkTrainer(context, warmUp).fit("warm-up", network, rdd, 10,
          Predictions.of(List.of()));
      TrainingOptions timed = warmUp.withEpochs(setting.epochs());
      long start = System.nanoTime();
      List<io.ktp.train.CurvePoint> curve = new SparkTrainer(context, timed).fit("timed",
          network, rdd, 10, Predictions.of(List.of()));
      // The epochs' fit time: the one-time dealing of the rows and the driver's scoring of the
      // training curve after each epoch are not training, and cost the same for any executors.
      double seconds = FIT_TIME_ONLY ? curve.stream()
          .mapToDouble(io.ktp.train.CurvePoint::seconds).sum()
          : (System.nanoTime() - start) / 1e9;
      return setting.rows() * (double) setting.epochs() / seconds;
    } finally {
      spark.stop();
    }
  }

  /**
   * Pins Worker i to core i - 1; the executors it launches inherit the pin. Unpinned, one
   * executor can run its garbage collection and JIT threads on the idle second core, so "one
   * executor of one core" could use two.
   */
  private static void pinWorkers(Path clusterDir) throws Exception {
    for (int worker = 1; worker <= 2; worker++) {
      String pid = Files.readString(clusterDir.resolve("worker-" + worker + ".pid")).strip();
      Process pin = new ProcessBuilder("taskset", "-a", "-p", "-c",
          Integer.toString(worker - 1), pid).redirectErrorStream(true).start();
      String output = new String(pin.getInputStream().readAllBytes());
      assertEquals(0, pin.waitFor(), "taskset of worker " + worker + ": " + output);
    }
  }

  private static void awaitExecutors(JavaSparkContext context, int executors)
      throws InterruptedException {
    long deadline = System.currentTimeMillis() + 120_000;
    while (context.sc().getExecutorMemoryStatus().size() - 1 < executors) {
      assertTrue(System.currentTimeMillis() < deadline, "executors did not register");
      Thread.sleep(200);
    }
  }

  private static void script(String command, Map<String, String> env) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(SCRIPT.toString(), command)
        .redirectErrorStream(true);
    builder.environment().putAll(env);
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes());
    assertEquals(0, process.waitFor(), "ktp-cluster " + command + ":\n" + output);
  }
}
