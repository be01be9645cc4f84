package io.ktp.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class MmdTest {
  private static final double[] MULTIPLIERS = {0.5, 1.0, 2.0};

  @ParameterizedTest
  @CsvSource({
      "1, 2, 2, 1",
      "2, 7, 11, 3",
      "3, 20, 13, 5",
      "4, 30, 30, 2"})
  void unbiasedMmd2MatchesExplicitSums(long seed, int n, int m, int columns) {
    Random random = new Random(seed);
    double[][] x = gaussianRows(random, n, columns, 0.0);
    double[][] y = gaussianRows(random, m, columns, 0.3);
    double[] bandwidths = {0.4, 1.3, 3.0};

    double expected = averageOfSingleKernelMmd2(x, y, bandwidths);

    assertEquals(expected, Mmd.unbiasedMmd2(x, y, bandwidths), 1e-12);
  }

  @Test
  void unbiasedMmd2MatchesNumpyValue() {
    // Computed with Python 3 and numpy 2.4.6:
    //   x = np.array([[0.0, 1.0], [1.5, -0.5], [2.0, 2.0], [-1.0, 0.5]])
    //   y = np.array([[3.0, 1.0], [2.5, 2.5], [4.0, 0.0], [3.5, -1.0], [1.0, 3.0]])
    //   s = np.array([0.5, 1.0, 2.0])
    //   def gram(a, b):
    //       d2 = ((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)
    //       return np.exp(-d2[..., None] / (2 * s ** 2)).mean(-1)
    //   kxx, kyy, kxy = gram(x, x), gram(y, y), gram(x, y)
    //   n, m = len(x), len(y)
    //   print(repr((kxx.sum() - np.trace(kxx)) / (n * (n - 1))
    //       + (kyy.sum() - np.trace(kyy)) / (m * (m - 1)) - 2 * kxy.mean()))
    double numpyMmd2 = 0.11372252686086809;

    assertEquals(numpyMmd2, Mmd.unbiasedMmd2(numpyX(), numpyY(), new double[] {0.5, 1.0, 2.0}),
        1e-12);
  }

  @Test
  void kernelMatchesDocumentedExample() {
    // Two copies of a = (0, 0) against two copies of b = (3, 4): both within-sample kernels are 1,
    // so MMD^2_u = 2 - 2 k(a, b) with k(a, b) = (exp(-0.5) + exp(-0.125)) / 2 = 0.74451...
    double[][] x = {{0, 0}, {0, 0}};
    double[][] y = {{3, 4}, {3, 4}};
    double kernel = (Math.exp(-0.5) + Math.exp(-0.125)) / 2;

    assertEquals(0.7445137811486144, kernel, 1e-15);
    assertEquals(2 - 2 * kernel, Mmd.unbiasedMmd2(x, y, new double[] {5, 10}), 1e-15);
  }

  @Test
  void unbiasedMmd2IsSymmetric() {
    Random random = new Random(5);
    double[][] x = gaussianRows(random, 9, 3, 0.0);
    double[][] y = gaussianRows(random, 6, 3, 1.0);
    double[] bandwidths = {0.7, 2.0};

    assertEquals(Mmd.unbiasedMmd2(x, y, bandwidths), Mmd.unbiasedMmd2(y, x, bandwidths), 1e-14);
  }

  @Test
  void medianHeuristicOnLineMatchesHandValue() {
    // Pooled points 0, 1, 3, 7: distances 1, 3, 7, 2, 6, 4, sorted 1 2 3 4 6 7, median (3 + 4) / 2.
    double[][] x = {{0}, {1}};
    double[][] y = {{3}, {7}};

    assertEquals(3.5, Mmd.medianHeuristicBandwidth(x, y), 0.0);
  }

  @Test
  void medianHeuristicMatchesNumpyValue() {
    // Same samples as unbiasedMmd2MatchesNumpyValue, computed with numpy 2.4.6:
    //   z = np.vstack([x, y]); i, j = np.triu_indices(len(z), 1)
    //   print(repr(np.median(np.linalg.norm(z[i] - z[j], axis=1))))
    assertEquals(2.8284271247461903, Mmd.medianHeuristicBandwidth(numpyX(), numpyY()), 1e-15);
  }

  @Test
  void medianHeuristicFallsBackToMeanDistance() {
    // Pooled 0, 0, 0, 0, 1: six zero distances and four distances of 1, so the median is 0 and
    // the mean is 4 / 10.
    double[][] x = {{0}, {0}, {0}};
    double[][] y = {{0}, {1}};

    assertEquals(0.4, Mmd.medianHeuristicBandwidth(x, y), 1e-15);
  }

  @Test
  void medianHeuristicOfIdenticalRowsIsOne() {
    double[][] x = {{2, 5}, {2, 5}};
    double[][] y = {{2, 5}, {2, 5}, {2, 5}};

    assertEquals(1.0, Mmd.medianHeuristicBandwidth(x, y), 0.0);
  }

  @Test
  void medianHeuristicUsesAllRowsUpToLimit() {
    Random random = new Random(11);
    double[][] x = gaussianRows(random, 600, 3, 0.0);
    double[][] y = gaussianRows(random, 400, 3, 0.5);

    assertEquals(medianDistance(concat(x, y)), Mmd.medianHeuristicBandwidth(x, y), 0.0);
  }

  @Test
  void medianHeuristicSubsamplesAboveLimit() {
    Random random = new Random(12);
    double[][] x = gaussianRows(random, 900, 3, 0.0);
    double[][] y = gaussianRows(random, 600, 3, 0.5);
    double[][] pooled = concat(x, y);
    double[][] documentedSubsample = new double[1000][];
    for (int k = 0; k < 1000; k++) {
      documentedSubsample[k] = pooled[k * 1500 / 1000];
    }

    double bandwidth = Mmd.medianHeuristicBandwidth(x, y);

    assertEquals(medianDistance(documentedSubsample), bandwidth, 0.0);
    assertEquals(medianDistance(pooled), bandwidth, 0.02 * medianDistance(pooled));
  }

  @Test
  void testOnSameDistributionIsNotSignificant() {
    // With 150 rows per sample and these multipliers, |MMD^2_u| under the null stayed below 0.01
    // for Random seeds 5000 to 5049 (maximum 0.008), while the 1 sd shift of
    // testDetectsOneSdMeanShift gives about 0.04.
    Random random = new Random(21);
    double[][] x = gaussianRows(random, 150, 5, 0.0);
    double[][] y = gaussianRows(random, 150, 5, 0.0);

    MmdResult result = Mmd.test(x, y, MULTIPLIERS, 500, 7L);

    assertTrue(Math.abs(result.mmd2()) < 0.01, "mmd2 " + result.mmd2());
    assertTrue(result.pValue() > 0.05, "p-value " + result.pValue());
  }

  @Test
  void testDetectsOneSdMeanShift() {
    // 5 columns of N(0, 1); y's mean moves by 1 standard deviation along the first column.
    Random random = new Random(22);
    double[][] x = gaussianRows(random, 200, 5, 0.0);
    double[][] y = gaussianRows(random, 200, 5, 0.0);
    for (double[] row : y) {
      row[0] += 1.0;
    }

    MmdResult result = Mmd.test(x, y, MULTIPLIERS, 500, 7L);

    assertTrue(result.pValue() < 0.01, "p-value " + result.pValue());
    assertTrue(result.mmd2() > 0.01, "mmd2 " + result.mmd2());
  }

  @Test
  void testPValueHasPositiveFloor() {
    Random random = new Random(23);
    double[][] x = gaussianRows(random, 30, 2, 0.0);
    double[][] y = gaussianRows(random, 30, 2, 100.0);

    MmdResult result = Mmd.test(x, y, new double[] {1.0}, 99, 3L);

    assertEquals(1.0 / 100.0, result.pValue(), 0.0);
  }

  @ParameterizedTest
  @CsvSource({"1, 0.0", "2, 0.0", "3, 0.4", "4, 2.0", "5, 0.0"})
  void testPValueIsInUnitInterval(long seed, double shift) {
    Random random = new Random(seed);
    double[][] x = gaussianRows(random, 12, 2, 0.0);
    double[][] y = gaussianRows(random, 15, 2, shift);

    for (int permutations : new int[] {1, 2, 19, 200}) {
      double pValue = Mmd.test(x, y, MULTIPLIERS, permutations, seed).pValue();
      assertTrue(pValue > 0, "p-value " + pValue + " for " + permutations + " permutations");
      assertTrue(pValue <= 1, "p-value " + pValue + " for " + permutations + " permutations");
      double count = pValue * (1 + permutations);
      assertEquals(Math.rint(count), count, 1e-9, "p-value " + pValue
          + " is not a multiple of 1 / (1 + " + permutations + ")");
    }
  }

  @Test
  void testPValueIsCalibratedUnderNull() {
    // Under the null hypothesis the permutation p-value satisfies P(p <= 0.05) = 0.05 up to ties,
    // so the rejections among 200 data sets are Binomial(200, 0.05): mean 10, sd 3.1. Too few
    // would mean a conservative test, too many an invalid one.
    int rejections = 0;
    for (int dataSet = 0; dataSet < 200; dataSet++) {
      Random random = new Random(1000 + dataSet);
      double[][] x = gaussianRows(random, 25, 2, 0.0);
      double[][] y = gaussianRows(random, 25, 2, 0.0);
      if (Mmd.test(x, y, MULTIPLIERS, 99, dataSet).pValue() <= 0.05) {
        rejections++;
      }
    }

    assertTrue(rejections >= 2, "rejections " + rejections + " of 200");
    assertTrue(rejections <= 20, "rejections " + rejections + " of 200");
  }

  @Test
  void testReportsObservedStatisticAndBandwidths() {
    Random random = new Random(24);
    double[][] x = gaussianRows(random, 40, 3, 0.0);
    double[][] y = gaussianRows(random, 25, 3, 0.5);
    double median = Mmd.medianHeuristicBandwidth(x, y);

    MmdResult result = Mmd.test(x, y, MULTIPLIERS, 50, 9L);

    assertArrayEquals(new double[] {0.5 * median, median, 2.0 * median}, result.bandwidths(), 0.0);
    assertEquals(Mmd.unbiasedMmd2(x, y, result.bandwidths()), result.mmd2(), 1e-12);
    assertEquals(50, result.permutations());
    assertEquals(40, result.sizeX());
    assertEquals(25, result.sizeY());
  }

  @Test
  void testIsReproducibleForSeed() {
    Random random = new Random(25);
    double[][] x = gaussianRows(random, 20, 2, 0.0);
    double[][] y = gaussianRows(random, 20, 2, 0.2);

    MmdResult first = Mmd.test(x, y, MULTIPLIERS, 300, 42L);
    MmdResult second = Mmd.test(x, y, MULTIPLIERS, 300, 42L);
    MmdResult otherSeed = Mmd.test(x, y, MULTIPLIERS, 300, 43L);

    assertEquals(first, second);
    assertEquals(first.mmd2(), otherSeed.mmd2(), 0.0);
    assertNotEquals(first.pValue(), otherSeed.pValue());
  }

  @Test
  void resultCopiesBandwidths() {
    double[] bandwidths = {1.0, 2.0};
    MmdResult result = new MmdResult(0.1, 0.5, 10, bandwidths, 3, 4);

    bandwidths[0] = 99.0;
    result.bandwidths()[1] = 99.0;

    assertArrayEquals(new double[] {1.0, 2.0}, result.bandwidths(), 0.0);
    assertEquals(new MmdResult(0.1, 0.5, 10, new double[] {1.0, 2.0}, 3, 4), result);
    assertEquals(new MmdResult(0.1, 0.5, 10, new double[] {1.0, 2.0}, 3, 4).hashCode(),
        result.hashCode());
    assertEquals("MmdResult[mmd2=0.1, pValue=0.5, permutations=10, bandwidths=[1.0, 2.0],"
        + " sizeX=3, sizeY=4]", result.toString());
  }

  static Stream<Arguments> invalidSamples() {
    double[][] valid = {{0, 1}, {1, 0}};
    return Stream.of(
        Arguments.of(new double[][] {{0, 1}}, valid,
            "Invalid value 1 for the row count of sample x: must be >= 2, because the unbiased"
                + " estimator averages over pairs of distinct rows"),
        Arguments.of(valid, new double[0][],
            "Invalid value 0 for the row count of sample y: must be >= 2, because the unbiased"
                + " estimator averages over pairs of distinct rows"),
        Arguments.of(new double[][] {{}, {}}, new double[][] {{}, {}},
            "Invalid value 0 for the column count of row 0 of sample x: must be >= 1"),
        Arguments.of(new double[][] {null, {0, 1}}, valid,
            "Invalid value null for row 0 of sample x: must be an array of column values"),
        Arguments.of(valid, new double[][] {{0, 1}, null},
            "Invalid value null for row 1 of sample y: must be an array of 2 column values"),
        Arguments.of(new double[][] {{0, 1}, {1, 0, 2}}, valid,
            "Invalid value 3 for the column count of row 1 of sample x: must be 2, the column"
                + " count of row 0 of sample x"),
        Arguments.of(valid, new double[][] {{0, 1}, {0, 1}, {2}},
            "Invalid value 1 for the column count of row 2 of sample y: must be 2, the column"
                + " count of row 0 of sample x"),
        Arguments.of(valid, new double[][] {{0, 1}, {Double.NaN, 1}},
            "Invalid value NaN for row 1, column 0 of sample y: must be finite; remove or impute"
                + " missing values first"),
        Arguments.of(new double[][] {{0, Double.POSITIVE_INFINITY}, {1, 0}}, valid,
            "Invalid value Infinity for row 0, column 1 of sample x: must be finite; remove or"
                + " impute missing values first"));
  }

  @ParameterizedTest
  @MethodSource("invalidSamples")
  void invalidSamplesAreRejected(double[][] x, double[][] y, String message) {
    assertEquals(message, assertThrows(IllegalArgumentException.class,
        () -> Mmd.medianHeuristicBandwidth(x, y)).getMessage());
    assertEquals(message, assertThrows(IllegalArgumentException.class,
        () -> Mmd.unbiasedMmd2(x, y, new double[] {1.0})).getMessage());
    assertEquals(message, assertThrows(IllegalArgumentException.class,
        () -> Mmd.test(x, y, new double[] {1.0}, 10, 1L)).getMessage());
  }

  static Stream<Arguments> invalidBandwidths() {
    return Stream.of(
        Arguments.of(new double[0], "Invalid value [] for NAME: must contain at least one value"),
        Arguments.of(new double[] {1.0, 0.0},
            "Invalid value 0.0 for NAME[1]: must be finite and > 0"),
        Arguments.of(new double[] {-2.0},
            "Invalid value -2.0 for NAME[0]: must be finite and > 0"),
        Arguments.of(new double[] {Double.NaN},
            "Invalid value NaN for NAME[0]: must be finite and > 0"),
        Arguments.of(new double[] {1.0, 2.0, Double.POSITIVE_INFINITY},
            "Invalid value Infinity for NAME[2]: must be finite and > 0"));
  }

  @ParameterizedTest
  @MethodSource("invalidBandwidths")
  void invalidBandwidthsAreRejected(double[] values, String message) {
    double[][] x = {{0, 1}, {1, 0}};
    double[][] y = {{2, 1}, {1, 2}};

    assertEquals(message.replace("NAME", "bandwidths"), assertThrows(
        IllegalArgumentException.class, () -> Mmd.unbiasedMmd2(x, y, values)).getMessage());
    assertEquals(message.replace("NAME", "bandwidthMultipliers"), assertThrows(
        IllegalArgumentException.class, () -> Mmd.test(x, y, values, 10, 1L)).getMessage());
  }

  @ParameterizedTest
  @CsvSource({"0", "-1", "-2147483648"})
  void invalidPermutationsAreRejected(int permutations) {
    double[][] x = {{0, 1}, {1, 0}};
    double[][] y = {{2, 1}, {1, 2}};

    IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
        () -> Mmd.test(x, y, MULTIPLIERS, permutations, 1L));

    assertEquals("Invalid value " + permutations + " for permutations: must be >= 1",
        error.getMessage());
  }

  @Test
  void nullInputsAreRejected() {
    double[][] valid = {{0, 1}, {1, 0}};

    assertEquals("sample x is null", assertThrows(NullPointerException.class,
        () -> Mmd.unbiasedMmd2(null, valid, new double[] {1.0})).getMessage());
    assertEquals("sample y is null", assertThrows(NullPointerException.class,
        () -> Mmd.medianHeuristicBandwidth(valid, null)).getMessage());
    assertEquals("bandwidths is null", assertThrows(NullPointerException.class,
        () -> Mmd.unbiasedMmd2(valid, valid, null)).getMessage());
    assertEquals("bandwidthMultipliers is null", assertThrows(NullPointerException.class,
        () -> Mmd.test(valid, valid, null, 10, 1L)).getMessage());
  }

  /**
   * Independent MMD^2_u: by linearity, the estimate with the kernel mixture is the mean of the
   * estimates with each single Gaussian kernel, each written as its three explicit sums.
   */
  private static double averageOfSingleKernelMmd2(double[][] x, double[][] y,
      double[] bandwidths) {
    double total = 0;
    for (double s : bandwidths) {
      double withinX = 0;
      for (int i = 0; i < x.length; i++) {
        for (int j = 0; j < x.length; j++) {
          withinX += i == j ? 0 : gaussian(x[i], x[j], s);
        }
      }
      double withinY = 0;
      for (int i = 0; i < y.length; i++) {
        for (int j = 0; j < y.length; j++) {
          withinY += i == j ? 0 : gaussian(y[i], y[j], s);
        }
      }
      double cross = 0;
      for (double[] a : x) {
        for (double[] b : y) {
          cross += gaussian(a, b, s);
        }
      }
      int n = x.length;
      int m = y.length;
      total += withinX / (n * (n - 1.0)) + withinY / (m * (m - 1.0))
          - 2 * cross / (n * (double) m);
    }
    return total / bandwidths.length;
  }

  private static double gaussian(double[] a, double[] b, double s) {
    double squaredDistance = 0;
    for (int c = 0; c < a.length; c++) {
      squaredDistance += Math.pow(a[c] - b[c], 2);
    }
    return Math.exp(-squaredDistance / (2 * s * s));
  }

  /** Median over ordered pairs i != j, which counts each distance twice. */
  private static double medianDistance(double[][] rows) {
    double[] distances = new double[rows.length * (rows.length - 1)];
    int next = 0;
    for (int i = 0; i < rows.length; i++) {
      for (int j = 0; j < rows.length; j++) {
        if (i != j) {
          double squaredDistance = 0;
          for (int c = 0; c < rows[i].length; c++) {
            squaredDistance += (rows[i][c] - rows[j][c]) * (rows[i][c] - rows[j][c]);
          }
          distances[next++] = Math.sqrt(squaredDistance);
        }
      }
    }
    Arrays.sort(distances);
    return (distances[distances.length / 2 - 1] + distances[distances.length / 2]) / 2;
  }

  private static double[][] gaussianRows(Random random, int rows, int columns, double mean) {
    double[][] data = new double[rows][columns];
    for (double[] row : data) {
      for (int c = 0; c < columns; c++) {
        row[c] = mean + random.nextGaussian();
      }
    }
    return data;
  }

  private static double[][] concat(double[][] x, double[][] y) {
    double[][] pooled = new double[x.length + y.length][];
    System.arraycopy(x, 0, pooled, 0, x.length);
    System.arraycopy(y, 0, pooled, x.length, y.length);
    return pooled;
  }

  private static double[][] numpyX() {
    return new double[][] {{0.0, 1.0}, {1.5, -0.5}, {2.0, 2.0}, {-1.0, 0.5}};
  }

  private static double[][] numpyY() {
    return new double[][] {{3.0, 1.0}, {2.5, 2.5}, {4.0, 0.0}, {3.5, -1.0}, {1.0, 3.0}};
  }
}
