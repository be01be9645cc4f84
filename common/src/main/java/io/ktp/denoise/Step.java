package io.ktp.denoise;

import java.util.Locale;

/** Denoise steps in the order they run. Each step screens only the rows the earlier ones kept. */
public enum Step {
  /** Exact duplicates and conflicting duplicates. */
  DUPLICATES,
  /** Near duplicates found through locality-sensitive hashing. */
  NEAR_DUPLICATES,
  /** Label noise found by confident learning on out-of-fold predictions. */
  LABEL_NOISE,
  /** Per-class Mahalanobis outliers. */
  OUTLIERS,
  /** Rows whose predicted class changes under seeded perturbations. */
  UNSTABLE;

  /** Returns the name used on the command line, such as {@code near-duplicates}. */
  public String option() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** Returns the step named {@code option}, or null when there is none. */
  public static Step fromOption(String option) {
    for (Step step : values()) {
      if (step.option().equals(option)) {
        return step;
      }
    }
    return null;
  }
}
