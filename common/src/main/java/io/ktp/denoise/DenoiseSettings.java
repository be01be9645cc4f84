package io.ktp.denoise;

import io.ktp.cli.Checks;
import io.ktp.cli.UserException;
import java.io.Serializable;
import java.util.EnumSet;
import java.util.Set;

/**
 * Thresholds and settings of one denoise run. Distances and the perturbation size are in the
 * table's feature units (for the digits, 4x4 block counts in 0..16).
 *
 * @param steps the steps to run
 * @param nearDistance Euclidean distance at or below which two same-label rows are near duplicates
 * @param lshTables hash tables of the near-duplicate search; more find more pairs and cost more
 * @param lshBucketWidth width of one bucket of a random projection
 * @param folds folds of the out-of-fold predictions
 * @param foldEpochs training epochs of each fold's model
 * @param foldHidden hidden layer widths of the fold models
 * @param labelRounds rounds of label-noise detection; each round trains new fold models on the
 *     rows the earlier rounds kept
 * @param labelAction what to do with a row whose label is likely wrong
 * @param outlierQuantile per-class quantile of the Mahalanobis distance above which a row is an
 *     outlier
 * @param perturbations seeded perturbations of each row for the stability screen
 * @param perturbationSigma standard deviation of the Gaussian noise added to every feature
 * @param unstableFraction share of perturbations that must change the predicted class for a row
 *     to count as unstable
 * @param featureScale factor that maps features to the fold models' inputs
 * @param seed seed of folds, initialization, hashing and perturbations
 */
public record DenoiseSettings(Set<Step> steps, double nearDistance, int lshTables,
    double lshBucketWidth, int folds, int foldEpochs, int[] foldHidden, int labelRounds, LabelAction labelAction,
    double outlierQuantile, int perturbations, double perturbationSigma, double unstableFraction,
    double featureScale, long seed) implements Serializable {

  /** Returns the defaults for the digit features with the given steps and seed. */
  public static DenoiseSettings defaults(double featureScale, long seed) {
    return new DenoiseSettings(EnumSet.allOf(Step.class), 1.0, 6, 8.0, 3, 8,
        new int[] {128, 64}, 2, LabelAction.SET_ASIDE, 0.995, 8, 1.0, 0.75, featureScale, seed);
  }

  /** Checks every value against its rule, naming the option that carries it. */
  public DenoiseSettings validate() throws UserException {
    if (!(nearDistance >= 0 && Double.isFinite(nearDistance))) {
      throw new UserException(Checks.invalid("--near-distance", nearDistance,
          "must be a finite number >= 0"));
    }
    Checks.atLeast("--lsh-tables", lshTables, 1);
    if (!(lshBucketWidth > nearDistance && Double.isFinite(lshBucketWidth))) {
      throw new UserException(Checks.invalid("--lsh-bucket-width", lshBucketWidth,
          "must be finite and larger than --near-distance (" + nearDistance + ")"));
    }
    Checks.atLeast("--folds", folds, 2);
    Checks.atLeast("--fold-epochs", foldEpochs, 1);
    for (int width : foldHidden) {
      Checks.atLeast("--fold-hidden", width, 1);
    }
    Checks.atLeast("--label-rounds", labelRounds, 1);
    Checks.openRange("--outlier-quantile", outlierQuantile, 0, 1);
    Checks.atLeast("--perturbations", perturbations, 1);
    if (!(perturbationSigma > 0 && Double.isFinite(perturbationSigma))) {
      throw new UserException(Checks.invalid("--perturbation-sigma", perturbationSigma,
          "must be a finite number > 0"));
    }
    Checks.halfOpenRange("--unstable-fraction", unstableFraction, 0, 1);
    return this;
  }

  /** Returns true when {@code step} runs. */
  public boolean runs(Step step) {
    return steps.contains(step);
  }
}
