package io.ktp.augment;

import java.util.Random;

/**
 * Geometric and noise transforms of one image stored row by row in a feature vector.
 *
 * <p>Pixel (r, c) of a {@code rows x columns} grid is {@code values[r * columns + c]}. Every
 * transform returns a new array and leaves its input unchanged. Pixels that a shift, rotation or
 * distortion moves in from outside the grid take the value {@code background}.
 */
public final class ImageTransforms {
  private ImageTransforms() {
  }

  /**
   * Returns the image moved {@code down} rows and {@code right} columns (negative values move it
   * up or left). With a 3x3 grid and down = 1, row 0 becomes background and row 1 is the old
   * row 0.
   */
  public static double[] shift(double[] values, int rows, int columns, int down, int right,
      double background) {
    double[] shifted = new double[values.length];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < columns; c++) {
        int fromRow = r - down;
        int fromColumn = c - right;
        boolean inside = fromRow >= 0 && fromRow < rows && fromColumn >= 0 && fromColumn < columns;
        shifted[r * columns + c] = inside ? values[fromRow * columns + fromColumn] : background;
      }
    }
    return shifted;
  }

  /**
   * Returns the image rotated by {@code radians} (counter-clockwise as displayed, row 0 at the
   * top) about the grid centre, with bilinear interpolation. Each output pixel samples the input
   * at its position rotated back by the angle.
   */
  public static double[] rotate(double[] values, int rows, int columns, double radians,
      double background) {
    double centreRow = (rows - 1) / 2.0;
    double centreColumn = (columns - 1) / 2.0;
    double cos = Math.cos(radians);
    double sin = Math.sin(radians);
    double[] rotated = new double[values.length];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < columns; c++) {
        // Screen coordinates: x to the right, y up, so y = -(r - centre).
        double x = c - centreColumn;
        double y = centreRow - r;
        double sourceX = cos * x + sin * y;
        double sourceY = -sin * x + cos * y;
        rotated[r * columns + c] = bilinear(values, rows, columns, centreRow - sourceY,
            centreColumn + sourceX, background);
      }
    }
    return rotated;
  }

  /**
   * Returns the image under an elastic distortion (Simard, Steinkraus and Platt, 2003): each
   * pixel is displaced by a random field whose components are uniform in [-1, 1], smoothed with a
   * Gaussian of standard deviation {@code sigma} pixels and scaled by {@code alpha} pixels, and
   * the input is resampled bilinearly at the displaced positions. A small sigma gives a nearly
   * random jitter, a large one a nearly uniform shift; alpha 0 returns a copy.
   */
  public static double[] elastic(double[] values, int rows, int columns, double alpha,
      double sigma, Random random, double background) {
    double[] rowShift = smoothField(rows, columns, sigma, random);
    double[] columnShift = smoothField(rows, columns, sigma, random);
    double[] distorted = new double[values.length];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < columns; c++) {
        int i = r * columns + c;
        distorted[i] = bilinear(values, rows, columns, r + alpha * rowShift[i],
            c + alpha * columnShift[i], background);
      }
    }
    return distorted;
  }

  /** Returns the values with independent Gaussian noise of standard deviation {@code sigma}. */
  public static double[] noise(double[] values, double sigma, Random random) {
    double[] noisy = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      noisy[i] = values[i] + sigma * random.nextGaussian();
    }
    return noisy;
  }

  /** Clips every value into [low, high] in place and returns the array. */
  public static double[] clip(double[] values, double low, double high) {
    for (int i = 0; i < values.length; i++) {
      values[i] = Math.max(low, Math.min(high, values[i]));
    }
    return values;
  }

  /**
   * Returns a field of uniform [-1, 1] values smoothed with a truncated Gaussian kernel (radius
   * 3 sigma) and rescaled so its largest magnitude is 1, as the distortion's unit displacement.
   * The rescaling keeps alpha in pixels whatever sigma is, because smoothing alone shrinks the
   * field towards zero as sigma grows.
   */
  private static double[] smoothField(int rows, int columns, double sigma, Random random) {
    double[] raw = new double[rows * columns];
    for (int i = 0; i < raw.length; i++) {
      raw[i] = 2 * random.nextDouble() - 1;
    }
    if (sigma <= 0) {
      return raw;
    }
    int radius = Math.max(1, (int) Math.ceil(3 * sigma));
    double[] smooth = new double[raw.length];
    double largest = 0;
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < columns; c++) {
        smooth[r * columns + c] = gaussianAverage(raw, rows, columns, r, c, sigma, radius);
        largest = Math.max(largest, Math.abs(smooth[r * columns + c]));
      }
    }
    if (largest > 0) {
      for (int i = 0; i < smooth.length; i++) {
        smooth[i] /= largest;
      }
    }
    return smooth;
  }

  /** Returns the Gaussian-weighted mean of the cells within {@code radius} of (row, column). */
  private static double gaussianAverage(double[] field, int rows, int columns, int row,
      int column, double sigma, int radius) {
    double sum = 0;
    double weights = 0;
    for (int r = Math.max(0, row - radius); r <= Math.min(rows - 1, row + radius); r++) {
      for (int c = Math.max(0, column - radius); c <= Math.min(columns - 1, column + radius); c++) {
        double squared = (r - row) * (r - row) + (c - column) * (c - column);
        double weight = Math.exp(-squared / (2 * sigma * sigma));
        sum += weight * field[r * columns + c];
        weights += weight;
      }
    }
    return sum / weights;
  }

  /** Samples the grid at a fractional position; neighbours outside the grid are background. */
  private static double bilinear(double[] values, int rows, int columns, double row,
      double column, double background) {
    int top = (int) Math.floor(row);
    int left = (int) Math.floor(column);
    double down = row - top;
    double right = column - left;
    return (1 - down) * ((1 - right) * pixel(values, rows, columns, top, left, background)
        + right * pixel(values, rows, columns, top, left + 1, background))
        + down * ((1 - right) * pixel(values, rows, columns, top + 1, left, background)
        + right * pixel(values, rows, columns, top + 1, left + 1, background));
  }

  private static double pixel(double[] values, int rows, int columns, int row, int column,
      double background) {
    boolean inside = row >= 0 && row < rows && column >= 0 && column < columns;
    return inside ? values[row * columns + column] : background;
  }
}
