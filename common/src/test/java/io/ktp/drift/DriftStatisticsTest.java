package io.ktp.drift;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Checks the drift statistics against hand computations and seeded samples. */
class DriftStatisticsTest {
  @Test
  void benjaminiHochbergMatchesHandComputation() {
    double[] adjusted = FeatureShift.benjaminiHochberg(new double[] {0.01, 0.04, 0.03});

    assertArrayEquals(new double[] {0.03, 0.04, 0.04}, adjusted, 1e-12);
  }

  @Test
  void benjaminiHochbergCapsAtOne() {
    double[] adjusted = FeatureShift.benjaminiHochberg(new double[] {0.9, 0.5, 0.8, 1.0});

    // Sorted 0.5, 0.8, 0.9, 1.0 give 4p/i = 2.0, 1.6, 1.2, 1.0: all capped or equal to 1.
    assertArrayEquals(new double[] {1.0, 1.0, 1.0, 1.0}, adjusted, 1e-12);
  }

  @Test
  void ksStatisticMatchesHandComputation() {
    double[][] reference = {{0}, {1}, {2}, {3}};
    double[][] batch = {{2}, {3}, {4}, {5}};

    List<FeatureShift.FeatureTest> tests = FeatureShift.test(reference, batch);

    // Empirical distribution functions differ most at 1: 2/4 against 0/4.
    assertEquals(0.5, tests.get(0).statistic(), 1e-12);
  }

  @Test
  void shiftedFeatureRejectedOthersKept() {
    SplittableRandom random = new SplittableRandom(3);
    double[][] reference = sample(400, random, 0);
    double[][] batch = sample(300, random, 1.5);

    List<FeatureShift.FeatureTest> tests = FeatureShift.test(reference, batch);

    assertTrue(tests.get(0).adjustedPValue() < 1e-6, tests.get(0).toString());
    assertEquals(1, FeatureShift.rejected(tests, 0.01), tests.toString());
    assertEquals(0, tests.get(2).statistic(), 1e-12);
    assertEquals(1.0, tests.get(2).pValue(), 1e-12);
  }

  @Test
  void unshiftedFeaturesKept() {
    SplittableRandom random = new SplittableRandom(4);

    List<FeatureShift.FeatureTest> tests = FeatureShift.test(sample(400, random, 0),
        sample(300, random, 0));

    assertTrue(FeatureShift.minAdjustedPValue(tests) > 0.01, tests.toString());
  }

  @Test
  void featureCountMismatchRejected() {
    IllegalArgumentException failure = assertThrows(IllegalArgumentException.class,
        () -> FeatureShift.test(new double[][] {{1, 2}, {3, 4}}, new double[][] {{1}, {2}}));

    assertEquals("The batch has 1 features and the reference 2", failure.getMessage());
  }

  @Test
  void classShiftMatchesHandComputation() {
    int[] reference = classes(50, 50);
    int[] batch = classes(30, 70);

    ClassShift shift = ClassShift.of(reference, batch, 3);

    assertEquals(0.2, shift.totalVariation(), 1e-12);
    assertEquals(8.3333333, shift.chiSquare(), 1e-6);
    assertEquals(1, shift.degreesOfFreedom());
    assertEquals(0.00389, shift.pValue(), 1e-5);
    assertArrayEquals(new long[] {30, 70, 0}, shift.batchCounts());
  }

  @Test
  void classShiftOfOneClassIsNone() {
    ClassShift shift = ClassShift.of(classes(10, 0), classes(5, 0), 2);

    assertEquals(1.0, shift.pValue());
    assertEquals(0.0, shift.totalVariation());
  }

  @Test
  void decisionCombinesWithBonferroni() {
    DriftDecision drift = DriftDecision.of(0.002, 0.4, 0.03, 0.01);
    DriftDecision none = DriftDecision.of(0.004, 0.5, 0.9, 0.01);

    assertEquals(0.006, drift.pValue(), 1e-12);
    assertTrue(drift.advised());
    assertEquals("drift: MMD p-value 0.00200 below alpha / 3 = 0.00333", drift.reason());
    assertEquals(0.012, none.pValue(), 1e-12);
    assertFalse(none.advised());
    assertTrue(none.reason().startsWith("no drift"), none.reason());
  }

  /** Three features: N(shift, 1), N(0, 1) and the constant 7. */
  private static double[][] sample(int rows, SplittableRandom random, double shift) {
    double[][] sample = new double[rows][];
    for (int i = 0; i < rows; i++) {
      double u = 1.0 - random.nextDouble();
      double v = random.nextDouble();
      double normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
      sample[i] = new double[] {normal + shift, Math.sqrt(-2 * Math.log(u))
          * Math.sin(2 * Math.PI * v), 7};
    }
    return sample;
  }

  private static int[] classes(int zeros, int ones) {
    int[] predictions = new int[zeros + ones];
    java.util.Arrays.fill(predictions, zeros, predictions.length, 1);
    return predictions;
  }
}
