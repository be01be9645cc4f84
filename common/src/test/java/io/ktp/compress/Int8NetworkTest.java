package io.ktp.compress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ktp.train.Networks;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Random;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Checks int8 quantization of a 64-16-10 perceptron against its fp32 outputs, its integer
 * arithmetic against a direct computation, and the file format.
 */
class Int8NetworkTest {
  private static MultiLayerNetwork network;
  private static float[][] rows;
  private static Int8Network quantized;

  @BeforeAll
  static void quantize() {
    network = Networks.perceptron(64, new int[] {16}, 10, 1e-3, 3);
    Random random = new Random(4);
    rows = new float[400][64];
    for (float[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        row[i] = random.nextInt(17) / 16f;
      }
    }
    quantized = Int8Network.quantize(network, Arrays.copyOf(rows, 200));
  }

  @Test
  void logitsCloseToFp32() {
    INDArray expected = Networks.logits(network, Nd4j.create(rows));
    double maxLogit = expected.amaxNumber().doubleValue();
    double worst = 0;
    double total = 0;
    for (int r = 0; r < rows.length; r++) {
      float[] logits = quantized.logits(rows[r]);
      for (int k = 0; k < logits.length; k++) {
        double error = Math.abs(logits[k] - expected.getDouble(r, k));
        worst = Math.max(worst, error);
        total += error;
      }
    }
    double mean = total / (rows.length * 10.0);
    // 8-bit rounding of inputs, weights and hidden activations, and clamping of the rows outside
    // the 200 calibration rows: this 400-row sample gives a mean error of 0.16% of the largest
    // logit and a worst error of 4.8%.
    assertTrue(mean < 0.01 * maxLogit, "mean logit error " + mean + " of " + maxLogit);
    assertTrue(worst < 0.08 * maxLogit, "largest logit error " + worst + " of " + maxLogit);
  }

  @Test
  void predictionsAgreeWithFp32() {
    int[] fp32 = network.output(Nd4j.create(rows), false).argMax(1).toIntVector();
    int[] int8 = quantized.predict(rows);
    int same = 0;
    for (int r = 0; r < rows.length; r++) {
      same += fp32[r] == int8[r] ? 1 : 0;
    }
    assertTrue(same >= 0.97 * rows.length, same + " of " + rows.length + " predictions agree");
  }

  @Test
  void layerComputesScaledIntegerDotProduct() {
    Int8Layer first = quantized.layers().get(0);
    int[] codes = first.quantize(rows[0]);
    float[] out = first.forward(codes);
    for (int j = 0; j < first.outputs(); j++) {
      double sum = 0;
      for (int i = 0; i < first.inputs(); i++) {
        sum += (double) codes[i] * first.weights()[j * first.inputs() + i];
      }
      double expected = Math.max(0, sum * first.inputScale() * first.weightScales()[j]
          + first.bias()[j]);
      assertEquals(expected, out[j], 1e-4 * Math.max(1, Math.abs(expected)), "output " + j);
    }
  }

  @Test
  void weightsUsePerChannelSymmetricScales() {
    Int8Layer first = quantized.layers().get(0);
    float[][] weights = network.getLayer(0).getParam("W").toFloatMatrix();
    for (int j = 0; j < first.outputs(); j++) {
      float max = 0;
      int maxCode = 0;
      for (int i = 0; i < first.inputs(); i++) {
        max = Math.max(max, Math.abs(weights[i][j]));
        maxCode = Math.max(maxCode, Math.abs(first.weights()[j * first.inputs() + i]));
      }
      assertEquals(max / 127, first.weightScales()[j], 1e-7, "scale of channel " + j);
      assertEquals(127, maxCode, "largest code of channel " + j);
    }
    assertTrue(first.unsignedInput(), "features in [0, 1] are quantized unsigned");
    assertEquals(1f / 255, first.inputScale(), 1e-7);
  }

  @Test
  void fileRoundTripsAndHasDocumentedSize() throws IOException {
    byte[] bytes = bytes(quantized);
    assertEquals(1430, bytes.length);
    Int8Network restored = Int8Network.read(new ByteArrayInputStream(bytes));
    assertArrayEquals(bytes, bytes(restored));
    assertArrayEquals(quantized.predict(rows), restored.predict(rows));
    assertEquals(network.numParams(), restored.parameterCount());
  }

  @Test
  void readRejectsDamagedFiles() throws IOException {
    byte[] bytes = bytes(quantized);
    byte[] magic = bytes.clone();
    magic[0] = 'X';
    assertEquals("not a KTP int8 model (the file does not start with KTQ8)",
        readFailure(magic));
    assertEquals("the int8 model file is truncated",
        readFailure(Arrays.copyOf(bytes, bytes.length - 1)));
    assertEquals("the file has bytes after its last layer",
        readFailure(Arrays.copyOf(bytes, bytes.length + 1)));
    byte[] scale = bytes.clone();
    // The first layer's input scale starts after 12 header bytes and 9 layer header bytes.
    Arrays.fill(scale, 21, 25, (byte) 0);
    assertEquals("input scale of layer 0 is 0.0, expected a finite value > 0",
        readFailure(scale));
  }

  @Test
  void rejectsOtherLayerKinds() {
    MultiLayerNetwork frozen = Networks.transfer(network, 1, 10, 1e-3, 1);
    IllegalArgumentException failure = assertThrows(IllegalArgumentException.class,
        () -> Int8Network.quantize(frozen, rows));
    assertTrue(failure.getMessage().startsWith("Layer 0 is FrozenLayer"), failure.getMessage());
  }

  private static String readFailure(byte[] bytes) {
    return assertThrows(IOException.class,
        () -> Int8Network.read(new ByteArrayInputStream(bytes))).getMessage();
  }

  private static byte[] bytes(Int8Network model) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    model.write(out);
    return out.toByteArray();
  }
}
