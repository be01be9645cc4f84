package io.ktp.jobs;

import io.ktp.augment.AugmentSettings;
import io.ktp.cli.UserException;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Options of the augment job's transformed copies: strength and copies per row of each. The copy
 * counts that depend on the kind of table are null until given: a text table (one with tokens)
 * gets token dropout and swaps and no image or noise copies, any other table the reverse.
 */
final class AugmentOptions {
  private static final String IMAGE_DEFAULT = " Default: 1, or 0 for a text table.";
  private static final String TEXT_DEFAULT = " Default: 1 for a text table, else 0.";

  @Option(names = "--shift-copies", paramLabel = "N",
      description = "Shifted copies per labelled row (image tables)." + IMAGE_DEFAULT)
  Integer shiftCopies;

  @Option(names = "--shift-pixels", paramLabel = "CELLS",
      description = "Largest shift in grid cells, up, down, left or right. Default:"
          + " ${DEFAULT-VALUE}.")
  int shiftPixels = 1;

  @Option(names = "--rotation-copies", paramLabel = "N",
      description = "Rotated copies per labelled row (image tables)." + IMAGE_DEFAULT)
  Integer rotationCopies;

  @Option(names = "--rotation-degrees", paramLabel = "DEGREES",
      description = "Largest rotation angle in degrees, either way; each copy draws a uniform"
          + " angle. Default: ${DEFAULT-VALUE}.")
  double rotationDegrees = 12;

  @Option(names = "--elastic-copies", paramLabel = "N",
      description = "Elastically distorted copies per labelled row (image tables)."
          + IMAGE_DEFAULT)
  Integer elasticCopies;

  @Option(names = "--elastic-alpha", paramLabel = "CELLS",
      description = "Largest displacement of the elastic distortion, in grid cells. Default:"
          + " ${DEFAULT-VALUE}.")
  double elasticAlpha = 0.6;

  @Option(names = "--elastic-sigma", paramLabel = "CELLS",
      description = "Standard deviation of the Gaussian that smooths the displacement field,"
          + " in grid cells. Default: ${DEFAULT-VALUE}.")
  double elasticSigma = 1.5;

  @Option(names = "--noise-copies", paramLabel = "N",
      description = "Copies per labelled row with Gaussian noise on every feature."
          + IMAGE_DEFAULT)
  Integer noiseCopies;

  @Option(names = "--noise-sigma", paramLabel = "SIGMA",
      description = "Standard deviation of the noise, in feature units (block counts for the"
          + " digits). Default: ${DEFAULT-VALUE}.")
  double noiseSigma = 1.0;

  @Option(names = "--smote-copies", paramLabel = "N",
      description = "Copies per labelled row interpolated towards a near row of the same class"
          + " (SMOTE, any table). Default: ${DEFAULT-VALUE}.")
  int smoteCopies;

  @Option(names = "--smote-neighbours", paramLabel = "K",
      description = "Nearest labelled rows of the same class that SMOTE picks a partner from."
          + " Default: ${DEFAULT-VALUE}.")
  int smoteNeighbours = 5;

  @Option(names = "--dropout-copies", paramLabel = "N",
      description = "Copies per labelled row of a text table with tokens dropped (features"
          + " recomputed from the remaining tokens)." + TEXT_DEFAULT)
  Integer dropoutCopies;

  @Option(names = "--dropout-rate", paramLabel = "P",
      description = "Probability that token dropout drops each token, in [0, 1); a copy keeps"
          + " at least one token. Default: ${DEFAULT-VALUE}.")
  double dropoutRate = 0.1;

  @Option(names = "--swap-copies", paramLabel = "N",
      description = "Copies per labelled row of a text table with pairs of tokens swapped."
          + TEXT_DEFAULT)
  Integer swapCopies;

  @Option(names = "--swap-count", paramLabel = "N",
      description = "Swaps of two random tokens in each swapped copy. Default:"
          + " ${DEFAULT-VALUE}.")
  int swapCount = 1;

  @Option(names = "--mixup-copies", paramLabel = "N",
      description = "Mixup copies per labelled row (any table): features and one-hot labels"
          + " mixed with a random labelled row, stored as soft labels in label_weights."
          + " Default: ${DEFAULT-VALUE}.")
  int mixupCopies;

  @Option(names = "--mixup-alpha", paramLabel = "ALPHA",
      description = "Parameter of the Beta(alpha, alpha) distribution of the mixup weight,"
          + " > 0; small values keep copies near one of the two rows. Default: ${DEFAULT-VALUE}.")
  double mixupAlpha = 0.2;

  /**
   * Returns validated settings for a text table ({@code text} true) or any other table: copy
   * counts left unset take that kind's default.
   */
  AugmentSettings toSettings(long seed, boolean text) throws UserException {
    int image = text ? 0 : 1;
    int token = text ? 1 : 0;
    return new AugmentSettings(shiftPixels, orDefault(shiftCopies, image), rotationDegrees,
        orDefault(rotationCopies, image), elasticAlpha, elasticSigma,
        orDefault(elasticCopies, image), noiseSigma, orDefault(noiseCopies, image), smoteCopies,
        smoteNeighbours, orDefault(dropoutCopies, token), dropoutRate,
        orDefault(swapCopies, token), swapCount, mixupCopies, mixupAlpha, seed).validate();
  }

  private static int orDefault(Integer value, int fallback) {
    return value == null ? fallback : value;
  }

  /** Returns the effective options of {@code settings}, by option name. */
  static Map<String, Object> config(AugmentSettings settings) {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("--shift-copies", settings.shiftCopies());
    config.put("--shift-pixels", settings.shiftPixels());
    config.put("--rotation-copies", settings.rotationCopies());
    config.put("--rotation-degrees", settings.rotationDegrees());
    config.put("--elastic-copies", settings.elasticCopies());
    config.put("--elastic-alpha", settings.elasticAlpha());
    config.put("--elastic-sigma", settings.elasticSigma());
    config.put("--noise-copies", settings.noiseCopies());
    config.put("--noise-sigma", settings.noiseSigma());
    config.put("--smote-copies", settings.smoteCopies());
    config.put("--smote-neighbours", settings.smoteNeighbours());
    config.put("--dropout-copies", settings.dropoutCopies());
    config.put("--dropout-rate", settings.dropoutRate());
    config.put("--swap-copies", settings.swapCopies());
    config.put("--swap-count", settings.swapCount());
    config.put("--mixup-copies", settings.mixupCopies());
    config.put("--mixup-alpha", settings.mixupAlpha());
    return config;
  }
}
