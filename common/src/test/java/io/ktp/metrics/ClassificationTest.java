package io.ktp.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ClassificationTest {
  // Three classes with different precision and recall, so a swap of rows and columns shows.
  private static final int[] TRUTH = {0, 0, 0, 1, 1, 2, 2, 2, 2};
  private static final int[] PREDICTED = {0, 0, 0, 0, 1, 2, 2, 1, 2};
  private static final long[][] CONFUSION = {{3, 0, 0}, {1, 1, 0}, {0, 1, 3}};

  @Test
  void accuracyOfThreeClassExample() {
    assertEquals(7.0 / 9, Classification.accuracy(TRUTH, PREDICTED), 1e-15);
  }

  static Stream<Arguments> accuracyCases() {
    return Stream.of(
        Arguments.of(new int[] {1}, new int[] {1}, 1.0),
        Arguments.of(new int[] {1}, new int[] {0}, 0.0),
        Arguments.of(new int[] {0, 1, 2, 3}, new int[] {0, 1, 3, 2}, 0.5),
        Arguments.of(new int[] {5, 5, 5}, new int[] {5, 5, 7}, 2.0 / 3));
  }

  @ParameterizedTest
  @MethodSource("accuracyCases")
  void accuracy(int[] truth, int[] predicted, double expected) {
    assertEquals(expected, Classification.accuracy(truth, predicted), 1e-15);
  }

  @Test
  void confusionMatrixRowsAreTruth() {
    long[][] confusion = Classification.confusionMatrix(TRUTH, PREDICTED, 3);

    assertArrayEquals(CONFUSION, confusion);
  }

  @Test
  void confusionMatrixKeepsUnusedClasses() {
    long[][] confusion = Classification.confusionMatrix(new int[] {0, 2}, new int[] {2, 2}, 4);

    assertArrayEquals(new long[][] {{0, 0, 1, 0}, {0, 0, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 0}},
        confusion);
  }

  @Test
  void recallAndPrecisionOfThreeClassExample() {
    // Recall = diagonal / row sums (3, 2, 4); precision = diagonal / column sums (4, 2, 3).
    assertArrayEquals(new double[] {1.0, 0.5, 0.75},
        Classification.perClassRecall(CONFUSION), 1e-15);
    assertArrayEquals(new double[] {0.75, 0.5, 1.0},
        Classification.perClassPrecision(CONFUSION), 1e-15);
  }

  @Test
  void macroF1MatchesHarmonicMeans() {
    double[] recall = Classification.perClassRecall(CONFUSION);
    double[] precision = Classification.perClassPrecision(CONFUSION);
    double sum = 0;
    for (int c = 0; c < 3; c++) {
      sum += 2 * precision[c] * recall[c] / (precision[c] + recall[c]);
    }

    assertEquals(31.0 / 42, Classification.macroF1(CONFUSION), 1e-15);
    assertEquals(sum / 3, Classification.macroF1(CONFUSION), 1e-15);
  }

  static Stream<Arguments> sparseConfusions() {
    return Stream.of(
        // Class 2 has no support and no predictions: NaN recall and precision, skipped in F1.
        Arguments.of(new long[][] {{2, 1, 0}, {0, 1, 0}, {0, 0, 0}},
            new double[] {2.0 / 3, 1.0, Double.NaN}, new double[] {1.0, 0.5, Double.NaN},
            (4.0 / 5 + 2.0 / 3) / 2),
        // Class 1 has support but is never predicted: recall 0, precision NaN, F1 0.
        Arguments.of(new long[][] {{2, 0}, {1, 0}},
            new double[] {1.0, 0.0}, new double[] {2.0 / 3, Double.NaN}, (4.0 / 5 + 0) / 2),
        // Class 1 is predicted but has no support: recall NaN, precision 0, F1 0.
        Arguments.of(new long[][] {{1, 1}, {0, 0}},
            new double[] {0.5, Double.NaN}, new double[] {1.0, 0.0}, (2.0 / 3 + 0) / 2),
        // Perfect predictions.
        Arguments.of(new long[][] {{4, 0}, {0, 6}},
            new double[] {1.0, 1.0}, new double[] {1.0, 1.0}, 1.0),
        // One class only.
        Arguments.of(new long[][] {{5}}, new double[] {1.0}, new double[] {1.0}, 1.0),
        // Every prediction wrong.
        Arguments.of(new long[][] {{0, 3}, {2, 0}},
            new double[] {0.0, 0.0}, new double[] {0.0, 0.0}, 0.0));
  }

  @ParameterizedTest
  @MethodSource("sparseConfusions")
  void metricsOfSparseConfusion(long[][] confusion, double[] recall, double[] precision,
      double macroF1) {
    assertArrayEquals(recall, Classification.perClassRecall(confusion), 1e-15);
    assertArrayEquals(precision, Classification.perClassPrecision(confusion), 1e-15);
    assertEquals(macroF1, Classification.macroF1(confusion), 1e-15);
  }

  @Test
  void emptyConfusionHasUndefinedMetrics() {
    long[][] confusion = {{0, 0}, {0, 0}};

    assertArrayEquals(new double[] {Double.NaN, Double.NaN},
        Classification.perClassRecall(confusion), 0.0);
    assertArrayEquals(new double[] {Double.NaN, Double.NaN},
        Classification.perClassPrecision(confusion), 0.0);
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
        () -> Classification.macroF1(confusion));
    assertEquals("Invalid value 0 for the total count of confusion: must be >= 1, because macro"
        + " F1 needs at least one example", error.getMessage());
  }

  static Stream<Arguments> invalidLabelArrays() {
    return Stream.of(
        Arguments.of(new int[0], new int[0],
            "Invalid value 0 for truth.length: must be >= 1, one label per example"),
        Arguments.of(new int[] {0, 1, 1}, new int[] {0, 1},
            "Invalid value 2 for predicted.length: must equal truth.length 3, one prediction per"
                + " example"),
        Arguments.of(new int[] {0, 1}, new int[] {0, 1, 0},
            "Invalid value 3 for predicted.length: must equal truth.length 2, one prediction per"
                + " example"));
  }

  @ParameterizedTest
  @MethodSource("invalidLabelArrays")
  void invalidLabelArraysAreRejected(int[] truth, int[] predicted, String message) {
    assertEquals(message, assertThrows(IllegalArgumentException.class,
        () -> Classification.accuracy(truth, predicted)).getMessage());
    assertEquals(message, assertThrows(IllegalArgumentException.class,
        () -> Classification.confusionMatrix(truth, predicted, 3)).getMessage());
  }

  static Stream<Arguments> negativeLabels() {
    return Stream.of(
        Arguments.of(new int[] {0, -1, 2}, new int[] {0, 1, 2},
            "Invalid value -1 for truth[1]: must be >= 0"),
        Arguments.of(new int[] {0, 1, 2}, new int[] {0, 1, -7},
            "Invalid value -7 for predicted[2]: must be >= 0"));
  }

  @ParameterizedTest
  @MethodSource("negativeLabels")
  void negativeLabelIsRejectedByAccuracy(int[] truth, int[] predicted, String message) {
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
        () -> Classification.accuracy(truth, predicted));

    assertEquals(message, error.getMessage());
  }

  static Stream<Arguments> labelsOutOfRange() {
    return Stream.of(
        Arguments.of(new int[] {0, 3, 1}, new int[] {0, 1, 1},
            "Invalid value 3 for truth[1]: must be in [0, 3) for 3 classes"),
        Arguments.of(new int[] {0, 1, 2}, new int[] {0, 1, 5},
            "Invalid value 5 for predicted[2]: must be in [0, 3) for 3 classes"),
        Arguments.of(new int[] {-1, 1, 2}, new int[] {0, 1, 2},
            "Invalid value -1 for truth[0]: must be in [0, 3) for 3 classes"),
        Arguments.of(new int[] {0, 1, 2}, new int[] {0, -2, 2},
            "Invalid value -2 for predicted[1]: must be in [0, 3) for 3 classes"));
  }

  @ParameterizedTest
  @MethodSource("labelsOutOfRange")
  void labelOutOfRangeIsRejected(int[] truth, int[] predicted, String message) {
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
        () -> Classification.confusionMatrix(truth, predicted, 3));

    assertEquals(message, error.getMessage());
  }

  @Test
  void classCountBelowOneIsRejected() {
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
        () -> Classification.confusionMatrix(new int[] {0}, new int[] {0}, 0));

    assertEquals("Invalid value 0 for classes: must be >= 1", error.getMessage());
  }

  static Stream<Arguments> invalidConfusions() {
    return Stream.of(
        Arguments.of(new long[0][],
            "Invalid value 0 for confusion.length: must be >= 1, one row per class"),
        Arguments.of(new long[][] {{1, 0}, {0, 1, 0}},
            "Invalid value 3 for confusion[1].length: must equal confusion.length 2, because a"
                + " confusion matrix is square"),
        Arguments.of(new long[][] {{1, 0, 0}, {0, 1, 0}},
            "Invalid value 3 for confusion[0].length: must equal confusion.length 2, because a"
                + " confusion matrix is square"),
        Arguments.of(new long[][] {{1, 0}, null},
            "Invalid value null for confusion[1]: must be a row of 2 counts"),
        Arguments.of(new long[][] {{1, 0}, {-4, 1}},
            "Invalid value -4 for confusion[1][0]: must be >= 0"));
  }

  @ParameterizedTest
  @MethodSource("invalidConfusions")
  void invalidConfusionIsRejected(long[][] confusion, String message) {
    assertEquals(message, assertThrows(IllegalArgumentException.class,
        () -> Classification.perClassRecall(confusion)).getMessage());
    assertEquals(message, assertThrows(IllegalArgumentException.class,
        () -> Classification.perClassPrecision(confusion)).getMessage());
    assertEquals(message, assertThrows(IllegalArgumentException.class,
        () -> Classification.macroF1(confusion)).getMessage());
  }

  @Test
  void nullInputsAreRejected() {
    assertEquals("truth is null", assertThrows(NullPointerException.class,
        () -> Classification.accuracy(null, new int[] {0})).getMessage());
    assertEquals("predicted is null", assertThrows(NullPointerException.class,
        () -> Classification.confusionMatrix(new int[] {0}, null, 2)).getMessage());
    assertEquals("confusion is null", assertThrows(NullPointerException.class,
        () -> Classification.macroF1(null)).getMessage());
  }
}
