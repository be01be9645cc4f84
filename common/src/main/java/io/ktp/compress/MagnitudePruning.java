package io.ktp.compress;

import java.util.Arrays;
import java.util.List;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Magnitude pruning: in every layer, the given fraction of weights with the smallest absolute
 * values is set to zero. Biases are kept. Example: a layer of 1,024 weights at sparsity 0.75 keeps
 * its 256 largest weights by magnitude.
 */
public final class MagnitudePruning {
  private MagnitudePruning() {
  }

  /** Returns a copy of {@code network} pruned to {@code sparsity}, in [0, 1). */
  public static MultiLayerNetwork prune(MultiLayerNetwork network, double sparsity) {
    checkSparsity(sparsity);
    MultiLayerNetwork pruned = network.clone();
    for (int index = 0; index < pruned.getnLayers(); index++) {
      INDArray weights = pruned.getLayer(index).getParam("W");
      pruneInPlace(weights, sparsity);
    }
    return pruned;
  }

  /**
   * Sets the {@code floor(sparsity x length)} weights of smallest magnitude in {@code weights} to
   * zero, in place. Ties at the threshold are broken by position, so exactly that many become 0.
   */
  public static void pruneInPlace(INDArray weights, double sparsity) {
    checkSparsity(sparsity);
    float[] values = weights.dup().reshape(weights.length()).toFloatVector();
    int drop = (int) Math.floor(sparsity * values.length);
    if (drop == 0) {
      return;
    }
    Integer[] order = new Integer[values.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Float.compare(Math.abs(values[a]), Math.abs(values[b])));
    for (int i = 0; i < drop; i++) {
      values[order[i]] = 0;
    }
    weights.assign(org.nd4j.linalg.factory.Nd4j.create(values).reshape(weights.shape()));
  }

  /**
   * Returns a copy of {@code network} whose layers carry a {@link PruningConstraint} at
   * {@code sparsity}, for fine-tuning a pruned network; the copy has new updater state.
   */
  public static MultiLayerNetwork constrained(MultiLayerNetwork network, double sparsity) {
    MultiLayerConfiguration configuration = network.getLayerWiseConfigurations().clone();
    for (NeuralNetConfiguration layer : configuration.getConfs()) {
      layer.getLayer().setConstraints(List.of(new PruningConstraint(sparsity)));
    }
    MultiLayerNetwork copy = new MultiLayerNetwork(configuration);
    copy.init(network.params().dup(), false);
    return copy;
  }

  /** Returns the fraction of weights (W parameters, biases excluded) that are exactly zero. */
  public static double sparsity(MultiLayerNetwork network) {
    long zeros = 0;
    long total = 0;
    for (int index = 0; index < network.getnLayers(); index++) {
      INDArray weights = network.getLayer(index).getParam("W");
      total += weights.length();
      zeros += weights.length() - weights.neq(0).castTo(
          org.nd4j.linalg.api.buffer.DataType.INT64).sumNumber().longValue();
    }
    return total == 0 ? 0 : (double) zeros / total;
  }

  private static void checkSparsity(double sparsity) {
    if (!(sparsity >= 0 && sparsity < 1)) {
      throw new IllegalArgumentException("sparsity must be in [0, 1), got " + sparsity);
    }
  }
}
