package io.ktp.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ConvergenceTest {
  private static final String ACCURACY_RULE =
      ": must be in [0, 1]; pass accuracy as a fraction, not a percentage";

  static Stream<Arguments> epochsToReachCases() {
    return Stream.of(
        Arguments.of(new double[] {0.5, 0.8, 0.9}, 0.8, 2),
        Arguments.of(new double[] {0.5, 0.8, 0.9}, 0.85, 3),
        Arguments.of(new double[] {0.5, 0.8, 0.9}, 0.95, Convergence.NOT_REACHED),
        Arguments.of(new double[] {0.5, 0.8, 0.9}, 0.0, 1),
        Arguments.of(new double[] {0.5, 0.8, 0.9}, 0.5, 1),
        Arguments.of(new double[] {0.9, 0.4, 0.95}, 0.85, 1),
        Arguments.of(new double[] {0.2, 0.4, 1.0}, 1.0, 3),
        Arguments.of(new double[] {0.7}, 0.7, 1),
        Arguments.of(new double[] {0.7}, 0.70001, -1),
        Arguments.of(new double[] {0.0, 0.0}, 0.0, 1));
  }

  @ParameterizedTest
  @MethodSource("epochsToReachCases")
  void epochsToReach(double[] curve, double target, int expected) {
    assertEquals(expected, Convergence.epochsToReach(curve, target));
  }

  static Stream<Arguments> areaCases() {
    return Stream.of(
        Arguments.of(new double[] {0.5, 0.8, 0.9}, 2.2 / 3),
        Arguments.of(new double[] {1.0}, 1.0),
        Arguments.of(new double[] {0.0, 0.0, 0.0, 0.0}, 0.0),
        Arguments.of(new double[] {0.1, 0.9}, 0.5),
        Arguments.of(new double[] {0.2, 0.6, 0.7, 0.9, 0.9}, 3.3 / 5));
  }

  @ParameterizedTest
  @MethodSource("areaCases")
  void areaUnderCurve(double[] curve, double expected) {
    assertEquals(expected, Convergence.areaUnderCurve(curve), 1e-15);
  }

  @Test
  void fasterLearnerHasLargerArea() {
    double[] fast = {0.8, 0.9, 0.9};
    double[] slow = {0.3, 0.6, 0.9};

    assertEquals(0.8666666666666667, Convergence.areaUnderCurve(fast), 1e-15);
    assertEquals(0.6, Convergence.areaUnderCurve(slow), 1e-15);
  }

  static Stream<Arguments> invalidCurves() {
    return Stream.of(
        Arguments.of(new double[0],
            "Invalid value 0 for accuracyPerEpoch.length: must be >= 1, one accuracy per epoch"),
        Arguments.of(new double[] {0.5, 1.5},
            "Invalid value 1.5 for accuracyPerEpoch[1]" + ACCURACY_RULE),
        Arguments.of(new double[] {-0.2},
            "Invalid value -0.2 for accuracyPerEpoch[0]" + ACCURACY_RULE),
        Arguments.of(new double[] {0.1, 0.2, Double.NaN},
            "Invalid value NaN for accuracyPerEpoch[2]" + ACCURACY_RULE),
        Arguments.of(new double[] {50.0, 80.0},
            "Invalid value 50.0 for accuracyPerEpoch[0]" + ACCURACY_RULE));
  }

  @ParameterizedTest
  @MethodSource("invalidCurves")
  void invalidCurveIsRejected(double[] curve, String message) {
    assertEquals(message, assertThrows(IllegalArgumentException.class,
        () -> Convergence.epochsToReach(curve, 0.5)).getMessage());
    assertEquals(message, assertThrows(IllegalArgumentException.class,
        () -> Convergence.areaUnderCurve(curve)).getMessage());
  }

  @ParameterizedTest
  @MethodSource("invalidTargets")
  void invalidTargetIsRejected(double target, String message) {
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
        () -> Convergence.epochsToReach(new double[] {0.5, 0.9}, target));

    assertEquals(message, error.getMessage());
  }

  static Stream<Arguments> invalidTargets() {
    return Stream.of(
        Arguments.of(1.2, "Invalid value 1.2 for target" + ACCURACY_RULE),
        Arguments.of(-0.01, "Invalid value -0.01 for target" + ACCURACY_RULE),
        Arguments.of(90.0, "Invalid value 90.0 for target" + ACCURACY_RULE),
        Arguments.of(Double.NaN, "Invalid value NaN for target" + ACCURACY_RULE));
  }

  @Test
  void nullCurveIsRejected() {
    NullPointerException error = assertThrows(NullPointerException.class,
        () -> Convergence.areaUnderCurve(null));

    assertEquals("accuracyPerEpoch is null", error.getMessage());
  }
}
