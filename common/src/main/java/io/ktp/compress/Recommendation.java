package io.ktp.compress;

import java.util.List;
import java.util.function.ToDoubleFunction;

/** Chooses a model variant for a budget on latency, size or another cost. */
public final class Recommendation {
  private Recommendation() {
  }

  /**
   * Returns the variant with the highest accuracy among those whose cost is at most
   * {@code budget}, the cheaper one on equal accuracy, or null when none fits. Example: variants
   * (accuracy 0.93, 80 KB), (0.92, 6 KB) and (0.91, 1.5 KB) with a 10 KB budget give the second.
   */
  public static <T> T best(List<T> variants, ToDoubleFunction<T> accuracy,
      ToDoubleFunction<T> cost, double budget) {
    T best = null;
    for (T variant : variants) {
      if (cost.applyAsDouble(variant) > budget) {
        continue;
      }
      boolean better = best == null
          || accuracy.applyAsDouble(variant) > accuracy.applyAsDouble(best)
          || accuracy.applyAsDouble(variant) == accuracy.applyAsDouble(best)
          && cost.applyAsDouble(variant) < cost.applyAsDouble(best);
      best = better ? variant : best;
    }
    return best;
  }
}
