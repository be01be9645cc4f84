package io.ktp.metrics;

import io.ktp.cli.Checks;
import java.util.Arrays;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Squared Maximum Mean Discrepancy (MMD^2) between two samples and its permutation test (Gretton,
 * Borgwardt, Rasch, Schoelkopf and Smola, "A Kernel Two-Sample Test", JMLR 13, 2012).
 *
 * <p>Samples are {@code double[][]} with one row per example. Both samples need at least 2 rows,
 * every row the same number of columns (at least 1) and only finite values. Methods throw
 * {@link IllegalArgumentException} naming the offending row, column or value otherwise, and
 * {@link NullPointerException} for a null sample.
 *
 * <p>Kernel convention: a mixture of Gaussian kernels with equal weights,
 * k(a, b) = (1 / S) * sum over the S bandwidths s of exp(-||a - b||^2 / (2 s^2)), so k(a, a) = 1.
 * Example: a = (0, 0), b = (3, 4) and bandwidths {5, 10} give ||a - b||^2 = 25 and
 * k(a, b) = (exp(-25 / 50) + exp(-25 / 200)) / 2 = (0.60653 + 0.88250) / 2 = 0.74451.
 */
public final class Mmd {
  /**
   * Maximum pooled rows whose pairwise distances {@link #medianHeuristicBandwidth} uses. Larger
   * pooled samples are subsampled, which keeps the cost at about 500,000 distances.
   */
  public static final int MEDIAN_SUBSAMPLE_ROWS = 1000;

  private Mmd() {
  }

  /**
   * Computes the median heuristic bandwidth: the median Euclidean distance between distinct rows
   * of the pooled sample (x rows first, then y rows).
   *
   * <p>Each unordered pair {i, j} with i != j counts once, which gives the same median as counting
   * both orders. With an even number of pairs the median is the mean of the two middle distances.
   * Example: x = {0, 1} and y = {3, 7} on a line give the distances 1, 2, 3, 4, 6, 7 and the
   * median 3.5.
   *
   * <p>When the pooled sample has more than {@value #MEDIAN_SUBSAMPLE_ROWS} rows, only the rows at
   * the evenly spaced indices floor(k * N / 1000), k = 0 .. 999, are used. The subsample is
   * deterministic and keeps about the proportion of x and y rows.
   *
   * <p>A median of 0 means that more than half of the pairs are duplicate rows, and a kernel with
   * bandwidth 0 is undefined. The method then returns the mean distance over the same pairs, and
   * 1.0 when all those rows are identical.
   *
   * @throws IllegalArgumentException when a sample is invalid (see the class documentation)
   */
  public static double medianHeuristicBandwidth(double[][] x, double[][] y) {
    checkSamples(x, y);

    double[][] pooled = pool(x, y);
    double[][] rows = pooled.length > MEDIAN_SUBSAMPLE_ROWS
        ? evenlySpacedRows(pooled, MEDIAN_SUBSAMPLE_ROWS) : pooled;
    double[] distances = distinctPairDistances(rows);
    Arrays.sort(distances);

    double median = sortedMedian(distances);
    if (median > 0) {
      return median;
    }
    double mean = Arrays.stream(distances).sum() / distances.length;
    return mean > 0 ? mean : 1.0;
  }

  /**
   * Computes the unbiased estimate MMD^2_u of Gretton et al. (2012, Lemma 6) with the kernel
   * mixture of the class documentation:
   *
   * <pre>
   * MMD^2_u = 1 / (n (n - 1)) sum_{i != j} k(x_i, x_j)
   *         + 1 / (m (m - 1)) sum_{i != j} k(y_i, y_j)
   *         - 2 / (n m)       sum_{i, j}   k(x_i, y_j)
   * </pre>
   *
   * <p>The within-sample sums leave out i == j, so the estimate is unbiased and can be slightly
   * negative when both samples come from the same distribution.
   *
   * @param bandwidths kernel bandwidths, in the units of the columns; at least one, each finite and
   *     > 0
   * @throws IllegalArgumentException when a sample or a bandwidth is invalid
   */
  public static double unbiasedMmd2(double[][] x, double[][] y, double[] bandwidths) {
    checkSamples(x, y);
    checkPositiveValues("bandwidths", bandwidths);

    GaussianMixtureKernel kernel = new GaussianMixtureKernel(bandwidths);
    double pairSumX = distinctPairSum(x, kernel);
    double pairSumY = distinctPairSum(y, kernel);
    double crossSum = 0;
    for (double[] rowX : x) {
      for (double[] rowY : y) {
        crossSum += kernel.value(rowX, rowY);
      }
    }
    return combinePairSums(pairSumX, pairSumY, crossSum, x.length, y.length);
  }

  /**
   * Runs the permutation test of MMD^2_u with bandwidths = multipliers x the median heuristic.
   *
   * <p>The kernel values of the pooled sample are computed once. The observed statistic uses the
   * original split, and each permutation re-sums the same values after a seeded shuffle of the
   * group labels (Fisher-Yates with {@link SplittableRandom}). The p-value is
   * (1 + #{permutations with MMD^2_u >= observed}) / (1 + permutations), which counts the observed
   * split as one permutation, so it lies in [1 / (1 + permutations), 1] and is never 0.
   *
   * <p>NOTE: the kernel values take 8 N (N - 1) / 2 bytes for N = n + m pooled rows, about 400 MB
   * for N = 10,000, and each permutation costs N (N - 1) / 2 additions.
   *
   * @param bandwidthMultipliers factors applied to {@link #medianHeuristicBandwidth}; at least one,
   *     each finite and > 0. {1.0} is the plain median heuristic.
   * @param permutations number of random permutations, >= 1; the smallest possible p-value is
   *     1 / (1 + permutations)
   * @param seed seed of the permutation generator; equal inputs and seeds give equal results
   * @throws IllegalArgumentException when a sample, a multiplier or the permutation count is
   *     invalid
   */
  public static MmdResult test(double[][] x, double[][] y, double[] bandwidthMultipliers,
      int permutations, long seed) {
    checkSamples(x, y);
    checkPositiveValues("bandwidthMultipliers", bandwidthMultipliers);
    if (permutations < 1) {
      throw new IllegalArgumentException(
          Checks.invalid("permutations", permutations, "must be >= 1"));
    }

    double median = medianHeuristicBandwidth(x, y);
    double[] bandwidths = new double[bandwidthMultipliers.length];
    for (int i = 0; i < bandwidths.length; i++) {
      bandwidths[i] = bandwidthMultipliers[i] * median;
    }
    checkPositiveValues("bandwidths", bandwidths);
    PooledKernelMatrix kernelMatrix =
        new PooledKernelMatrix(pool(x, y), new GaussianMixtureKernel(bandwidths));

    int[] groups = new int[x.length + y.length];
    Arrays.fill(groups, x.length, groups.length, PooledKernelMatrix.GROUP_Y);
    double observed = kernelMatrix.unbiasedMmd2(groups, x.length);

    SplittableRandom random = new SplittableRandom(seed);
    int atLeastObserved = 0;
    for (int p = 0; p < permutations; p++) {
      shuffle(groups, random);
      if (kernelMatrix.unbiasedMmd2(groups, x.length) >= observed) {
        atLeastObserved++;
      }
    }
    double pValue = (1.0 + atLeastObserved) / (1.0 + permutations);
    return new MmdResult(observed, pValue, permutations, bandwidths, x.length, y.length);
  }

  /**
   * Combines kernel sums into MMD^2_u. The within-sample sums run over pairs i < j, so each is
   * doubled to match the sum over i != j.
   */
  static double combinePairSums(double pairSumX, double pairSumY, double crossSum, int sizeX,
      int sizeY) {
    double n = sizeX;
    double m = sizeY;
    return 2.0 * pairSumX / (n * (n - 1)) + 2.0 * pairSumY / (m * (m - 1))
        - 2.0 * crossSum / (n * m);
  }

  private static double distinctPairSum(double[][] rows, GaussianMixtureKernel kernel) {
    double sum = 0;
    for (int i = 0; i < rows.length; i++) {
      for (int j = i + 1; j < rows.length; j++) {
        sum += kernel.value(rows[i], rows[j]);
      }
    }
    return sum;
  }

  private static double[] distinctPairDistances(double[][] rows) {
    double[] distances = new double[rows.length * (rows.length - 1) / 2];
    int next = 0;
    for (int i = 0; i < rows.length; i++) {
      for (int j = i + 1; j < rows.length; j++) {
        distances[next++] = Math.sqrt(GaussianMixtureKernel.squaredDistance(rows[i], rows[j]));
      }
    }
    return distances;
  }

  private static double sortedMedian(double[] sorted) {
    int middle = sorted.length / 2;
    if (sorted.length % 2 == 1) {
      return sorted[middle];
    }
    return (sorted[middle - 1] + sorted[middle]) / 2.0;
  }

  private static double[][] evenlySpacedRows(double[][] rows, int count) {
    double[][] subsample = new double[count][];
    for (int k = 0; k < count; k++) {
      subsample[k] = rows[(int) ((long) k * rows.length / count)];
    }
    return subsample;
  }

  private static double[][] pool(double[][] x, double[][] y) {
    double[][] pooled = Arrays.copyOf(x, x.length + y.length);
    System.arraycopy(y, 0, pooled, x.length, y.length);
    return pooled;
  }

  private static void shuffle(int[] values, SplittableRandom random) {
    for (int i = values.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int swap = values[i];
      values[i] = values[j];
      values[j] = swap;
    }
  }

  private static void checkSamples(double[][] x, double[][] y) {
    Objects.requireNonNull(x, "sample x is null");
    Objects.requireNonNull(y, "sample y is null");
    checkRowCount("x", x);
    checkRowCount("y", y);

    if (x[0] == null) {
      throw new IllegalArgumentException(
          Checks.invalid("row 0 of sample x", null, "must be an array of column values"));
    }
    int columns = x[0].length;
    if (columns == 0) {
      throw new IllegalArgumentException(
          Checks.invalid("the column count of row 0 of sample x", 0, "must be >= 1"));
    }
    checkRows("x", x, columns);
    checkRows("y", y, columns);
  }

  private static void checkRowCount(String sample, double[][] rows) {
    if (rows.length < 2) {
      throw new IllegalArgumentException(Checks.invalid("the row count of sample " + sample,
          rows.length, "must be >= 2, because the unbiased estimator averages over pairs of"
              + " distinct rows"));
    }
  }

  private static void checkRows(String sample, double[][] rows, int columns) {
    for (int i = 0; i < rows.length; i++) {
      double[] row = rows[i];
      if (row == null) {
        throw new IllegalArgumentException(Checks.invalid("row " + i + " of sample " + sample,
            null, "must be an array of " + columns + " column values"));
      }
      if (row.length != columns) {
        throw new IllegalArgumentException(Checks.invalid(
            "the column count of row " + i + " of sample " + sample, row.length,
            "must be " + columns + ", the column count of row 0 of sample x"));
      }
      for (int c = 0; c < columns; c++) {
        if (!Double.isFinite(row[c])) {
          throw new IllegalArgumentException(Checks.invalid(
              "row " + i + ", column " + c + " of sample " + sample, row[c],
              "must be finite; remove or impute missing values first"));
        }
      }
    }
  }

  private static void checkPositiveValues(String name, double[] values) {
    Objects.requireNonNull(values, name + " is null");
    if (values.length == 0) {
      throw new IllegalArgumentException(
          Checks.invalid(name, "[]", "must contain at least one value"));
    }
    for (int i = 0; i < values.length; i++) {
      if (!(Double.isFinite(values[i]) && values[i] > 0)) {
        throw new IllegalArgumentException(
            Checks.invalid(name + "[" + i + "]", values[i], "must be finite and > 0"));
      }
    }
  }
}
