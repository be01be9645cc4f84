package io.ktp.drift;

import io.ktp.denoise.SeededHash;
import java.io.Serializable;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * One documented shift of digit images with its strength: the rotation angle in degrees, the
 * thickening weight in [0, 1], or the noise standard deviation in counts (ignored for
 * {@link DigitTransforms.Kind#NONE}).
 *
 * @param kind the transform
 * @param amount its strength
 * @param seed seed of the noise; each row draws from a stream seeded by this seed and its id, so
 *     a row's noise does not depend on partitioning
 */
public record Shift(DigitTransforms.Kind kind, double amount, long seed) implements Serializable {
  private static final long NOISE_SALT = 0x6E6F697365L;

  /** Returns the shifted copy of one row's grid of {@code rows x columns} counts. */
  public double[] apply(double[] image, int rows, int columns, String id) {
    return switch (kind) {
      case NONE -> image.clone();
      case ROTATE -> DigitTransforms.rotate(image, rows, columns, amount);
      case THICKEN -> DigitTransforms.thicken(image, rows, columns, amount);
      case NOISE -> DigitTransforms.noise(image, amount,
          new SplittableRandom(SeededHash.of(seed, id, NOISE_SALT)));
    };
  }

  /** Returns a short description for the origin column and logs, such as "rotate 15 degrees". */
  public String describe() {
    String value = String.format(Locale.ROOT, "%s", amount);
    return switch (kind) {
      case NONE -> "no shift";
      case ROTATE -> "rotate " + value + " degrees";
      case THICKEN -> "thicken with weight " + value;
      case NOISE -> "Gaussian noise of " + value + " counts, seed " + seed;
    };
  }
}
