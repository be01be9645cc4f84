package io.ktp.augment;

import io.ktp.cli.Checks;
import io.ktp.cli.UserException;
import java.io.Serializable;

/**
 * How many transformed copies of each labelled train row to make, and how strong each transform
 * is. Options named in messages are those of the augment job.
 *
 * @param shiftPixels largest shift in grid cells, in each direction
 * @param shiftCopies shifted copies per row
 * @param rotationDegrees largest rotation angle in degrees, either way
 * @param rotationCopies rotated copies per row
 * @param elasticAlpha largest displacement of the elastic distortion, in grid cells
 * @param elasticSigma smoothing of the displacement field, in grid cells
 * @param elasticCopies elastically distorted copies per row
 * @param noiseSigma standard deviation of the Gaussian noise, in feature units
 * @param noiseCopies noisy copies per row
 * @param smoteCopies interpolated copies per row between same-class neighbours (SMOTE)
 * @param smoteNeighbours nearest same-class rows that SMOTE chooses a partner from
 * @param dropoutCopies copies per text row with tokens dropped
 * @param dropoutRate probability that token dropout drops each token, in [0, 1)
 * @param swapCopies copies per text row with tokens swapped
 * @param swapCount swaps of two tokens in each swapped copy
 * @param mixupCopies mixup copies per row, each with a random partner row of any class
 * @param mixupAlpha both parameters of the Beta distribution of the mixup weight, > 0
 * @param seed seed of every random choice
 */
public record AugmentSettings(int shiftPixels, int shiftCopies, double rotationDegrees,
    int rotationCopies, double elasticAlpha, double elasticSigma, int elasticCopies,
    double noiseSigma, int noiseCopies, int smoteCopies, int smoteNeighbours, int dropoutCopies,
    double dropoutRate, int swapCopies, int swapCount, int mixupCopies, double mixupAlpha,
    long seed) implements Serializable {

  /** Checks every value; returns this. */
  public AugmentSettings validate() throws UserException {
    Checks.atLeast("--shift-pixels", shiftPixels, 1);
    Checks.atLeast("--shift-copies", shiftCopies, 0);
    Checks.halfOpenRange("--rotation-degrees", rotationDegrees, 0, 180);
    Checks.atLeast("--rotation-copies", rotationCopies, 0);
    Checks.halfOpenRange("--elastic-alpha", elasticAlpha, 0, 1e3);
    Checks.halfOpenRange("--elastic-sigma", elasticSigma, 0, 1e3);
    Checks.atLeast("--elastic-copies", elasticCopies, 0);
    Checks.halfOpenRange("--noise-sigma", noiseSigma, 0, 1e6);
    Checks.atLeast("--noise-copies", noiseCopies, 0);
    Checks.atLeast("--smote-copies", smoteCopies, 0);
    Checks.atLeast("--smote-neighbours", smoteNeighbours, 1);
    Checks.atLeast("--dropout-copies", dropoutCopies, 0);
    if (!(dropoutRate >= 0 && dropoutRate < 1)) {
      throw new UserException(Checks.invalid("--dropout-rate", dropoutRate,
          "must be >= 0.0 and < 1.0"));
    }
    Checks.atLeast("--swap-copies", swapCopies, 0);
    Checks.atLeast("--swap-count", swapCount, 1);
    Checks.atLeast("--mixup-copies", mixupCopies, 0);
    Checks.halfOpenRange("--mixup-alpha", mixupAlpha, 0, 1e3);
    return this;
  }

  /** Returns the copies per row of the transforms that need the image grid. */
  public int gridCopies() {
    return shiftCopies + rotationCopies + elasticCopies;
  }

  /** Returns the copies per row of the transforms that need the tokens of a text table. */
  public int tokenCopies() {
    return dropoutCopies + swapCopies;
  }

  /** Returns the copies per labelled row of every transform together. */
  public int copiesPerRow() {
    return gridCopies() + noiseCopies + smoteCopies + tokenCopies() + mixupCopies;
  }
}
