package io.ktp.jobs;


import io.ktp.io.SparkSessions;
import io.ktp.train.CurvePoint;
import io.ktp.train.EpochCheckpoints;
import io.ktp.train.Example;
import io.ktp.train.Minibatches;
import io.ktp.train.Networks;
import io.ktp.train.Predictions;
import io.ktp.train.SparkTrainer;
import io.ktp.train.TrainingEngine;
import io.ktp.train.TrainingOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.classification.MultilayerPerceptronClassificationModel;
import org.apache.spark.ml.classification.MultilayerPerceptronClassifier;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compares the training paths side by side in one JVM: plain single-thread DL4J
 * ({@code MultiLayerNetwork.fit}), KTP's own averaging and DL4J's training master on
 * {@code local[2]}, and Spark MLlib's {@code MultilayerPerceptronClassifier}, on the bundled MNIST
 * rows (8x8 harmonized features) with the 64-128-64-10 network. Not part of {@code mvn verify}:
 * its name does not end in Test. Run it with {@code bin/ktp-bench} or
 *
 * <pre>
 *   mvn -B test -pl jobs -am -Dtest=TrainingBenchmark -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 *
 * <p>Each test writes a Markdown section to {@code jobs/target/benchmarks/}. System properties:
 * {@code ktp.benchmark.repeats} (default 3), {@code ktp.benchmark.rows} (rows of the throughput
 * comparison, default 100000), {@code ktp.benchmark.epochs} (epochs of each throughput run,
 * default 20, as in the measurements that led to KTP's engine).
 */
class TrainingBenchmark {
  private static final int[] HIDDEN = {128, 64};
  private static final int CLASSES = 10;
  private static final int BATCH = 64;
  private static final double RATE = 1e-3;
  /** Held-out accuracies to time; the first is the one KTP aims at. */
  private static final double[] TARGETS = {0.95, 0.94};
  private static final int MAX_EPOCHS = 40;
  private static final double JITTER = 0.5 / 16;
  private static final int REPEATS = Integer.getInteger("ktp.benchmark.repeats", 3);
  /** The averaging frequency that averages once per epoch. */
  private static final int EPOCH = 0;
  private static final String COMMAND = "bin/ktp-bench training";

  @TempDir
  static Path folder;

  private static SparkSession spark;
  private static JavaSparkContext sparkContext;
  private static List<Example> train;
  private static List<Example> test;

  @BeforeAll
  static void loadMnist() throws Exception {
    spark = SparkSessions.getOrCreate("TrainingBenchmark", "local[2]");
    sparkContext = JavaSparkContext.fromSparkContext(spark.sparkContext());
    BenchmarkRuns.MnistSplits mnist = BenchmarkRuns.mnist(spark, folder);
    train = mnist.train();
    test = mnist.test();
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  /** Samples per second on the MNIST rows replicated with seeded jitter. */
  @Test
  void throughput() throws Exception {
    int rows = Integer.getInteger("ktp.benchmark.rows", 100_000);
    int epochs = Integer.getInteger("ktp.benchmark.epochs", 20);
    List<Example> replicated = replicate(train, rows, 7);
    JavaRDD<Example> rdd = sparkContext.parallelize(replicated, 2).cache();
    rdd.count();

    BenchmarkReport report = new BenchmarkReport("training-throughput", "Training throughput: "
        + String.format(Locale.ROOT, "%,d", rows) + " rows (MNIST train rows replicated with"
        + " seeded jitter), 64-128-64-10, batch " + BATCH + ", " + epochs + " epochs per run",
        COMMAND);
    report.header("Trainer", "Samples per second (mean +- std)", "Runs");

    // Warm-up runs, not timed: the first runs of a JVM are slower while it compiles the code.
    plainSeconds(replicated.subList(0, 20_000), 1, null, 1);
    sparkSeconds(rdd, 1, 2, new TrainingMixin.Pretraining().averagingFrequency,
        TrainingEngine.KTP);
    double plain = report.row("Plain DL4J `MultiLayerNetwork.fit`, 1 thread", repeat(() ->
        rows * (double) epochs / plainSeconds(replicated, epochs, null, 1)));
    report.row("Plain DL4J, 2 threads", repeat(() ->
        rows * (double) epochs / plainSeconds(replicated, epochs, null, 2)));

    int frequency = new TrainingMixin.Pretraining().averagingFrequency;
    double oneWorker = report.row("KTP, 1 worker, averaging " + describe(frequency), repeat(() ->
        rows * (double) epochs / sparkSeconds(rdd, epochs, 1, frequency, TrainingEngine.KTP)));
    double twoWorkers = report.row("KTP, `local[2]`, 2 workers, averaging " + describe(frequency),
        repeat(() -> rows * (double) epochs
            / sparkSeconds(rdd, epochs, 2, frequency, TrainingEngine.KTP)));

    int dl4jEpochs = Math.min(epochs, 2);
    report.row("DL4J `ParameterAveragingTrainingMaster`, `local[2]`, averaging every 10 ("
        + dl4jEpochs + " epochs)", repeat(() -> rows * (double) dl4jEpochs
            / sparkSeconds(rdd, dl4jEpochs, 2, 10, TrainingEngine.DL4J)));
    report.add("");
    report.add(String.format(Locale.ROOT, "KTP with 1 worker against plain DL4J: %.2f (below 1,"
        + " the overhead of the Spark path); 2 workers against plain DL4J: %.2f; 2 workers against"
        + " twice 1 worker (scaling efficiency): %.0f%%.", oneWorker / plain, twoWorkers / plain,
        100 * twoWorkers / (2 * oneWorker)));
    rdd.unpersist();
    report.write();
  }

  /**
   * Wall time until the held-out accuracy first reaches each of {@link #TARGETS}: one run per
   * repeat records both. MLlib's perceptron converges near 0.949 on this split, so the lower
   * target gives a time for every trainer.
   */
  @Test
  void timeToAccuracy() throws Exception {
    JavaRDD<Example> rdd = sparkContext.parallelize(train, 2).cache();
    rdd.count();
    Predictions heldOut = Predictions.of(test);
    BenchmarkReport report = new BenchmarkReport("time-to-accuracy", "Time to "
        + TARGETS[0] + " and " + TARGETS[1] + " held-out accuracy: " + train.size()
        + " MNIST train rows, " + test.size() + " held-out rows, 64-128-64-10, batch " + BATCH,
        COMMAND);
    report.header("Trainer", "Seconds to " + TARGETS[0] + " (mean +- std)", "Seconds to "
        + TARGETS[1] + " (mean +- std)", "Runs to " + TARGETS[0]);
    plainSeconds(train, 1, null, 1);
    targetRow(report, "Plain DL4J `MultiLayerNetwork.fit`, 1 thread", repeatTargets(() ->
        plainToTargets(train, heldOut)));
    int frequency = new TrainingMixin.Pretraining().averagingFrequency;
    targetRow(report, "KTP, `local[2]`, 2 workers, averaging " + describe(frequency),
        repeatTargets(() -> sparkToTargets(rdd, heldOut, BATCH, frequency, 2,
            TrainingEngine.KTP)));
    targetRow(report, "DL4J `ParameterAveragingTrainingMaster`, `local[2]`, averaging every 10",
        repeatTargets(() -> sparkToTargets(rdd, heldOut, BATCH, 10, 2, TrainingEngine.DL4J)));
    MllibSearch mllib = new MllibSearch(frame(train), frame(test));
    try {
      targetRow(report, "Spark MLlib `MultilayerPerceptronClassifier`, L-BFGS, `local[2]` ("
          + mllib.describe() + ")", mllib.timedRuns());
    } finally {
      mllib.release();
    }
    report.add("");
    report.add("Each time runs from the start of the fit call to the end of the first epoch"
        + " whose held-out accuracy reaches the target, scoring included. MLlib trains"
        + " full-batch with L-BFGS and has no epochs: for each target the benchmark finds the"
        + " smallest iteration limit (within " + MllibSearch.RESOLUTION + " iterations) whose"
        + " fit reaches it, then times fits with that limit. " + mllib.best() + ".");
    rdd.unpersist();
    report.write();
  }

  /** Times to each target of one run; NaN where a target was not reached. */
  @FunctionalInterface
  interface TargetMeasurement {
    double[] run() throws Exception;
  }

  private static double[][] repeatTargets(TargetMeasurement measurement) throws Exception {
    double[][] runs = new double[TARGETS.length][REPEATS];
    for (int repeat = 0; repeat < REPEATS; repeat++) {
      double[] times = measurement.run();
      for (int target = 0; target < TARGETS.length; target++) {
        runs[target][repeat] = times[target];
      }
    }
    return runs;
  }

  private static void targetRow(BenchmarkReport report, String label, double[][] runs) {
    StringBuilder line = new StringBuilder("| " + label);
    for (double[] values : runs) {
      line.append(" | ").append(summary(values));
    }
    report.add(line + " | " + BenchmarkReport.runs(runs[0]) + " |");
  }

  private static String summary(double[] values) {
    for (double value : values) {
      if (Double.isNaN(value)) {
        return "not reached";
      }
    }
    return BenchmarkReport.format(BenchmarkReport.mean(values)) + " +- "
        + BenchmarkReport.format(BenchmarkReport.std(values));
  }

  /** Time to accuracy of KTP's engine over averaging frequency, batch size and worker count. */
  @Test
  void sweeps() throws Exception {
    JavaRDD<Example> rdd = sparkContext.parallelize(train, 2).cache();
    rdd.count();
    Predictions heldOut = Predictions.of(test);
    BenchmarkReport report = new BenchmarkReport("training-sweeps", "KTP engine sweeps: seconds"
        + " to " + TARGETS[0] + " held-out accuracy on the MNIST split, `local[2]`",
        COMMAND);
    report.header("Setting", "Seconds (mean +- std)", "Runs");
    for (int batch : new int[] {32, 64, 128}) {
      for (int frequency : new int[] {2, 5, 10, 20, 50, EPOCH}) {
        report.row("batch " + batch + ", averaging " + describe(frequency) + ", 2 workers",
            repeat(() -> sparkToAccuracy(rdd, heldOut, batch, frequency, 2,
                TrainingEngine.KTP)));
      }
    }
    for (int workers : new int[] {1, 4}) {
      report.row("batch 64, averaging once per epoch, " + workers + " workers", repeat(() ->
          sparkToAccuracy(rdd, heldOut, BATCH, EPOCH, workers, TrainingEngine.KTP)));
    }
    report.row("batch 64, averaging once per epoch, 2 workers, 2 ND4J threads each",
        repeat(() -> {
      setNd4jThreads(2);
      try {
        return sparkToAccuracy(rdd, heldOut, BATCH, EPOCH, 2, TrainingEngine.KTP);
      } finally {
        setNd4jThreads(1);
      }
    }));
    rdd.unpersist();
    report.write();
  }

  private static String describe(int frequency) {
    return frequency == EPOCH ? "once per epoch" : "every " + frequency;
  }

  private static void setNd4jThreads(int threads) {
    org.nd4j.linalg.factory.Nd4j.getEnvironment().setMaxMasterThreads(threads);
    org.nd4j.linalg.factory.Nd4j.getEnvironment().setMaxThreads(threads);
  }

  private static double sparkSeconds(JavaRDD<Example> rdd, int epochs, int workers,
      int frequency, TrainingEngine engine) {
    TrainingOptions options = new TrainingOptions(epochs, BATCH, frequency, workers, RATE, 1,
        engine);
    MultiLayerNetwork network = network(1);
    long start = System.nanoTime();
    new SparkTrainer(sparkContext, options).fit("benchmark", network, rdd, CLASSES,
        Predictions.of(List.of()));
    return (System.nanoTime() - start) / 1e9;
  }

  private static double sparkToAccuracy(JavaRDD<Example> rdd, Predictions heldOut, int batch,
      int frequency, int workers, TrainingEngine engine) throws Exception {
    return sparkToTargets(rdd, heldOut, batch, frequency, workers, engine)[0];
  }

  private static double[] sparkToTargets(JavaRDD<Example> rdd, Predictions heldOut, int batch,
      int frequency, int workers, TrainingEngine engine) throws Exception {
    TrainingOptions options = new TrainingOptions(MAX_EPOCHS, batch, frequency, workers, RATE, 1,
        engine);
    long start = System.nanoTime();
    double[] reached = new double[TARGETS.length];
    java.util.Arrays.fill(reached, Double.NaN);
    EpochCheckpoints clock = new EpochCheckpoints() {
      @Override
      public List<CurvePoint> restore(MultiLayerNetwork network) {
        return List.of();
      }

      @Override
      public void save(MultiLayerNetwork network, List<CurvePoint> curve) {
        record(reached, curve.get(curve.size() - 1).validationAccuracy(), start);
      }
    };
    new SparkTrainer(sparkContext, options).fit("benchmark", network(1), rdd, CLASSES, heldOut,
        clock);
    return reached;
  }

  /** Sets the time of every target that {@code accuracy} reaches for the first time. */
  private static void record(double[] reached, double accuracy, long start) {
    for (int target = 0; target < TARGETS.length; target++) {
      if (Double.isNaN(reached[target]) && accuracy >= TARGETS[target]) {
        reached[target] = (System.nanoTime() - start) / 1e9;
      }
    }
  }

  /**
   * Fits plain DL4J in this thread with {@code threads} ND4J threads; returns the seconds, or
   * with {@code heldOut} the seconds to the accuracy.
   */
  private static double plainSeconds(List<Example> rows, int epochs, Predictions heldOut,
      int threads) {
    setNd4jThreads(threads);
    try {
      return plainFit(rows, epochs, heldOut);
    } finally {
      setNd4jThreads(1);
    }
  }

  private static double plainFit(List<Example> rows, int epochs, Predictions heldOut) {
    MultiLayerNetwork network = network(1);
    List<Example> order = new ArrayList<>(rows);
    Random random = new Random(1);
    long start = System.nanoTime();
    for (int epoch = 1; epoch <= epochs; epoch++) {
      fitEpoch(network, order, random);
      if (heldOut != null && heldOut.accuracy(network) >= TARGETS[0]) {
        return (System.nanoTime() - start) / 1e9;
      }
    }
    return heldOut == null ? (System.nanoTime() - start) / 1e9 : Double.NaN;
  }

  /** Fits plain DL4J in this thread until every target is reached; returns the times. */
  private static double[] plainToTargets(List<Example> rows, Predictions heldOut) {
    MultiLayerNetwork network = network(1);
    List<Example> order = new ArrayList<>(rows);
    Random random = new Random(1);
    double[] reached = new double[TARGETS.length];
    java.util.Arrays.fill(reached, Double.NaN);
    long start = System.nanoTime();
    for (int epoch = 1; epoch <= MAX_EPOCHS && Double.isNaN(reached[0]); epoch++) {
      fitEpoch(network, order, random);
      record(reached, heldOut.accuracy(network), start);
    }
    return reached;
  }

  private static void fitEpoch(MultiLayerNetwork network, List<Example> order, Random random) {
    Collections.shuffle(order, random);
    for (int first = 0; first < order.size(); first += BATCH) {
      network.fit(Minibatches.toDataSet(order.subList(first,
          Math.min(order.size(), first + BATCH)), CLASSES));
    }
  }

  /**
   * Spark MLlib's perceptron for the time-to-accuracy rows. It trains full-batch with L-BFGS, so
   * there are no epochs to stop after. With a fixed seed, a fit with a limit of N iterations is
   * the first N iterations of any longer fit. So for each target this finds the smallest limit
   * that reaches it (doubling from 25, then halving the gap) and times fits with that limit.
   */
  private static final class MllibSearch {
    static final int RESOLUTION = 10;
    private static final int LARGEST = 800;
    private final Dataset<Row> trainFrame;
    private final Dataset<Row> testFrame;
    private final int[] limits = new int[TARGETS.length];
    private double bestAccuracy;
    private int bestLimit;

    MllibSearch(Dataset<Row> trainFrame, Dataset<Row> testFrame) {
      this.trainFrame = trainFrame.cache();
      this.testFrame = testFrame.cache();
      trainFrame.count();
      testFrame.count();
      fit(5);
      for (int target = 0; target < TARGETS.length; target++) {
        limits[target] = smallestLimit(TARGETS[target]);
      }
    }

    private int smallestLimit(double target) {
      int failing = 0;
      int reaching = -1;
      for (int limit = 25; limit <= LARGEST; limit *= 2) {
        if (accuracy(limit) >= target) {
          reaching = limit;
          break;
        }
        failing = limit;
      }
      if (reaching < 0) {
        return -1;
      }
      while (reaching - failing > RESOLUTION) {
        int middle = (failing + reaching) / 2;
        if (accuracy(middle) >= target) {
          reaching = middle;
        } else {
          failing = middle;
        }
      }
      return reaching;
    }

    private double accuracy(int limit) {
      double accuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy")
          .evaluate(fit(limit).transform(testFrame));
      if (accuracy > bestAccuracy) {
        bestAccuracy = accuracy;
        bestLimit = limit;
      }
      return accuracy;
    }

    private MultilayerPerceptronClassificationModel fit(int limit) {
      return new MultilayerPerceptronClassifier()
          .setLayers(new int[] {64, HIDDEN[0], HIDDEN[1], CLASSES})
          .setBlockSize(BATCH * 2)
          .setMaxIter(limit)
          .setTol(0)
          .setSeed(1)
          .fit(trainFrame);
    }

    /** Times fits with each target's limit; NaN for a target no limit reached. */
    double[][] timedRuns() {
      double[][] runs = new double[TARGETS.length][REPEATS];
      for (int target = 0; target < TARGETS.length; target++) {
        for (int repeat = 0; repeat < REPEATS; repeat++) {
          runs[target][repeat] = limits[target] < 0 ? Double.NaN : timedFit(limits[target]);
        }
      }
      return runs;
    }

    private double timedFit(int limit) {
      long start = System.nanoTime();
      fit(limit);
      return (System.nanoTime() - start) / 1e9;
    }

    String describe() {
      StringBuilder text = new StringBuilder();
      for (int target = 0; target < TARGETS.length; target++) {
        text.append(target == 0 ? "" : ", ").append(limits[target] < 0 ? "no limit up to "
            + LARGEST + " reaches " + TARGETS[target] : limits[target] + " iterations to "
            + TARGETS[target]);
      }
      return text.toString();
    }

    String best() {
      return String.format(Locale.ROOT, "The best held-out accuracy MLlib reached in the search"
          + " was %.4f, with a limit of %d iterations", bestAccuracy, bestLimit);
    }

    void release() {
      trainFrame.unpersist();
      testFrame.unpersist();
    }
  }

  private static Dataset<Row> frame(List<Example> examples) {
    List<Row> rows = new ArrayList<>(examples.size());
    for (Example example : examples) {
      double[] values = new double[example.features().length];
      for (int i = 0; i < values.length; i++) {
        values[i] = example.features()[i];
      }
      rows.add(RowFactory.create(Vectors.dense(values), (double) example.label()));
    }
    StructType schema = new StructType()
        .add("features", new VectorUDT(), false)
        .add("label", DataTypes.DoubleType, false);
    return spark.createDataFrame(rows, schema).repartition(2);
  }

  private static MultiLayerNetwork network(long seed) {
    return Networks.perceptron(64, HIDDEN, CLASSES, RATE, seed);
  }

  /** Returns {@code rows} examples: copies of {@code base} with seeded Gaussian jitter. */
  static List<Example> replicate(List<Example> base, int rows, long seed) {
    Random random = new Random(seed);
    List<Example> out = new ArrayList<>(rows);
    for (int i = 0; i < rows; i++) {
      Example source = base.get(i % base.size());
      float[] features = source.features().clone();
      if (i >= base.size()) {
        for (int f = 0; f < features.length; f++) {
          features[f] = (float) Math.min(1, Math.max(0, features[f]
              + random.nextGaussian() * JITTER));
        }
      }
      out.add(new Example(features, source.label()));
    }
    return out;
  }

  /** A measurement that may fail. */
  @FunctionalInterface
  interface Measurement {
    double run() throws Exception;
  }

  private static double[] repeat(Measurement measurement) throws Exception {
    double[] values = new double[REPEATS];
    for (int i = 0; i < REPEATS; i++) {
      values[i] = measurement.run();
    }
    return values;
  }
}
