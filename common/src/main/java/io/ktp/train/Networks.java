package io.ktp.train;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/** Builds the networks KTP trains: a ReLU multilayer perceptron and its transfer copies. */
public final class Networks {
  private Networks() {
  }

  /**
   * Returns a new, initialized perceptron {@code inputs -> hidden... -> classes} with ReLU hidden
   * layers, a softmax output, cross-entropy loss and Adam.
   */
  public static MultiLayerNetwork perceptron(int inputs, int[] hidden, int classes,
      double learningRate, long seed) {
    return perceptron(inputs, hidden, classes, learningRate, 0, seed);
  }

  /**
   * Returns a perceptron as {@link #perceptron(int, int[], int, double, long)} whose hidden layers
   * drop each input with probability {@code dropout} during training (0 turns dropout off).
   */
  public static MultiLayerNetwork perceptron(int inputs, int[] hidden, int classes,
      double learningRate, double dropout, long seed) {
    NeuralNetConfiguration.ListBuilder layers = new NeuralNetConfiguration.Builder()
        .seed(seed)
        .updater(new Adam(learningRate))
        .weightInit(WeightInit.RELU)
        .list();
    int width = inputs;
    for (int size : hidden) {
      DenseLayer.Builder layer = new DenseLayer.Builder().nIn(width).nOut(size)
          .activation(Activation.RELU);
      if (dropout > 0) {
        // DL4J's dropOut takes the probability of keeping an input, not of dropping it.
        layer.dropOut(1 - dropout);
      }
      layers.layer(layer.build());
      width = size;
    }
    layers.layer(outputLayer(width, classes));
    MultiLayerConfiguration configuration = layers.build();
    MultiLayerNetwork network = new MultiLayerNetwork(configuration);
    network.init();
    return network;
  }

  /**
   * Returns a copy of {@code source} for fine-tuning: its lower {@code frozenLayers} layers keep
   * their weights, the output layer is replaced by a new one for {@code classes} classes, and
   * every trainable layer uses Adam at {@code learningRate}.
   */
  public static MultiLayerNetwork transfer(MultiLayerNetwork source, int frozenLayers,
      int classes, double learningRate, long seed) {
    int hiddenLayers = source.getnLayers() - 1;
    if (frozenLayers < 0 || frozenLayers > hiddenLayers) {
      throw new IllegalArgumentException("frozenLayers must be in 0.." + hiddenLayers + ", got "
          + frozenLayers);
    }
    int lastWidth = (int) source.getLayer(hiddenLayers - 1).getParam("W").size(1);
    TransferLearning.Builder builder = new TransferLearning.Builder(source.clone())
        .fineTuneConfiguration(new FineTuneConfiguration.Builder()
            .updater(new Adam(learningRate))
            .seed(seed)
            .build())
        .removeOutputLayer()
        .addLayer(outputLayer(lastWidth, classes));
    if (frozenLayers > 0) {
      builder.setFeatureExtractor(frozenLayers - 1);
    }
    return builder.build();
  }

  /**
   * Copies the output layer's weights and bias from {@code from} into {@code to}; both must have
   * the same output layer shape.
   */
  public static void copyOutputLayer(MultiLayerNetwork from, MultiLayerNetwork to) {
    int last = from.getnLayers() - 1;
    for (String parameter : new String[] {"W", "b"}) {
      to.getLayer(last).setParam(parameter, from.getLayer(last).getParam(parameter).dup());
    }
  }

  /** Returns the number of hidden layers, which is the most that fine-tuning can freeze. */
  public static int hiddenLayers(MultiLayerNetwork network) {
    return network.getnLayers() - 1;
  }

  private static OutputLayer outputLayer(int inputs, int classes) {
    return new OutputLayer.Builder(LossFunction.MCXENT)
        .nIn(inputs)
        .nOut(classes)
        .activation(Activation.SOFTMAX)
        .weightInit(WeightInit.XAVIER)
        .build();
  }
}
