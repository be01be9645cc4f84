package io.ktp.denoise;

import java.util.Locale;

/** Reason code of a row that the denoise job set aside or relabelled, in step order. */
public enum Reason {
  /** Same features as other rows that carry a different label; every copy is set aside. */
  CONFLICTING_DUPLICATE,
  /** Same features and label as a row with a smaller id, which is kept. */
  DUPLICATE,
  /** Within the distance threshold of a same-label row with a smaller id. */
  NEAR_DUPLICATE,
  /** The out-of-fold models confidently predict another class than the given label. */
  LABEL_NOISE,
  /** Far from its class: Mahalanobis distance above the class's quantile. */
  OUTLIER,
  /** The predicted class changes under small seeded perturbations of the features. */
  UNSTABLE;

  /** Returns the code written to the reports, such as {@code near_duplicate}. */
  public String code() {
    return name().toLowerCase(Locale.ROOT);
  }
}
