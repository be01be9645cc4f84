package io.ktp.denoise;

/**
 * Label-issue detection by confident learning (Northcutt, Jiang and Chuang, 2021) on out-of-fold
 * predicted probabilities.
 *
 * <p>The threshold of class j is the mean predicted probability of j over the rows labelled j: the
 * model's typical self-confidence in that class. A row labelled i counts as confidently in class j
 * when p_j reaches t_j; among such classes the most probable one is its confident class. A row
 * is flagged when its confident class differs from its label and its most probable class does
 * too (the intersection that the paper's authors call "both"). Example with t = (0.9, 0.8): a
 * row labelled 0 with p = (0.15, 0.85) is confidently class 1 and its argmax is 1, so it is
 * flagged with margin 0.85 - 0.15 = 0.70; with p = (0.3, 0.7) nothing reaches its threshold and
 * the row stays.
 */
final class ConfidentLearning {
  private ConfidentLearning() {
  }

  /**
   * Returns the per-class thresholds from the sums of each row's probability of its own label
   * and the row counts per label. A class without rows gets NaN, so it is never a confident class.
   */
  static double[] thresholds(double[] ownProbabilitySums, long[] rows) {
    double[] thresholds = new double[rows.length];
    for (int c = 0; c < rows.length; c++) {
      thresholds[c] = rows[c] == 0 ? Double.NaN : ownProbabilitySums[c] / rows[c];
    }
    return thresholds;
  }

  /** Returns the class a flagged row likely belongs to, or -1 when the row is not flagged. */
  static int suggestedLabel(float[] probabilities, int label, double[] thresholds) {
    int confident = -1;
    int argMax = 0;
    for (int c = 0; c < probabilities.length; c++) {
      if (probabilities[c] > probabilities[argMax]) {
        argMax = c;
      }
      boolean reaches = probabilities[c] >= thresholds[c];
      if (reaches && (confident < 0 || probabilities[c] > probabilities[confident])) {
        confident = c;
      }
    }
    return confident >= 0 && confident != label && argMax != label ? confident : -1;
  }
}
