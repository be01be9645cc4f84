package io.ktp.metrics;

/** Summaries of a learning curve: one accuracy in [0, 1] per epoch, in epoch order. */
public final class Convergence {
  /** Value of {@link #epochsToReach} when no epoch reaches the target. */
  public static final int NOT_REACHED = -1;

  private Convergence() {
  }

  /**
   * Returns the 1-based number of the first epoch whose accuracy is >= {@code target}, or
   * {@link #NOT_REACHED} (-1) when no epoch reaches it. Example: {0.5, 0.8, 0.9} and target 0.8
   * give 2.
   *
   * @param target accuracy to reach, in [0, 1]
   * @throws IllegalArgumentException when the curve is empty or a value or the target is outside
   *     [0, 1]
   */
  public static int epochsToReach(double[] accuracyPerEpoch, double target) {
    AccuracyChecks.checkCurve("accuracyPerEpoch", accuracyPerEpoch);
    AccuracyChecks.checkAccuracy("target", target);

    for (int epoch = 0; epoch < accuracyPerEpoch.length; epoch++) {
      if (accuracyPerEpoch[epoch] >= target) {
        return epoch + 1;
      }
    }
    return NOT_REACHED;
  }

  /**
   * Returns the area under the learning curve divided by the number of epochs, which is the mean
   * accuracy across epochs, in [0, 1]. Each epoch counts as a step of width 1 (no trapezoids), so
   * a model that learns faster scores higher. Example: {0.5, 0.8, 0.9} gives 2.2 / 3 = 0.7333.
   *
   * @throws IllegalArgumentException when the curve is empty or a value is outside [0, 1]
   */
  public static double areaUnderCurve(double[] accuracyPerEpoch) {
    AccuracyChecks.checkCurve("accuracyPerEpoch", accuracyPerEpoch);

    double sum = 0;
    for (double accuracy : accuracyPerEpoch) {
      sum += accuracy;
    }
    return sum / accuracyPerEpoch.length;
  }
}
