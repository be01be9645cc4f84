package io.ktp.drift;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Documented shifts of digit images, used to build drifted batches from real held-out rows. An
 * image is a row-major grid of block counts in [0, {@value #MAX_COUNT}] (8 x 8 for the digits);
 * every transform returns counts rounded to integers and clipped to that range, so a shifted row
 * is still a valid row of the domain.
 */
public final class DigitTransforms {
  /** Largest block count: a 4 x 4 block with every pixel set. */
  public static final double MAX_COUNT = 16;

  /** The shift a batch gets. */
  public enum Kind {
    /** No change: an unshifted batch. */
    NONE,
    /** Rotation about the image centre by a fixed angle, bilinear interpolation, 0 outside. */
    ROTATE,
    /** Grey-scale dilation with a 3 x 3 cross, blended with the original by a weight. */
    THICKEN,
    /** Gaussian noise of a fixed standard deviation, in counts, added to every cell. */
    NOISE;

    /** Returns the option value of this kind, such as {@code rotate}. */
    public String code() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private DigitTransforms() {
  }

  /**
   * Rotates counterclockwise by {@code degrees} about the grid centre. Each output cell takes the
   * bilinear interpolation of the input at the inversely rotated position, and positions outside
   * the grid count as 0. Example: a 90 degree rotation moves the top-left cell of an 8 x 8 grid to
   * the bottom-left cell.
   */
  public static double[] rotate(double[] image, int rows, int columns, double degrees) {
    double radians = Math.toRadians(degrees);
    double cos = Math.cos(radians);
    double sin = Math.sin(radians);
    double centreRow = (rows - 1) / 2.0;
    double centreColumn = (columns - 1) / 2.0;
    double[] out = new double[image.length];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < columns; c++) {
        // Image rows grow downwards, so a counterclockwise turn on screen uses -y as the axis.
        double x = c - centreColumn;
        double y = centreRow - r;
        double sourceX = cos * x + sin * y;
        double sourceY = -sin * x + cos * y;
        out[r * columns + c] = clip(bilinear(image, rows, columns, centreRow - sourceY,
            centreColumn + sourceX));
      }
    }
    return out;
  }

  /**
   * Thickens strokes: each cell becomes (1 - weight) x its count + weight x the largest count of
   * the cell and its four direct neighbours. Weight 0 changes nothing; weight 1 is a full
   * dilation. Example: a one-cell-wide line of 16s with weight 0.5 gains 8s on either side.
   */
  public static double[] thicken(double[] image, int rows, int columns, double weight) {
    double[] out = new double[image.length];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < columns; c++) {
        double max = image[r * columns + c];
        max = Math.max(max, cell(image, rows, columns, r - 1, c));
        max = Math.max(max, cell(image, rows, columns, r + 1, c));
        max = Math.max(max, cell(image, rows, columns, r, c - 1));
        max = Math.max(max, cell(image, rows, columns, r, c + 1));
        out[r * columns + c] = clip((1 - weight) * image[r * columns + c] + weight * max);
      }
    }
    return out;
  }

  /** Adds Gaussian noise with standard deviation {@code deviation} counts to every cell. */
  public static double[] noise(double[] image, double deviation, SplittableRandom random) {
    double[] out = new double[image.length];
    for (int i = 0; i < image.length; i++) {
      out[i] = clip(image[i] + deviation * gaussian(random));
    }
    return out;
  }

  /** Returns a standard normal draw (Box-Muller), because SplittableRandom has none in Java 17. */
  private static double gaussian(SplittableRandom random) {
    double u = 1.0 - random.nextDouble();
    double v = random.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  private static double bilinear(double[] image, int rows, int columns, double row,
      double column) {
    int r0 = (int) Math.floor(row);
    int c0 = (int) Math.floor(column);
    double dr = row - r0;
    double dc = column - c0;
    return (1 - dr) * ((1 - dc) * cell(image, rows, columns, r0, c0)
        + dc * cell(image, rows, columns, r0, c0 + 1))
        + dr * ((1 - dc) * cell(image, rows, columns, r0 + 1, c0)
        + dc * cell(image, rows, columns, r0 + 1, c0 + 1));
  }

  private static double cell(double[] image, int rows, int columns, int r, int c) {
    if (r < 0 || r >= rows || c < 0 || c >= columns) {
      return 0;
    }
    return image[r * columns + c];
  }

  private static double clip(double value) {
    return Math.max(0, Math.min(MAX_COUNT, Math.rint(value)));
  }
}
