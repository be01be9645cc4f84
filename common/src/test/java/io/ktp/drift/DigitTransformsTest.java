package io.ktp.drift;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Checks the digit transforms on small hand-made grids. */
class DigitTransformsTest {
  @Test
  void rotationByNinetyMovesTopLeftToBottomLeft() {
    double[] image = new double[64];
    image[0] = 16;

    double[] rotated = DigitTransforms.rotate(image, 8, 8, 90);

    assertEquals(16, rotated[7 * 8], 1e-9);
    assertEquals(16, sum(rotated), 1e-9);
  }

  @Test
  void rotationByZeroKeepsImage() {
    double[] image = ramp();

    assertArrayEquals(image, DigitTransforms.rotate(image, 8, 8, 0), 1e-9);
  }

  @Test
  void thickeningWidensLine() {
    double[] image = new double[9];
    image[1] = 16;
    image[4] = 16;
    image[7] = 16;

    double[] thick = DigitTransforms.thicken(image, 3, 3, 0.5);

    assertArrayEquals(new double[] {8, 16, 8, 8, 16, 8, 8, 16, 8}, thick, 1e-9);
  }

  @Test
  void noiseIsSeededAndClipped() {
    double[] image = ramp();

    double[] first = DigitTransforms.noise(image, 3, new SplittableRandom(5));
    double[] again = DigitTransforms.noise(image, 3, new SplittableRandom(5));

    assertArrayEquals(first, again);
    assertNotEquals(0, difference(image, first), 1e-9);
    for (double value : first) {
      assertEquals(Math.rint(value), value);
      assertEquals(true, value >= 0 && value <= 16, "count " + value);
    }
  }

  private static double[] ramp() {
    double[] image = new double[64];
    for (int i = 0; i < 64; i++) {
      image[i] = i % 17;
    }
    return image;
  }

  private static double sum(double[] values) {
    double total = 0;
    for (double v : values) {
      total += v;
    }
    return total;
  }

  private static double difference(double[] a, double[] b) {
    double total = 0;
    for (int i = 0; i < a.length; i++) {
      total += Math.abs(a[i] - b[i]);
    }
    return total;
  }
}
