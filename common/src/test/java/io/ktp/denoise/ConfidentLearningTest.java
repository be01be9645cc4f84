package io.ktp.denoise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfidentLearningTest {
  private static final double[] THRESHOLDS = {0.9, 0.8, 0.5};

  @Test
  void thresholdIsTheMeanOwnClassProbability() {
    double[] thresholds = ConfidentLearning.thresholds(new double[] {1.8, 2.4, 0},
        new long[] {2, 3, 0});
    assertArrayEquals(new double[] {0.9, 0.8, Double.NaN}, thresholds, 1e-12);
  }

  /**
   * Probabilities of classes 0, 1 and 2, the given label, and the expected suggestion (-1 when
   * the row is kept), with class thresholds 0.9, 0.8 and 0.5.
   */
  @ParameterizedTest
  @CsvSource({
      // The class comment's example: confidently class 1, which is also the most probable.
      "0.15, 0.85, 0.00, 0, 1",
      // Nothing reaches its class threshold.
      "0.30, 0.70, 0.00, 0, -1",
      // Class 2 reaches its low threshold and is the most probable.
      "0.45, 0.00, 0.55, 0, 2",
      // Class 2 reaches its threshold, but the label ties it as most probable.
      "0.50, 0.00, 0.50, 0, -1",
      // The label itself is the confident class.
      "0.95, 0.05, 0.00, 0, -1",
      // A probability equal to the threshold counts as reaching it.
      "0.20, 0.80, 0.00, 2, 1"})
  void flagsRowsWhoseConfidentAndMostProbableClassDifferFromTheLabel(float p0, float p1,
      float p2, int label, int expected) {
    assertEquals(expected,
        ConfidentLearning.suggestedLabel(new float[] {p0, p1, p2}, label, THRESHOLDS));
  }

  @Test
  void classWithoutRowsIsNeverSuggested() {
    double[] thresholds = {0.9, 0.8, Double.NaN};
    assertEquals(-1, ConfidentLearning.suggestedLabel(new float[] {0.05f, 0.05f, 0.9f}, 0,
        thresholds));
  }
}
