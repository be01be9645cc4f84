package io.ktp.metrics;

import io.ktp.cli.Checks;
import java.util.Objects;

/** Input checks shared by the accuracy-based metrics. */
final class AccuracyChecks {
  private AccuracyChecks() {
  }

  /** Throws unless {@code value} is in [0, 1], which also rejects NaN. */
  static void checkAccuracy(String name, double value) {
    if (!(value >= 0 && value <= 1)) {
      throw new IllegalArgumentException(Checks.invalid(name, value,
          "must be in [0, 1]; pass accuracy as a fraction, not a percentage"));
    }
  }

  /** Throws unless {@code curve} has at least one value and every value is in [0, 1]. */
  static void checkCurve(String name, double[] curve) {
    Objects.requireNonNull(curve, name + " is null");
    if (curve.length == 0) {
      throw new IllegalArgumentException(
          Checks.invalid(name + ".length", 0, "must be >= 1, one accuracy per epoch"));
    }
    for (int i = 0; i < curve.length; i++) {
      checkAccuracy(name + "[" + i + "]", curve[i]);
    }
  }
}
