package io.ktp.denoise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Checks the OAS estimate against values computed independently with NumPy 2.4 from the same
 * rows, with scikit-learn's formula written out: mu = trace(S) / p, alpha = mean(S^2),
 * rho = min(1, (alpha + mu^2) / ((n + 1) (alpha - mu^2 / p))).
 */
class ShrunkCovarianceTest {
  private static final double TOLERANCE = 1e-8;

  /** Forty rows (i mod 7, 3i mod 5, i^2 mod 4 + (i mod 3) / 2), i = 0..39. */
  private static double[][] rows() {
    double[][] rows = new double[40][];
    for (int i = 0; i < rows.length; i++) {
      rows[i] = new double[] {i % 7, (3 * i) % 5, (i * i) % 4 + 0.5 * (i % 3)};
    }
    return rows;
  }

  private static double[] mean(double[][] rows) {
    double[] mean = new double[rows[0].length];
    for (double[] row : rows) {
      for (int j = 0; j < mean.length; j++) {
        mean[j] += row[j] / rows.length;
      }
    }
    return mean;
  }

  /** Returns the maximum-likelihood covariance (divided by n), as OAS expects. */
  private static double[][] sampleCovariance(double[][] rows) {
    double[] mean = mean(rows);
    int p = mean.length;
    double[][] covariance = new double[p][p];
    for (double[] row : rows) {
      for (int i = 0; i < p; i++) {
        for (int j = 0; j < p; j++) {
          covariance[i][j] += (row[i] - mean[i]) * (row[j] - mean[j]) / rows.length;
        }
      }
    }
    return covariance;
  }

  @Test
  void shrinkageAndEstimateMatchNumpy() {
    double[][] sample = sampleCovariance(rows());
    assertEquals(0.23673083695295666, ShrunkCovariance.shrinkage(sample, 40), TOLERANCE);
    double[][] expected = {
        {3.44015181, 0.09540865, -0.03935607},
        {0.09540865, 2.02094821, -0.01908173},
        {-0.03935607, -0.01908173, 0.80436872}};
    double[][] shrunk = ShrunkCovariance.estimate(sample, 40);
    for (int i = 0; i < expected.length; i++) {
      assertArrayEquals(expected[i], shrunk[i], 1e-7);
    }
  }

  @Test
  void mahalanobisDistanceMatchesNumpy() {
    double[][] rows = rows();
    Outliers.Model model = new Outliers.Model(new double[][] {mean(rows)},
        new double[][][] {ShrunkCovariance.inverse(sampleCovariance(rows), rows.length)});
    assertEquals(2.5129861900678865, model.distance(0, List.of(6.0, 0.0, 2.0)), 1e-6);
  }

  @Test
  void singularCovarianceIsShrunkToAnInvertibleOne() {
    // The worked example of the class comment: S = diag(4, 0) from 10 rows.
    double[][] sample = {{4, 0}, {0, 0}};
    assertEquals(8.0 / 22, ShrunkCovariance.shrinkage(sample, 10), TOLERANCE);
    double[][] inverse = ShrunkCovariance.inverse(sample, 10);
    assertEquals(1 / (4 * 14.0 / 22 + 2 * 8.0 / 22), inverse[0][0], 1e-8);
    assertEquals(1 / (2 * 8.0 / 22), inverse[1][1], 1e-8);
  }

  @Test
  void fewRowsShrinkAllTheWayToTheScaledIdentity() {
    double[][] sample = {{1.8, -0.4}, {-0.4, 0.9}};
    assertEquals(1.0, ShrunkCovariance.shrinkage(sample, 2), 0);
    double[][] shrunk = ShrunkCovariance.estimate(sample, 2);
    assertArrayEquals(new double[] {1.35, 0}, shrunk[0], TOLERANCE);
    assertArrayEquals(new double[] {0, 1.35}, shrunk[1], TOLERANCE);
  }
}
