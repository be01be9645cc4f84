package io.ktp.metrics;

/**
 * Mixture of Gaussian (RBF) kernels with equal weights: k(a, b) = mean over bandwidths s of
 * exp(-||a - b||^2 / (2 s^2)).
 */
final class GaussianMixtureKernel {
  /** -1 / (2 s^2) for each bandwidth s, so each term is exp(coefficient * squared distance). */
  private final double[] exponentCoefficients;

  /** @param bandwidths finite bandwidths > 0, already validated by the caller */
  GaussianMixtureKernel(double[] bandwidths) {
    exponentCoefficients = new double[bandwidths.length];
    for (int i = 0; i < bandwidths.length; i++) {
      exponentCoefficients[i] = -1.0 / (2.0 * bandwidths[i] * bandwidths[i]);
    }
  }

  double value(double[] a, double[] b) {
    return valueAtSquaredDistance(squaredDistance(a, b));
  }

  double valueAtSquaredDistance(double squaredDistance) {
    if (squaredDistance == 0) {
      // Exact, and avoids -Infinity * 0 = NaN when a tiny bandwidth makes s^2 underflow to 0.
      return 1.0;
    }
    double sum = 0;
    for (double coefficient : exponentCoefficients) {
      sum += Math.exp(coefficient * squaredDistance);
    }
    return sum / exponentCoefficients.length;
  }

  static double squaredDistance(double[] a, double[] b) {
    double sum = 0;
    for (int i = 0; i < a.length; i++) {
      double difference = a[i] - b[i];
      sum += difference * difference;
    }
    return sum;
  }
}
