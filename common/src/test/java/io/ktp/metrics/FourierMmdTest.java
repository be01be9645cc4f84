package io.ktp.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ktp.io.SparkSessions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

class FourierMmdTest {
  @Test
  void featureProductApproximatesTheKernel() {
    double[] a = {0, 0};
    double[] b = {3, 4};
    double[] bandwidths = {5, 10};
    FourierMmd map = FourierMmd.of(2, bandwidths, 20_000, 3);
    double[] phiA = new double[map.dimension()];
    double[] phiB = new double[map.dimension()];
    map.accumulate(a, phiA);
    map.accumulate(b, phiB);

    double product = 0;
    double norm = 0;
    for (int i = 0; i < phiA.length; i++) {
      product += phiA[i] * phiB[i];
      norm += phiA[i] * phiA[i];
    }

    // The class comment of Mmd works this pair out: k(a, b) = 0.74451.
    assertEquals(0.74451, product, 0.01);
    assertEquals(1.0, norm, 1e-9);
  }

  @Test
  void shiftedSamplesMatchExactEstimate() {
    double[][] x = gaussian(600, 8, 0.0, 1);
    double[][] y = gaussian(500, 8, 0.4, 2);
    double[] bandwidths = {Mmd.medianHeuristicBandwidth(x, y)};
    double exact = Mmd.unbiasedMmd2(x, y, bandwidths);

    double approximate = FourierMmd.of(8, bandwidths, 8192, 5).unbiasedMmd2(x, y);

    assertTrue(exact > 0.02, "the shift must be visible: " + exact);
    assertEquals(exact, approximate, 0.03 * exact);
  }

  @Test
  void sameDistributionMatchesExactEstimate() {
    double[][] x = gaussian(600, 8, 0.0, 1);
    double[][] y = gaussian(600, 8, 0.0, 2);
    double[] bandwidths = {Mmd.medianHeuristicBandwidth(x, y)};

    double approximate = FourierMmd.of(8, bandwidths, 4096, 5).unbiasedMmd2(x, y);

    assertEquals(Mmd.unbiasedMmd2(x, y, bandwidths), approximate, 0.002);
  }

  @Test
  void sparkSumsGiveTheSameEstimate() {
    SparkSession spark = SparkSessions.getOrCreate("FourierMmdTest", "local[2]");
    try {
      double[][] x = gaussian(300, 4, 0.0, 1);
      double[][] y = gaussian(200, 4, 0.5, 2);
      FourierMmd map = FourierMmd.of(4, new double[] {1.5, 3}, 256, 9);

      double local = map.unbiasedMmd2(x, y);
      double distributed = FourierMmd.unbiasedMmd2(map.embed(table(spark, x), "features"),
          map.embed(table(spark, y), "features"));

      assertEquals(local, distributed, 1e-9);
    } finally {
      spark.stop();
    }
  }

  @Test
  void invalidInputsAreRejected() {
    assertThrows(IllegalArgumentException.class,
        () -> FourierMmd.of(4, new double[] {0}, 16, 1));
    assertThrows(IllegalArgumentException.class,
        () -> FourierMmd.of(4, new double[] {1}, 0, 1));
    FourierMmd map = FourierMmd.of(1, new double[] {1}, 4, 1);
    assertThrows(IllegalArgumentException.class,
        () -> map.unbiasedMmd2(new double[][] {{1}}, new double[][] {{1}, {2}}));
  }

  private static Dataset<Row> table(SparkSession spark, double[][] rows) {
    List<Row> out = new ArrayList<>();
    for (double[] row : rows) {
      out.add(RowFactory.create((Object) Arrays.stream(row).boxed().toArray(Double[]::new)));
    }
    StructType schema = new StructType().add("features",
        DataTypes.createArrayType(DataTypes.DoubleType, false), false);
    return spark.createDataFrame(out, schema).repartition(3);
  }

  private static double[][] gaussian(int rows, int columns, double shift, long seed) {
    Random random = new Random(seed);
    double[][] out = new double[rows][columns];
    for (double[] row : out) {
      for (int c = 0; c < columns; c++) {
        row[c] = random.nextGaussian() + shift;
      }
    }
    return out;
  }
}
