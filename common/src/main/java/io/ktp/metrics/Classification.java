package io.ktp.metrics;

import io.ktp.cli.Checks;
import java.util.Objects;

/**
 * Classification metrics on integer class labels 0 .. classes - 1.
 *
 * <p>Confusion matrices have one row per true class and one column per predicted class:
 * {@code confusion[t][p]} counts the examples of class t predicted as p.
 */
public final class Classification {
  private Classification() {
  }

  /**
   * Returns the fraction of examples whose predicted label equals the true label.
   *
   * @throws IllegalArgumentException when the arrays are empty, differ in length or contain a
   *     negative label
   */
  public static double accuracy(int[] truth, int[] predicted) {
    checkLengths(truth, predicted);
    checkNonNegative("truth", truth);
    checkNonNegative("predicted", predicted);

    long correct = 0;
    for (int i = 0; i < truth.length; i++) {
      if (truth[i] == predicted[i]) {
        correct++;
      }
    }
    return (double) correct / truth.length;
  }

  /**
   * Counts true/predicted label pairs into a {@code classes x classes} matrix, rows = true class.
   *
   * @param classes number of classes, >= 1, and every label must be in [0, classes)
   * @throws IllegalArgumentException when the arrays are empty, differ in length or contain a
   *     label outside [0, classes)
   */
  public static long[][] confusionMatrix(int[] truth, int[] predicted, int classes) {
    if (classes < 1) {
      throw new IllegalArgumentException(Checks.invalid("classes", classes, "must be >= 1"));
    }
    checkLengths(truth, predicted);
    checkLabelRange("truth", truth, classes);
    checkLabelRange("predicted", predicted, classes);

    long[][] confusion = new long[classes][classes];
    for (int i = 0; i < truth.length; i++) {
      confusion[truth[i]][predicted[i]]++;
    }
    return confusion;
  }

  /**
   * Returns the recall TP / (TP + FN) of each class, the diagonal count over its row sum.
   * A class with no true examples (row sum 0) gets {@link Double#NaN}, because its recall is
   * undefined.
   *
   * @throws IllegalArgumentException when the matrix is empty, not square or has a negative count
   */
  public static double[] perClassRecall(long[][] confusion) {
    checkConfusion(confusion);

    double[] recall = new double[confusion.length];
    for (int c = 0; c < confusion.length; c++) {
      long support = rowSum(confusion, c);
      recall[c] = support == 0 ? Double.NaN : (double) confusion[c][c] / support;
    }
    return recall;
  }

  /**
   * Returns the precision TP / (TP + FP) of each class, the diagonal count over its column sum.
   * A class that was never predicted (column sum 0) gets {@link Double#NaN}, because its precision
   * is undefined.
   *
   * @throws IllegalArgumentException when the matrix is empty, not square or has a negative count
   */
  public static double[] perClassPrecision(long[][] confusion) {
    checkConfusion(confusion);

    double[] precision = new double[confusion.length];
    for (int c = 0; c < confusion.length; c++) {
      long predictedCount = columnSum(confusion, c);
      precision[c] = predictedCount == 0 ? Double.NaN : (double) confusion[c][c] / predictedCount;
    }
    return precision;
  }

  /**
   * Returns the macro-averaged F1 score: the unweighted mean of the per-class F1 scores.
   *
   * <p>Each class gets F1 = 2 TP / (2 TP + FP + FN), which equals 2 P R / (P + R) when precision P
   * and recall R are defined and is 0 when the class has support or predictions but no true
   * positives. A class with neither support nor predictions (row and column sum 0) has no F1 and is
   * skipped, so it neither lowers nor raises the mean. Example: {{2, 1}, {0, 1}} gives
   * F1 = 4/5 and 2/3 and a macro F1 of 11/15 = 0.7333.
   *
   * @throws IllegalArgumentException when the matrix is empty, not square, has a negative count or
   *     has no counts at all
   */
  public static double macroF1(long[][] confusion) {
    checkConfusion(confusion);

    double sum = 0;
    int counted = 0;
    for (int c = 0; c < confusion.length; c++) {
      long truePositives = confusion[c][c];
      long support = rowSum(confusion, c);
      long predictedCount = columnSum(confusion, c);
      if (support == 0 && predictedCount == 0) {
        continue;
      }
      // 2 TP + FP + FN = predicted + support, because FP = predicted - TP and FN = support - TP.
      sum += 2.0 * truePositives / (support + predictedCount);
      counted++;
    }
    if (counted == 0) {
      throw new IllegalArgumentException(Checks.invalid("the total count of confusion", 0,
          "must be >= 1, because macro F1 needs at least one example"));
    }
    return sum / counted;
  }

  private static long rowSum(long[][] confusion, int row) {
    long sum = 0;
    for (long count : confusion[row]) {
      sum += count;
    }
    return sum;
  }

  private static long columnSum(long[][] confusion, int column) {
    long sum = 0;
    for (long[] row : confusion) {
      sum += row[column];
    }
    return sum;
  }

  private static void checkLengths(int[] truth, int[] predicted) {
    Objects.requireNonNull(truth, "truth is null");
    Objects.requireNonNull(predicted, "predicted is null");
    if (truth.length == 0) {
      throw new IllegalArgumentException(Checks.invalid("truth.length", 0,
          "must be >= 1, one label per example"));
    }
    if (predicted.length != truth.length) {
      throw new IllegalArgumentException(Checks.invalid("predicted.length", predicted.length,
          "must equal truth.length " + truth.length + ", one prediction per example"));
    }
  }

  private static void checkNonNegative(String name, int[] labels) {
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0) {
        throw new IllegalArgumentException(
            Checks.invalid(name + "[" + i + "]", labels[i], "must be >= 0"));
      }
    }
  }

  private static void checkLabelRange(String name, int[] labels, int classes) {
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0 || labels[i] >= classes) {
        throw new IllegalArgumentException(Checks.invalid(name + "[" + i + "]", labels[i],
            "must be in [0, " + classes + ") for " + classes + " classes"));
      }
    }
  }

  private static void checkConfusion(long[][] confusion) {
    Objects.requireNonNull(confusion, "confusion is null");
    if (confusion.length == 0) {
      throw new IllegalArgumentException(
          Checks.invalid("confusion.length", 0, "must be >= 1, one row per class"));
    }
    for (int t = 0; t < confusion.length; t++) {
      checkConfusionRow(t, confusion[t], confusion.length);
    }
  }

  private static void checkConfusionRow(int t, long[] row, int classes) {
    if (row == null) {
      throw new IllegalArgumentException(Checks.invalid("confusion[" + t + "]", null,
          "must be a row of " + classes + " counts"));
    }
    if (row.length != classes) {
      throw new IllegalArgumentException(Checks.invalid("confusion[" + t + "].length", row.length,
          "must equal confusion.length " + classes + ", because a confusion matrix is square"));
    }
    for (int p = 0; p < row.length; p++) {
      if (row[p] < 0) {
        throw new IllegalArgumentException(
            Checks.invalid("confusion[" + t + "][" + p + "]", row[p], "must be >= 0"));
      }
    }
  }
}
