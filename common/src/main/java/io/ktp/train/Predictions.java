package io.ktp.train;

import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Labelled examples held on the driver for evaluation, with the network's predictions on them.
 *
 * <p>NOTE: evaluation sets are collected to the driver. At 64 features that is about 260 bytes
 * per row, so a million-row test split needs about 260 MB of driver heap.
 */
public record Predictions(float[][] features, int[] labels) {
  private static final int BATCH = 1024;

  /**
   * Collects examples into arrays, leaving out examples whose label training does not use
   * ({@link Example#NO_LABEL}).
   */
  public static Predictions of(List<Example> examples) {
    List<Example> labelled = examples.stream()
        .filter(example -> example.label() != Example.NO_LABEL).toList();
    float[][] features = new float[labelled.size()][];
    int[] labels = new int[labelled.size()];
    for (int i = 0; i < labels.length; i++) {
      features[i] = labelled.get(i).features();
      labels[i] = labelled.get(i).label();
    }
    return new Predictions(features, labels);
  }

  public int size() {
    return labels.length;
  }

  /** Returns the most probable class of every row. */
  public int[] predict(MultiLayerNetwork network) {
    int[] predicted = new int[labels.length];
    for (int start = 0; start < labels.length; start += BATCH) {
      int end = Math.min(labels.length, start + BATCH);
      float[][] chunk = java.util.Arrays.copyOfRange(features, start, end);
      INDArray output = network.output(Nd4j.create(chunk), false);
      int[] argMax = output.argMax(1).toIntVector();
      System.arraycopy(argMax, 0, predicted, start, argMax.length);
    }
    return predicted;
  }

  /** Returns the fraction of rows whose predicted class equals the label. */
  public double accuracy(MultiLayerNetwork network) {
    int[] predicted = predict(network);
    int correct = 0;
    for (int i = 0; i < predicted.length; i++) {
      if (predicted[i] == labels[i]) {
        correct++;
      }
    }
    return labels.length == 0 ? Double.NaN : (double) correct / labels.length;
  }
}
