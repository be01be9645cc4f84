package io.ktp.model;

import io.ktp.cli.UserException;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Compares and copies the trainable state of two networks of the same shape. */
final class NetworkState {
  private NetworkState() {
  }

  /**
   * Fails unless {@code saved} has the layer types and parameter shapes of {@code network}, so
   * that a checkpoint of another network, such as one with other hidden widths or another count
   * of frozen layers, is never copied into it.
   */
  static void checkSameShape(MultiLayerNetwork saved, MultiLayerNetwork network, Path where,
      String fix) throws UserException {
    String expected = describe(network);
    String found = describe(saved);
    if (!expected.equals(found)) {
      throw new UserException("Checkpoint " + where + " contains a network with layers " + found
          + ", but this run trains " + expected + ": " + fix);
    }
  }

  /** Copies parameters, updater state (Adam's moments) and iteration counts. */
  static void copy(MultiLayerNetwork from, MultiLayerNetwork to) {
    to.setParams(from.params().dup());
    INDArray updaterState = from.getUpdater().getStateViewArray();
    if (updaterState != null) {
      to.getUpdater().setStateViewArray(to, updaterState.dup(), false);
    }
    to.setIterationCount(from.getIterationCount());
    to.setEpochCount(from.getEpochCount());
  }

  /** Returns each layer's type and parameter shapes, such as {@code [DenseLayer{W=[64, 128]...}]}. */
  private static String describe(MultiLayerNetwork network) {
    StringBuilder text = new StringBuilder("[");
    for (Layer layer : network.getLayers()) {
      Map<String, String> shapes = new TreeMap<>();
      layer.paramTable().forEach((key, value) -> shapes.put(key, Arrays.toString(value.shape())));
      text.append(text.length() > 1 ? ", " : "").append(layer.getClass().getSimpleName())
          .append(shapes);
    }
    return text.append("]").toString();
  }
}
