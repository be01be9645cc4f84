package io.ktp.drift;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.commons.math3.stat.inference.KolmogorovSmirnovTest;

/**
 * Per-feature two-sample Kolmogorov-Smirnov tests of a batch against a reference, with the
 * Benjamini-Hochberg correction over the features.
 *
 * <p>The digit features are counts 0..16, so most values are ties. For samples whose size product
 * is at least 10,000, commons-math3 3.6.1 computes the statistic on the tied values and the
 * asymptotic p-value, which is conservative for discrete data (the p-value is at least the exact
 * one), so ties do not raise the false-alarm rate.
 */
public final class FeatureShift {
  private FeatureShift() {
  }

  /**
   * One feature's test.
   *
   * @param feature feature index, 0-based
   * @param statistic KS statistic: the largest gap between the two empirical distribution functions
   * @param pValue the test's p-value
   * @param adjustedPValue Benjamini-Hochberg adjusted p-value over all features
   */
  public record FeatureTest(int feature, double statistic, double pValue, double adjustedPValue) {
  }

  /**
   * Tests every column of {@code batch} against the same column of {@code reference}. A column
   * that contains one and the same value in both samples has statistic 0 and p-value 1.
   *
   * @throws IllegalArgumentException when a sample has fewer than 2 rows or the column counts
   *     differ
   */
  public static List<FeatureTest> test(double[][] reference, double[][] batch) {
    if (reference.length < 2 || batch.length < 2) {
      throw new IllegalArgumentException("Each sample needs at least 2 rows, got "
          + reference.length + " reference and " + batch.length + " batch rows");
    }
    int features = reference[0].length;
    if (batch[0].length != features) {
      throw new IllegalArgumentException("The batch has " + batch[0].length
          + " features and the reference " + features);
    }
    KolmogorovSmirnovTest ks = new KolmogorovSmirnovTest();
    double[] statistics = new double[features];
    double[] pValues = new double[features];
    for (int f = 0; f < features; f++) {
      double[] x = column(reference, f);
      double[] y = column(batch, f);
      if (sameConstant(x, y)) {
        statistics[f] = 0;
        pValues[f] = 1;
      } else {
        statistics[f] = ks.kolmogorovSmirnovStatistic(x, y);
        pValues[f] = ks.kolmogorovSmirnovTest(x, y);
      }
    }
    double[] adjusted = benjaminiHochberg(pValues);
    List<FeatureTest> tests = new ArrayList<>(features);
    for (int f = 0; f < features; f++) {
      tests.add(new FeatureTest(f, statistics[f], pValues[f], adjusted[f]));
    }
    return Collections.unmodifiableList(tests);
  }

  /**
   * Returns Benjamini-Hochberg adjusted p-values (Benjamini and Hochberg, 1995): with the
   * p-values sorted ascending as p(1) .. p(m), the adjusted value of p(i) is
   * min over j >= i of min(1, m p(j) / j). A feature is rejected at false discovery rate q when its
   * adjusted value is below q. Example: p = (0.01, 0.04, 0.03) gives m p(j) / j = 0.03, 0.045,
   * 0.04 in sorted order (0.01, 0.03, 0.04), so the adjusted values are (0.03, 0.04, 0.04).
   *
   * <p>The smallest adjusted value is Simes' (1986) combined p-value of the global null hypothesis
   * that no feature shifted, valid for independent or positively dependent tests.
   */
  public static double[] benjaminiHochberg(double[] pValues) {
    int m = pValues.length;
    Integer[] order = new Integer[m];
    for (int i = 0; i < m; i++) {
      order[i] = i;
    }
    java.util.Arrays.sort(order, (a, b) -> Double.compare(pValues[a], pValues[b]));
    double[] adjusted = new double[m];
    double running = 1.0;
    for (int rank = m; rank >= 1; rank--) {
      int index = order[rank - 1];
      running = Math.min(running, Math.min(1.0, pValues[index] * m / rank));
      adjusted[index] = running;
    }
    return adjusted;
  }

  /** Returns the smallest adjusted p-value of {@code tests}, 1 when there are none. */
  public static double minAdjustedPValue(List<FeatureTest> tests) {
    double min = 1.0;
    for (FeatureTest test : tests) {
      min = Math.min(min, test.adjustedPValue());
    }
    return min;
  }

  /** Returns how many tests have an adjusted p-value below {@code q}. */
  public static int rejected(List<FeatureTest> tests, double q) {
    int count = 0;
    for (FeatureTest test : tests) {
      if (test.adjustedPValue() < q) {
        count++;
      }
    }
    return count;
  }

  private static double[] column(double[][] rows, int feature) {
    double[] values = new double[rows.length];
    for (int i = 0; i < rows.length; i++) {
      values[i] = rows[i][feature];
    }
    return values;
  }

  private static boolean sameConstant(double[] x, double[] y) {
    double value = x[0];
    for (double v : x) {
      if (v != value) {
        return false;
      }
    }
    for (double v : y) {
      if (v != value) {
        return false;
      }
    }
    return true;
  }
}
