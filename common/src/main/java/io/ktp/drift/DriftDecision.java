package io.ktp.drift;

/**
 * Whether a batch drifted from the reference, from three tests: the MMD permutation test on the
 * features, the per-feature Kolmogorov-Smirnov tests combined by Simes' method (the smallest
 * Benjamini-Hochberg adjusted p-value), and the chi-square test of the predicted classes.
 *
 * <p>The combined p-value is the Bonferroni bound min(1, 3 x the smallest of the three p-values),
 * so under no drift the chance that it falls below alpha is at most alpha, whatever the
 * dependence between the three tests. Example: p-values 0.002, 0.4 and 0.03 combine to 0.006,
 * which advises recalibration at alpha = 0.01.
 *
 * @param mmdPValue permutation p-value of MMD^2
 * @param featurePValue smallest Benjamini-Hochberg adjusted p-value over the features
 * @param classPValue chi-square p-value of the predicted-class counts
 * @param pValue combined p-value
 * @param alpha significance level
 * @param advised true when {@code pValue < alpha}
 * @param reason which tests fell below alpha / 3, or that none did
 */
public record DriftDecision(double mmdPValue, double featurePValue, double classPValue,
    double pValue, double alpha, boolean advised, String reason) {
  private static final int TESTS = 3;

  /** Combines the three p-values at level {@code alpha}, in (0, 1). */
  public static DriftDecision of(double mmdPValue, double featurePValue, double classPValue,
      double alpha) {
    if (!(alpha > 0 && alpha < 1)) {
      throw new IllegalArgumentException("alpha must be in (0, 1), got " + alpha);
    }
    double smallest = Math.min(mmdPValue, Math.min(featurePValue, classPValue));
    double combined = Math.min(1.0, TESTS * smallest);
    double perTest = alpha / TESTS;
    StringBuilder reason = new StringBuilder();
    append(reason, mmdPValue < perTest, "MMD p-value " + format(mmdPValue));
    append(reason, featurePValue < perTest, "per-feature KS adjusted p-value "
        + format(featurePValue));
    append(reason, classPValue < perTest, "predicted-class chi-square p-value "
        + format(classPValue));
    boolean advised = combined < alpha;
    String text = advised
        ? "drift: " + reason + " below alpha / 3 = " + format(perTest)
        : "no drift: every p-value is at least alpha / 3 = " + format(perTest);
    return new DriftDecision(mmdPValue, featurePValue, classPValue, combined, alpha, advised,
        text);
  }

  private static void append(StringBuilder reason, boolean below, String test) {
    if (below) {
      if (reason.length() > 0) {
        reason.append(", ");
      }
      reason.append(test);
    }
  }

  private static String format(double value) {
    return String.format(java.util.Locale.ROOT, "%.3g", value);
  }
}
