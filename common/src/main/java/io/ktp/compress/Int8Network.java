package io.ktp.compress;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A perceptron quantized after training to int8 weights and 8-bit activations, stored in a compact
 * binary file and executed with integer dot products in Java.
 *
 * <p>Weights get one symmetric scale per output channel (max |w| / 127), so a channel of small
 * weights keeps its resolution. Each layer's inputs get one scale from their range on a
 * calibration sample: inputs that were never negative (the features, ReLU outputs) use 0..255 at
 * max / 255, others -127..127 at max |a| / 127; values outside the calibrated range are clamped.
 * A layer computes the int32 sum of code products per output, multiplies it by both scales, adds
 * the fp32 bias and applies ReLU. The output layer's values are logits, so the predicted class is
 * their argmax (softmax keeps the order).
 *
 * <p>File format, big-endian (Java's {@link DataOutputStream}): the magic {@code KTQ8}, the
 * format version (int, 1), the layer count (int), then per layer: inputs (int), outputs (int),
 * flags (byte: 1 = ReLU, 2 = unsigned inputs), input scale (float), weight scales (outputs
 * floats), biases (outputs floats), weights (inputs x outputs bytes, output channel by output
 * channel). A 64-16-10 network takes 12 + 2 x 13 + 26 x 8 + 1,184 = 1,430 bytes.
 */
public final class Int8Network {
  /** "KTQ8" in ASCII. */
  static final int MAGIC = 0x4B545138;
  static final int FORMAT_VERSION = 1;
  /** Upper bound on layers and on a layer's width when reading, against damaged files. */
  private static final int MAX_LAYERS = 64;
  private static final int MAX_WIDTH = 1 << 16;
  private static final int RELU_FLAG = 1;
  private static final int UNSIGNED_FLAG = 2;

  private final List<Int8Layer> layers;

  Int8Network(List<Int8Layer> layers) {
    this.layers = List.copyOf(layers);
  }

  public List<Int8Layer> layers() {
    return layers;
  }

  /**
   * Quantizes {@code network}, a perceptron of ReLU dense layers and a softmax output layer, with
   * the activation ranges it shows on the {@code calibration} rows.
   *
   * @throws IllegalArgumentException if a layer is of another kind or the sample is empty
   */
  public static Int8Network quantize(MultiLayerNetwork network, float[][] calibration) {
    if (calibration.length == 0) {
      throw new IllegalArgumentException("The calibration sample has no rows");
    }
    List<INDArray> activations = network.feedForward(Nd4j.create(calibration), false);
    List<Int8Layer> layers = new ArrayList<>();
    int count = network.getnLayers();
    for (int index = 0; index < count; index++) {
      boolean relu = checkLayer(network, index, index == count - 1);
      INDArray weights = network.getLayer(index).getParam("W");
      INDArray bias = network.getLayer(index).getParam("b");
      layers.add(quantizeLayer(weights, bias, activations.get(index), relu));
    }
    return new Int8Network(layers);
  }

  private static boolean checkLayer(MultiLayerNetwork network, int index, boolean last) {
    var layer = network.getLayerWiseConfigurations().getConf(index).getLayer();
    boolean hidden = layer instanceof DenseLayer dense
        && dense.getActivationFn() instanceof ActivationReLU;
    boolean output = layer instanceof OutputLayer out
        && out.getActivationFn() instanceof ActivationSoftmax;
    if (last ? !output : !hidden) {
      throw new IllegalArgumentException("Layer " + index + " is " + describe(layer) + ": int8"
          + " quantization takes ReLU dense layers followed by one softmax output layer");
    }
    return !last;
  }

  private static String describe(org.deeplearning4j.nn.conf.layers.Layer layer) {
    String activation = layer instanceof BaseLayer base ? " with " + base.getActivationFn() : "";
    return layer.getClass().getSimpleName() + activation;
  }

  private static Int8Layer quantizeLayer(INDArray weights, INDArray bias, INDArray input,
      boolean relu) {
    int inputs = (int) weights.size(0);
    int outputs = (int) weights.size(1);
    float[][] w = weights.toFloatMatrix();
    byte[] codes = new byte[inputs * outputs];
    float[] scales = new float[outputs];
    for (int j = 0; j < outputs; j++) {
      float max = 0;
      for (int i = 0; i < inputs; i++) {
        max = Math.max(max, Math.abs(w[i][j]));
      }
      scales[j] = max == 0 ? 1 : max / 127;
      for (int i = 0; i < inputs; i++) {
        codes[j * inputs + i] = (byte) Math.max(-127, Math.min(127,
            Math.round(w[i][j] / scales[j])));
      }
    }
    boolean unsigned = input.minNumber().doubleValue() >= 0;
    float range = input.amaxNumber().floatValue();
    float inputScale = range == 0 ? 1 : range / (unsigned ? 255 : 127);
    return new Int8Layer(inputs, outputs, codes, scales, bias.toFloatVector(), inputScale,
        unsigned, relu);
  }

  /** Returns the output layer's logits for one row of features. */
  public float[] logits(float[] features) {
    float[] values = features;
    for (Int8Layer layer : layers) {
      values = layer.forward(layer.quantize(values));
    }
    return values;
  }

  /** Returns the most probable class of every row. */
  public int[] predict(float[][] rows) {
    int[] predicted = new int[rows.length];
    for (int r = 0; r < rows.length; r++) {
      float[] logits = logits(rows[r]);
      int best = 0;
      for (int k = 1; k < logits.length; k++) {
        best = logits[k] > logits[best] ? k : best;
      }
      predicted[r] = best;
    }
    return predicted;
  }

  /** Returns the number of weights and biases. */
  public long parameterCount() {
    long count = 0;
    for (Int8Layer layer : layers) {
      count += (long) layer.inputs() * layer.outputs() + layer.outputs();
    }
    return count;
  }

  /** Writes the network in the format of the class comment; {@code out} stays open. */
  public void write(OutputStream out) throws IOException {
    DataOutputStream data = new DataOutputStream(out);
    data.writeInt(MAGIC);
    data.writeInt(FORMAT_VERSION);
    data.writeInt(layers.size());
    for (Int8Layer layer : layers) {
      data.writeInt(layer.inputs());
      data.writeInt(layer.outputs());
      data.writeByte((layer.relu() ? RELU_FLAG : 0) | (layer.unsignedInput() ? UNSIGNED_FLAG : 0));
      data.writeFloat(layer.inputScale());
      for (float scale : layer.weightScales()) {
        data.writeFloat(scale);
      }
      for (float b : layer.bias()) {
        data.writeFloat(b);
      }
      data.write(layer.weights());
    }
    data.flush();
  }

  /**
   * Reads a network written by {@link #write(OutputStream)}.
   *
   * @throws IOException if the stream is not in that format, is truncated, or has bytes after
   *     the last layer; the message says which
   */
  public static Int8Network read(InputStream in) throws IOException {
    DataInputStream data = new DataInputStream(in);
    try {
      if (data.readInt() != MAGIC) {
        throw new IOException("not a KTP int8 model (the file does not start with KTQ8)");
      }
      int version = data.readInt();
      if (version != FORMAT_VERSION) {
        throw new IOException("int8 format version " + version + " is not supported (only "
            + FORMAT_VERSION + ")");
      }
      int count = checkedCount(data.readInt(), MAX_LAYERS, "layer count");
      List<Int8Layer> layers = new ArrayList<>(count);
      for (int index = 0; index < count; index++) {
        Int8Layer layer = readLayer(data, index);
        if (index > 0 && layers.get(index - 1).outputs() != layer.inputs()) {
          throw new IOException("layer " + index + " takes " + layer.inputs() + " inputs but"
              + " layer " + (index - 1) + " has " + layers.get(index - 1).outputs() + " outputs");
        }
        layers.add(layer);
      }
      if (data.read() >= 0) {
        throw new IOException("the file has bytes after its last layer");
      }
      return new Int8Network(layers);
    } catch (EOFException e) {
      throw new IOException("the int8 model file is truncated", e);
    }
  }

  private static Int8Layer readLayer(DataInputStream data, int index) throws IOException {
    int inputs = checkedCount(data.readInt(), MAX_WIDTH, "input width of layer " + index);
    int outputs = checkedCount(data.readInt(), MAX_WIDTH, "output width of layer " + index);
    int flags = data.readUnsignedByte();
    float inputScale = checkedScale(data.readFloat(), "input scale of layer " + index);
    float[] scales = new float[outputs];
    for (int j = 0; j < outputs; j++) {
      scales[j] = checkedScale(data.readFloat(), "weight scale of layer " + index);
    }
    float[] bias = new float[outputs];
    for (int j = 0; j < outputs; j++) {
      bias[j] = data.readFloat();
    }
    byte[] weights = new byte[inputs * outputs];
    data.readFully(weights);
    return new Int8Layer(inputs, outputs, weights, scales, bias, inputScale,
        (flags & UNSIGNED_FLAG) != 0, (flags & RELU_FLAG) != 0);
  }

  private static int checkedCount(int value, int max, String what) throws IOException {
    if (value < 1 || value > max) {
      throw new IOException(what + " is " + value + ", expected 1.." + max);
    }
    return value;
  }

  private static float checkedScale(float value, String what) throws IOException {
    if (!(value > 0) || Float.isInfinite(value)) {
      throw new IOException(what + " is " + value + ", expected a finite value > 0");
    }
    return value;
  }
}
