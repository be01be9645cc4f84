package io.ktp.augment;

import java.util.Random;
import org.apache.commons.math3.distribution.BetaDistribution;
import org.apache.commons.math3.random.Well19937c;

/**
 * Mixup (Zhang, Cisse, Dauphin and Lopez-Paz, 2018): a synthetic row is the convex combination
 * {@code lambda * a + (1 - lambda) * b} of two rows' features and of their one-hot labels, with
 * lambda drawn from Beta(alpha, alpha). A small alpha such as 0.2 puts most lambdas near 0 or 1,
 * so most copies stay close to one of the two rows. Example with 3 classes: a = (0, 4) of class 0,
 * b = (2, 0) of class 2 and lambda = 0.75 give features (0.5, 3) and label weights
 * (0.75, 0, 0.25).
 */
final class Mixup {
  private Mixup() {
  }

  /** Draws lambda from Beta(alpha, alpha) with a generator seeded from {@code random}. */
  static double lambda(double alpha, Random random) {
    return new BetaDistribution(new Well19937c(random.nextLong()), alpha, alpha,
        BetaDistribution.DEFAULT_INVERSE_ABSOLUTE_ACCURACY).sample();
  }

  /** Returns {@code lambda * a + (1 - lambda) * b}, element by element. */
  static double[] mix(double[] a, double[] b, double lambda) {
    double[] mixed = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      mixed[i] = lambda * a[i] + (1 - lambda) * b[i];
    }
    return mixed;
  }

  /** Returns the mixed one-hot labels of classes {@code a} and {@code b}, of length classes. */
  static double[] labelWeights(int a, int b, double lambda, int classes) {
    double[] weights = new double[classes];
    weights[a] += lambda;
    weights[b] += 1 - lambda;
    return weights;
  }

  /** Returns the most probable class; a tie goes to {@code preferred}, the row's own class. */
  static int argmax(double[] weights, int preferred) {
    int best = preferred;
    for (int i = 0; i < weights.length; i++) {
      if (weights[i] > weights[best]) {
        best = i;
      }
    }
    return best;
  }
}
