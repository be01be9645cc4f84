package io.ktp.drift;

import org.apache.commons.math3.stat.inference.ChiSquareTest;

/**
 * The shift of a model's predicted-class distribution between a reference and a batch: Pearson's
 * chi-square test of homogeneity on the 2 x classes table of predicted-class counts, and the total
 * variation distance between the two predicted-class distributions.
 *
 * @param referenceCounts predicted-class counts on the reference rows
 * @param batchCounts predicted-class counts on the batch rows
 * @param chiSquare the chi-square statistic over the classes that either sample predicts
 * @param degreesOfFreedom those classes minus 1
 * @param pValue the test's p-value; 1 when fewer than 2 classes are predicted at all
 * @param totalVariation half the sum over classes of the absolute difference of the two
 *     predicted-class fractions, in [0, 1]
 */
public record ClassShift(long[] referenceCounts, long[] batchCounts, double chiSquare,
    int degreesOfFreedom, double pValue, double totalVariation) {

  /**
   * Compares the predicted classes of two samples, each an array of class indices in
   * [0, classes).
   *
   * <p>Example: reference counts (50, 50) and batch counts (30, 70) give fractions (0.5, 0.5) and
   * (0.3, 0.7), so a total variation of 0.2, and a chi-square of 8.33 with 1 degree of freedom
   * (p = 0.0039).
   *
   * @throws IllegalArgumentException when a sample is empty or a class index is out of range
   */
  public static ClassShift of(int[] referencePredictions, int[] batchPredictions, int classes) {
    long[] reference = counts(referencePredictions, classes, "reference");
    long[] batch = counts(batchPredictions, classes, "batch");
    int used = 0;
    for (int c = 0; c < classes; c++) {
      if (reference[c] + batch[c] > 0) {
        used++;
      }
    }
    double totalVariation = 0;
    for (int c = 0; c < classes; c++) {
      totalVariation += Math.abs((double) reference[c] / referencePredictions.length
          - (double) batch[c] / batchPredictions.length);
    }
    totalVariation /= 2;
    if (used < 2) {
      return new ClassShift(reference, batch, 0, 0, 1.0, totalVariation);
    }
    // commons-math3 rejects a class that neither sample predicts, which adds nothing to the test.
    long[] referenceUsed = new long[used];
    long[] batchUsed = new long[used];
    int next = 0;
    for (int c = 0; c < classes; c++) {
      if (reference[c] + batch[c] > 0) {
        referenceUsed[next] = reference[c];
        batchUsed[next] = batch[c];
        next++;
      }
    }
    ChiSquareTest test = new ChiSquareTest();
    double statistic = test.chiSquareDataSetsComparison(referenceUsed, batchUsed);
    double pValue = test.chiSquareTestDataSetsComparison(referenceUsed, batchUsed);
    return new ClassShift(reference, batch, statistic, used - 1, pValue, totalVariation);
  }

  private static long[] counts(int[] predictions, int classes, String sample) {
    if (predictions.length == 0) {
      throw new IllegalArgumentException("The " + sample + " sample has no predictions");
    }
    long[] counts = new long[classes];
    for (int p : predictions) {
      if (p < 0 || p >= classes) {
        throw new IllegalArgumentException("Predicted class " + p + " of the " + sample
            + " sample is outside [0, " + classes + ")");
      }
      counts[p]++;
    }
    return counts;
  }
}
