package io.ktp.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ImageTransformsTest {
  /** A 3x3 image: 1 2 3 / 4 5 6 / 7 8 9. */
  private static final double[] IMAGE = {1, 2, 3, 4, 5, 6, 7, 8, 9};

  @Test
  void shiftDownRightFillsBackground() {
    double[] shifted = ImageTransforms.shift(IMAGE, 3, 3, 1, 1, 0);

    assertArrayEquals(new double[] {0, 0, 0, 0, 1, 2, 0, 4, 5}, shifted);
  }

  @Test
  void shiftUpLeft() {
    double[] shifted = ImageTransforms.shift(IMAGE, 3, 3, -1, -2, -1);

    assertArrayEquals(new double[] {6, -1, -1, 9, -1, -1, -1, -1, -1}, shifted);
  }

  @Test
  void rotationByZeroIsIdentity() {
    assertArrayEquals(IMAGE, ImageTransforms.rotate(IMAGE, 3, 3, 0, 0), 1e-12);
  }

  @Test
  void quarterTurnCounterClockwise() {
    // Counter-clockwise as displayed: the right column becomes the top row.
    double[] rotated = ImageTransforms.rotate(IMAGE, 3, 3, Math.PI / 2, 0);

    assertArrayEquals(new double[] {3, 6, 9, 2, 5, 8, 1, 4, 7}, rotated, 1e-9);
  }

  @Test
  void halfTurnOnRectangle() {
    double[] image = {1, 2, 3, 4, 5, 6};

    assertArrayEquals(new double[] {6, 5, 4, 3, 2, 1},
        ImageTransforms.rotate(image, 2, 3, Math.PI, 0), 1e-9);
  }

  @Test
  void rotationInterpolatesBilinearly() {
    // At 45 degrees the top-middle output pixel samples the input at row 1 - h, column 1 + h
    // with h = sqrt(2) / 2, between the cells 2, 3, 5 and 6, which gives 2 + h + 3 (1 - h).
    double[] rotated = ImageTransforms.rotate(IMAGE, 3, 3, Math.PI / 4, 0);
    double h = Math.sqrt(2) / 2;

    assertEquals(2 + h + 3 * (1 - h), rotated[1], 1e-9);
    assertEquals(5, rotated[4], 1e-9);
  }

  @Test
  void elasticWithoutStrengthIsCopy() {
    assertArrayEquals(IMAGE, ImageTransforms.elastic(IMAGE, 3, 3, 0, 1, new Random(1), 0),
        1e-12);
  }

  @Test
  void elasticMovesAtMostAlpha() {
    double[] ramp = new double[64];
    for (int i = 0; i < 64; i++) {
      ramp[i] = i % 8;
    }
    double[] distorted = ImageTransforms.elastic(ramp, 8, 8, 0.5, 1.0, new Random(7), 0);

    assertNotEquals(0, maxDifference(ramp, distorted));
    // The ramp rises by 1 per column, so a displacement of at most 0.5 columns changes a cell
    // inside the grid by at most 0.5.
    for (int r = 1; r < 7; r++) {
      for (int c = 1; c < 7; c++) {
        assertEquals(ramp[r * 8 + c], distorted[r * 8 + c], 0.5 + 1e-9, "cell " + r + "," + c);
      }
    }
  }

  @Test
  void elasticSameSeedSameImage() {
    assertArrayEquals(ImageTransforms.elastic(IMAGE, 3, 3, 1, 1, new Random(3), 0),
        ImageTransforms.elastic(IMAGE, 3, 3, 1, 1, new Random(3), 0));
  }

  @Test
  void noiseHasRequestedSpread() {
    double[] zeros = new double[20_000];
    double[] noisy = ImageTransforms.noise(zeros, 2.0, new Random(5));
    double sum = 0;
    double squares = 0;
    for (double value : noisy) {
      sum += value;
      squares += value * value;
    }
    double mean = sum / noisy.length;

    assertEquals(0, mean, 0.05);
    assertEquals(2.0, Math.sqrt(squares / noisy.length - mean * mean), 0.05);
  }

  @Test
  void clipKeepsRange() {
    assertArrayEquals(new double[] {0, 3, 16},
        ImageTransforms.clip(new double[] {-2, 3, 20}, 0, 16));
  }

  private static double maxDifference(double[] a, double[] b) {
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs(a[i] - b[i]));
    }
    return max;
  }
}
