package io.ktp.metrics;

/**
 * Accuracy on the source task before and after transfer to the target task, which measures how
 * much of the source task the transferred model forgets.
 *
 * @param accuracyBefore source-task accuracy of the source model, in [0, 1]
 * @param accuracyAfter source-task accuracy of the model after transfer, in [0, 1]
 */
public record Retention(double accuracyBefore, double accuracyAfter) {

  /** @throws IllegalArgumentException when an accuracy is outside [0, 1] or NaN */
  public Retention {
    AccuracyChecks.checkAccuracy("accuracyBefore", accuracyBefore);
    AccuracyChecks.checkAccuracy("accuracyAfter", accuracyAfter);
  }

  /**
   * Returns accuracyAfter / accuracyBefore: 1 means nothing was forgotten, 0.8 means a fifth of
   * the source accuracy was lost, and values above 1 mean the source task improved.
   *
   * @throws IllegalStateException when accuracyBefore is 0, because the ratio is then undefined
   */
  public double ratio() {
    if (accuracyBefore == 0) {
      throw new IllegalStateException("Retention ratio is undefined because accuracyBefore is 0"
          + " and the ratio would divide by it; use backwardTransfer() instead");
    }
    return accuracyAfter / accuracyBefore;
  }

  /**
   * Returns the backward transfer accuracyAfter - accuracyBefore, in [-1, 1]. This is BWT of
   * Lopez-Paz and Ranzato ("Gradient Episodic Memory for Continual Learning", NeurIPS 2017) for
   * two tasks, R(2, 1) - R(1, 1). Negative values mean forgetting. Example: 0.95 before and 0.90
   * after give -0.05.
   */
  public double backwardTransfer() {
    return accuracyAfter - accuracyBefore;
  }
}
