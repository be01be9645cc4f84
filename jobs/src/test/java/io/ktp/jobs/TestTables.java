package io.ktp.jobs;

import io.ktp.data.SampleTables;
import io.ktp.data.Samples;
import io.ktp.io.Workspace;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/** Small valid sample tables in the canonical schema, for tests that need a workspace. */
final class TestTables {
  /** Rows per class and split: 6 train, 2 validation, 2 test. */
  private static final String[] SPLITS = {"train", "train", "train", "train", "train", "train",
      "validation", "validation", "test", "test"};

  private TestTables() {
  }

  /** Returns 10 rows per class of 64 seeded block counts 0..16, as one domain's table. */
  static List<Row> rows(String domain, long seed) {
    Random random = new Random(seed);
    List<Row> rows = new ArrayList<>();
    for (int label = 0; label < 10; label++) {
      for (int i = 0; i < SPLITS.length; i++) {
        double[] features = new double[64];
        for (int j = 0; j < features.length; j++) {
          features[j] = random.nextInt(17);
        }
        rows.add(row(String.format(Locale.ROOT, "%s-%d-%d", domain, label, i), domain, label,
            features, SPLITS[i]));
      }
    }
    return rows;
  }

  static Row row(String id, String domain, Integer label, double[] features, String split) {
    return RowFactory.create(id, domain, label, features, split, 1.0, "test");
  }

  static Dataset<Row> table(SparkSession spark, List<Row> rows) {
    return spark.createDataFrame(rows, Samples.schema(8, 8));
  }

  /** Writes valid mnist and optdigits tables into {@code workspace}. */
  static void writeBoth(SparkSession spark, Workspace workspace) throws Exception {
    SampleTables.write(table(spark, rows("mnist", 1)), workspace, "mnist", false);
    SampleTables.write(table(spark, rows("optdigits", 2)), workspace, "optdigits", false);
  }
}
