package io.ktp.augment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ktp.data.Samples;
import io.ktp.io.SparkSessions;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Checks mixup copies against an independent recomputation from the labelled rows. */
class MixupTest {
  private static final int CLASSES = 4;
  private static final int COPIES = 3;

  private static SparkSession spark;
  private static List<Row> labelled;
  private static List<Row> copies;

  @BeforeAll
  static void makeCopies() {
    spark = SparkSessions.getOrCreate("MixupTest", "local[2]");
    Random random = new Random(3);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      double[] features = new double[5];
      for (int j = 0; j < features.length; j++) {
        features[j] = random.nextInt(17);
      }
      rows.add(RowFactory.create("row-" + i, "d", i % 3, features, Samples.TRAIN, 1.0, "test"));
    }
    Dataset<Row> table = TargetRows.inAugmentedSchema(
        spark.createDataFrame(rows, Samples.schema(0, 0))).repartition(3);
    labelled = table.select(Samples.ID, Samples.LABEL, Samples.FEATURES).collectAsList();
    AugmentSettings settings = new AugmentSettings(1, 0, 10, 0, 1, 1, 0, 1, 0, 0, 5, 0, 0.1, 0,
        1, COPIES, 0.4, 17);

    copies = new Augmenter(settings, 0, 0, 0, 16, null, CLASSES).copies(spark, table)
        .select(Samples.ID, Samples.LABEL, Samples.FEATURES, AugmentedSamples.LABEL_WEIGHTS,
            AugmentedSamples.SOURCE_ID)
        .collectAsList();
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  @Test
  void everyRowGetsItsCopies() {
    assertEquals(12 * COPIES, copies.size());
  }

  @Test
  void weightsSumToOneWithLabelAsArgmax() {
    for (Row copy : copies) {
      List<Double> weights = copy.getList(3);

      assertEquals(CLASSES, weights.size(), copy.getString(0));
      assertEquals(1.0, weights.stream().mapToDouble(Double::doubleValue).sum(), 1e-12);
      int label = copy.getInt(1);
      for (double weight : weights) {
        assertTrue(weights.get(label) >= weight, copy.getString(0) + " label " + label);
      }
    }
  }

  @Test
  void copiesMixTwoRealRowsAlike() {
    // For each copy c of row a, finds a partner b and lambda with c = lambda a + (1 - lambda) b
    // (lambda by least squares along a - b) whose label weights lambda onehot(a) + (1 - lambda)
    // onehot(b) equal the stored ones; exactly as the definition, recomputed here.
    for (Row copy : copies) {
      Row source = row(copy.getString(4));
      int matches = 0;
      for (Row partner : labelled) {
        if (partner.getString(0).equals(source.getString(0))) {
          continue;
        }
        if (mixes(copy, source, partner)) {
          matches++;
        }
      }
      assertTrue(matches >= 1, "no partner row explains " + copy.getString(0));
    }
  }

  private static boolean mixes(Row copy, Row a, Row b) {
    double[] c = doubles(copy.getList(2));
    double[] x = doubles(a.getList(2));
    double[] y = doubles(b.getList(2));
    double along = 0;
    double length = 0;
    for (int i = 0; i < c.length; i++) {
      along += (c[i] - y[i]) * (x[i] - y[i]);
      length += (x[i] - y[i]) * (x[i] - y[i]);
    }
    if (length == 0) {
      return false;
    }
    double lambda = along / length;
    double[] expectedWeights = new double[CLASSES];
    expectedWeights[a.getInt(1)] += lambda;
    expectedWeights[b.getInt(1)] += 1 - lambda;
    double[] weights = doubles(copy.getList(3));
    for (int i = 0; i < c.length; i++) {
      if (Math.abs(lambda * x[i] + (1 - lambda) * y[i] - c[i]) > 1e-9) {
        return false;
      }
    }
    for (int k = 0; k < CLASSES; k++) {
      if (Math.abs(expectedWeights[k] - weights[k]) > 1e-9) {
        return false;
      }
    }
    return lambda >= 0 && lambda <= 1;
  }

  private static Row row(String id) {
    return labelled.stream().filter(row -> row.getString(0).equals(id)).findFirst()
        .orElseThrow();
  }

  private static double[] doubles(List<Object> values) {
    return values.stream().mapToDouble(value -> ((Number) value).doubleValue()).toArray();
  }
}
