package io.ktp.jobs;

import io.ktp.augment.AugmentSettings;
import io.ktp.cli.UserException;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** Options of the augment job's transformed copies: strength and copies per row of each. */
final class AugmentOptions {
  @Option(names = "--shift-copies", paramLabel = "N",
      description = "Shifted copies per labelled row (image tables). Default: ${DEFAULT-VALUE}.")
  int shiftCopies = 1;

  @Option(names = "--shift-pixels", paramLabel = "CELLS",
      description = "Largest shift in grid cells, up, down, left or right. Default:"
          + " ${DEFAULT-VALUE}.")
  int shiftPixels = 1;

  @Option(names = "--rotation-copies", paramLabel = "N",
      description = "Rotated copies per labelled row (image tables). Default: ${DEFAULT-VALUE}.")
  int rotationCopies = 1;

  @Option(names = "--rotation-degrees", paramLabel = "DEGREES",
      description = "Largest rotation angle in degrees, either way; each copy draws a uniform"
          + " angle. Default: ${DEFAULT-VALUE}.")
  double rotationDegrees = 12;

  @Option(names = "--elastic-copies", paramLabel = "N",
      description = "Elastically distorted copies per labelled row (image tables). Default:"
          + " ${DEFAULT-VALUE}.")
  int elasticCopies = 1;

  @Option(names = "--elastic-alpha", paramLabel = "CELLS",
      description = "Largest displacement of the elastic distortion, in grid cells. Default:"
          + " ${DEFAULT-VALUE}.")
  double elasticAlpha = 0.6;

  @Option(names = "--elastic-sigma", paramLabel = "CELLS",
      description = "Standard deviation of the Gaussian that smooths the displacement field,"
          + " in grid cells. Default: ${DEFAULT-VALUE}.")
  double elasticSigma = 1.5;

  @Option(names = "--noise-copies", paramLabel = "N",
      description = "Copies per labelled row with Gaussian noise on every feature. Default:"
          + " ${DEFAULT-VALUE}.")
  int noiseCopies = 1;

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

  /** Returns validated settings. */
  AugmentSettings toSettings(long seed) throws UserException {
    return new AugmentSettings(shiftPixels, shiftCopies, rotationDegrees, rotationCopies,
        elasticAlpha, elasticSigma, elasticCopies, noiseSigma, noiseCopies, smoteCopies,
        smoteNeighbours, seed).validate();
  }

  Map<String, Object> config() {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("--shift-copies", shiftCopies);
    config.put("--shift-pixels", shiftPixels);
    config.put("--rotation-copies", rotationCopies);
    config.put("--rotation-degrees", rotationDegrees);
    config.put("--elastic-copies", elasticCopies);
    config.put("--elastic-alpha", elasticAlpha);
    config.put("--elastic-sigma", elasticSigma);
    config.put("--noise-copies", noiseCopies);
    config.put("--noise-sigma", noiseSigma);
    config.put("--smote-copies", smoteCopies);
    config.put("--smote-neighbours", smoteNeighbours);
    return config;
  }
}
