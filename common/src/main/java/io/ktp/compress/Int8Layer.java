package io.ktp.compress;

/**
 * One dense layer with int8 weights, stored and executed by {@link Int8Network}.
 *
 * @param inputs input width
 * @param outputs output width, one weight scale per output channel
 * @param weights int8 weights, output channel by output channel: the weight from input i to output
 *     j is {@code weights[j * inputs + i] * weightScales[j]}
 * @param weightScales symmetric scale of each output channel: max |w| / 127 of its fp32 weights
 * @param bias fp32 bias of each output
 * @param inputScale activation scale: an input a is stored as round(a / inputScale)
 * @param unsignedInput true when the calibrated inputs were never negative (as after ReLU), so
 *     they take 0..255; otherwise they take -127..127
 * @param relu true for a hidden ReLU layer, false for the output layer, whose values are logits
 */
public record Int8Layer(int inputs, int outputs, byte[] weights, float[] weightScales,
    float[] bias, float inputScale, boolean unsignedInput, boolean relu) {

  /** Returns the highest quantized activation value, 255 unsigned or 127 signed. */
  int maxCode() {
    return unsignedInput ? 255 : 127;
  }

  /** Returns the lowest quantized activation value, 0 unsigned or -127 signed. */
  int minCode() {
    return unsignedInput ? 0 : -127;
  }

  /**
   * Computes this layer for one row of quantized inputs: an int32 dot product of the int8 codes
   * per output channel, turned back into floats with the two scales, plus the bias, then ReLU.
   */
  float[] forward(int[] codes) {
    float[] out = new float[outputs];
    for (int j = 0; j < outputs; j++) {
      int sum = 0;
      int offset = j * inputs;
      for (int i = 0; i < inputs; i++) {
        sum += codes[i] * weights[offset + i];
      }
      float value = sum * inputScale * weightScales[j] + bias[j];
      out[j] = relu && value < 0 ? 0 : value;
    }
    return out;
  }

  /** Quantizes one row of activations with this layer's input scale, clamped to its range. */
  int[] quantize(float[] activations) {
    int[] codes = new int[inputs];
    for (int i = 0; i < inputs; i++) {
      long code = Math.round(activations[i] / inputScale);
      codes[i] = (int) Math.max(minCode(), Math.min(maxCode(), code));
    }
    return codes;
  }
}
