package io.ktp.denoise;

import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.CholeskyDecomposition;
import org.apache.commons.math3.linear.RealMatrix;

/**
 * The Oracle Approximating Shrinkage covariance estimate (Chen, Wiesel, Eldar and Hero, 2010):
 * the sample covariance S pulled towards mu I, mu = trace(S) / p, by the factor
 *
 * <pre>
 *   rho = min(1, (tr(S^2) / p^2 + mu^2) / ((n + 1) (tr(S^2) / p^2 - mu^2 / p)))
 * </pre>
 *
 * <p>This is the form scikit-learn's {@code OAS} uses. With few rows per feature S is singular
 * (a digit corner that is always blank has zero variance), and the shrunk estimate is still
 * invertible, so Mahalanobis distances exist. Example: S = diag(4, 0) from n = 10 rows gives
 * mu = 2, tr(S^2)/p^2 = 4, rho = min(1, 8 / (11 x 2)) = 0.364 and the estimate diag(3.27, 0.73).
 */
final class ShrunkCovariance {
  private ShrunkCovariance() {
  }

  /** Returns the shrinkage factor rho for a p x p sample covariance from n rows. */
  static double shrinkage(double[][] sample, long n) {
    int p = sample.length;
    double trace = 0;
    double squares = 0;
    for (int i = 0; i < p; i++) {
      trace += sample[i][i];
      for (int j = 0; j < p; j++) {
        squares += sample[i][j] * sample[i][j];
      }
    }
    double mu = trace / p;
    double alpha = squares / ((double) p * p);
    double denominator = (n + 1) * (alpha - mu * mu / p);
    return denominator <= 0 ? 1.0 : Math.min(1.0, (alpha + mu * mu) / denominator);
  }

  /** Returns the shrunk estimate (1 - rho) S + rho mu I. */
  static double[][] estimate(double[][] sample, long n) {
    int p = sample.length;
    double rho = shrinkage(sample, n);
    double mu = 0;
    for (int i = 0; i < p; i++) {
      mu += sample[i][i] / p;
    }
    double[][] shrunk = new double[p][p];
    for (int i = 0; i < p; i++) {
      for (int j = 0; j < p; j++) {
        shrunk[i][j] = (1 - rho) * sample[i][j] + (i == j ? rho * mu : 0);
      }
    }
    return shrunk;
  }

  /**
   * Returns the inverse of the shrunk estimate. A class whose rows are all identical has mu = 0;
   * a ridge of 1e-9 keeps its inverse finite (every other row is then very far from it).
   */
  static double[][] inverse(double[][] sample, long n) {
    double[][] shrunk = estimate(sample, n);
    for (int i = 0; i < shrunk.length; i++) {
      shrunk[i][i] += 1e-9;
    }
    RealMatrix matrix = new Array2DRowRealMatrix(shrunk, false);
    return new CholeskyDecomposition(matrix, 1e-12, 1e-15).getSolver().getInverse().getData();
  }
}
