package io.ktp.data;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * Maps a 28x28 grey-scale MNIST image into the optdigits representation: on-pixel counts of the
 * 4x4 blocks of a size-normalized 32x32 bitmap, an 8x8 grid of values 0..16.
 *
 * <p>The steps follow the NIST preprocessing that produced optdigits (Garris et al., NIST Form-Based
 * Handprint Recognition System, NISTIR 5469, 1994): the digit's bounding box is scaled so that its
 * longer side fills 32 pixels, keeping the aspect ratio and centring the shorter side, and the
 * stroke width is normalized by turning on a fixed number of pixels, the brightest after bilinear
 * resampling. A "1" written as a thin bar therefore stays a thin bar instead of being stretched to a
 * square blob. Example: a 20x8 bounding box becomes 32x13 (scale 1.6), centred in columns 9..21.
 */
public final class DigitHarmonizer implements Serializable {
  /** Side of the normalized bitmap in pixels. */
  public static final int BITMAP_SIDE = 32;
  /** Side of one counting block in pixels. */
  public static final int BLOCK_SIDE = 4;
  /** Side of the output grid: 32 / 4 = 8. */
  public static final int GRID_SIDE = BITMAP_SIDE / BLOCK_SIDE;
  /** Grey level at or above which a pixel counts as ink when the bounding box is found. */
  public static final double INK_THRESHOLD = 0.5;

  private static final long serialVersionUID = 1L;

  private final int side;
  private final int strokePixels;

  /**
   * @param side side of the square input image in pixels (28 for MNIST)
   * @param strokePixels pixels to turn on in the 32x32 bitmap, from 1 to 1024
   */
  public DigitHarmonizer(int side, int strokePixels) {
    if (side < 2) {
      throw new IllegalArgumentException("Invalid image side " + side + ": must be >= 2");
    }
    if (strokePixels < 1 || strokePixels > BITMAP_SIDE * BITMAP_SIDE) {
      throw new IllegalArgumentException("Invalid value " + strokePixels
          + " for stroke pixels: must be between 1 and " + BITMAP_SIDE * BITMAP_SIDE);
    }
    this.side = side;
    this.strokePixels = strokePixels;
  }

  /** Returns the 64 block counts of one row-major {@code side x side} image with values in [0, 1]. */
  public double[] blockCounts(double[] image) {
    if (image.length != side * side) {
      throw new IllegalArgumentException("Image has " + image.length + " pixels, expected "
          + side * side);
    }
    return countBlocks(binarize(normalizeSize(image)));
  }

  /** Scales the ink's bounding box into the 32x32 frame; returns grey levels, row-major. */
  double[] normalizeSize(double[] image) {
    int[] box = boundingBox(image);
    double[] frame = new double[BITMAP_SIDE * BITMAP_SIDE];
    if (box == null) {
      return frame;
    }
    int height = box[2] - box[0] + 1;
    int width = box[3] - box[1] + 1;
    double scale = (double) BITMAP_SIDE / Math.max(height, width);
    int outHeight = Math.max(1, (int) Math.round(height * scale));
    int outWidth = Math.max(1, (int) Math.round(width * scale));
    int top = (BITMAP_SIDE - outHeight) / 2;
    int left = (BITMAP_SIDE - outWidth) / 2;
    for (int r = 0; r < outHeight; r++) {
      double y = box[0] + (r + 0.5) / scale - 0.5;
      for (int c = 0; c < outWidth; c++) {
        double x = box[1] + (c + 0.5) / scale - 0.5;
        frame[(top + r) * BITMAP_SIDE + left + c] = bilinear(image, y, x);
      }
    }
    return frame;
  }

  /**
   * Turns on the {@code strokePixels} brightest pixels (ties go to the lower index). A thin digit
   * with fewer lit pixels in the frame gets only those (the first MNIST "1" gets 285 of 313), and
   * an image with no pixel at or above the ink threshold gives an empty bitmap.
   */
  boolean[] binarize(double[] frame) {
    Integer[] order = IntStream.range(0, frame.length).boxed().toArray(Integer[]::new);
    Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -frame[i]));
    boolean[] on = new boolean[frame.length];
    for (int k = 0; k < strokePixels && frame[order[k]] > 0; k++) {
      on[order[k]] = true;
    }
    return on;
  }

  static double[] countBlocks(boolean[] bitmap) {
    double[] counts = new double[GRID_SIDE * GRID_SIDE];
    for (int r = 0; r < BITMAP_SIDE; r++) {
      for (int c = 0; c < BITMAP_SIDE; c++) {
        if (bitmap[r * BITMAP_SIDE + c]) {
          counts[(r / BLOCK_SIDE) * GRID_SIDE + c / BLOCK_SIDE]++;
        }
      }
    }
    return counts;
  }

  /** Returns {top, left, bottom, right} of the pixels at or above the ink threshold, or null. */
  private int[] boundingBox(double[] image) {
    int top = side;
    int left = side;
    int bottom = -1;
    int right = -1;
    for (int r = 0; r < side; r++) {
      for (int c = 0; c < side; c++) {
        if (image[r * side + c] >= INK_THRESHOLD) {
          top = Math.min(top, r);
          bottom = Math.max(bottom, r);
          left = Math.min(left, c);
          right = Math.max(right, c);
        }
      }
    }
    return bottom < 0 ? null : new int[] {top, left, bottom, right};
  }

  private double bilinear(double[] image, double y, double x) {
    double cy = Math.min(Math.max(y, 0), side - 1);
    double cx = Math.min(Math.max(x, 0), side - 1);
    int y0 = (int) Math.floor(cy);
    int x0 = (int) Math.floor(cx);
    int y1 = Math.min(y0 + 1, side - 1);
    int x1 = Math.min(x0 + 1, side - 1);
    double fy = cy - y0;
    double fx = cx - x0;
    double upper = image[y0 * side + x0] * (1 - fx) + image[y0 * side + x1] * fx;
    double lower = image[y1 * side + x0] * (1 - fx) + image[y1 * side + x1] * fx;
    return upper * (1 - fy) + lower * fy;
  }
}
