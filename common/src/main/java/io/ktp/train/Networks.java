package io.ktp.train;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.ILossFunction;
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
    return perceptron(inputs, hidden, classes, learningRate, dropout,
        LossFunction.MCXENT.getILossFunction(), seed);
  }

  /**
   * Returns a perceptron as {@link #perceptron(int, int[], int, double, long)} whose softmax
   * output layer trains with {@code loss}, such as a {@link DistillationLoss}.
   */
  public static MultiLayerNetwork perceptron(int inputs, int[] hidden, int classes,
      double learningRate, ILossFunction loss, long seed) {
    return perceptron(inputs, hidden, classes, learningRate, 0, loss, seed);
  }

  private static MultiLayerNetwork perceptron(int inputs, int[] hidden, int classes,
      double learningRate, double dropout, ILossFunction loss, long seed) {
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
    layers.layer(outputLayer(width, classes, loss));
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
        .addLayer(outputLayer(lastWidth, classes, LossFunction.MCXENT.getILossFunction()));
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

  /** Returns the hidden layer widths of a perceptron, from the input side. */
  public static int[] hiddenWidths(MultiLayerNetwork network) {
    int[] widths = new int[hiddenLayers(network)];
    for (int i = 0; i < widths.length; i++) {
      widths[i] = (int) network.layerSize(i);
    }
    return widths;
  }

  /**
   * Returns the logits of {@code network} for {@code features}: the output layer's values before
   * softmax, computed from the last hidden layer's activations and the output layer's W and b.
   */
  public static INDArray logits(MultiLayerNetwork network, INDArray features) {
    int last = network.getnLayers() - 1;
    INDArray hidden = network.feedForwardToLayer(last - 1, features, false).get(last);
    Layer output = network.getLayer(last);
    return hidden.mmul(output.getParam("W")).addiRowVector(output.getParam("b"));
  }

  private static OutputLayer outputLayer(int inputs, int classes, ILossFunction loss) {
    return new OutputLayer.Builder(loss)
        .nIn(inputs)
        .nOut(classes)
        .activation(Activation.SOFTMAX)
        .weightInit(WeightInit.XAVIER)
        .build();
  }
}
