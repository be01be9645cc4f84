package io.ktp.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.Random;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;

/**
 * Checks the distillation loss against a plain-Java computation of its formula, its gradient
 * against central finite differences, and its round trip through DL4J's configuration JSON and
 * model archive.
 */
class DistillationLossTest {
  private static final int CLASSES = 4;

  @Test
  void scoreMatchesFormulaWorkedByHand() {
    // One row, C = 2, T = 2, alpha = 0.5, z = (0, 0), t = (2, 0), y = (1, 0).
    DistillationLoss loss = new DistillationLoss(2, 0.5);
    INDArray labels = Nd4j.create(new double[][] {{1, 0, 2, 0}});
    INDArray logits = Nd4j.create(new double[][] {{0, 0}});
    double teacherFirst = 1 / (1 + Math.exp(-1));
    double kl = teacherFirst * Math.log(teacherFirst / 0.5)
        + (1 - teacherFirst) * Math.log((1 - teacherFirst) / 0.5);
    double expected = 0.5 * 4 * kl + 0.5 * Math.log(2);
    assertEquals(expected, loss.computeScore(labels, logits, new ActivationSoftmax(), null, true),
        1e-12);
    INDArray gradient = loss.computeGradient(labels, logits, new ActivationSoftmax(), null);
    assertEquals(-0.481, gradient.getDouble(0, 0), 1e-3);
    assertEquals(0.481, gradient.getDouble(0, 1), 1e-3);
  }

  @ParameterizedTest(name = "T={0} alpha={1}")
  @CsvSource({"1, 0.5", "4, 0.9", "0.5, 0", "10, 1"})
  void scoreMatchesIndependentComputation(double temperature, double alpha) {
    Random random = new Random(3);
    double[][] labels = labels(random, 6, true);
    double[][] logits = matrix(random, 6, CLASSES, 3);
    DistillationLoss loss = new DistillationLoss(temperature, alpha);
    double score = loss.computeScore(Nd4j.create(labels), Nd4j.create(logits),
        new ActivationSoftmax(), null, false);
    double expected = 0;
    for (int i = 0; i < labels.length; i++) {
      expected += referenceLoss(labels[i], logits[i], temperature, alpha);
    }
    assertEquals(expected, score, 1e-9 * Math.max(1, Math.abs(expected)));
  }

  @ParameterizedTest(name = "T={0} alpha={1}")
  @CsvSource({"1, 0.5", "4, 0.9", "0.5, 0", "10, 1", "3, 0.3"})
  void gradientMatchesFiniteDifferences(double temperature, double alpha) {
    Random random = new Random(5);
    double[][] labels = labels(random, 5, true);
    double[][] logits = matrix(random, 5, CLASSES, 2);
    DistillationLoss loss = new DistillationLoss(temperature, alpha);
    INDArray labelArray = Nd4j.create(labels);
    INDArray gradient = loss.computeGradient(labelArray, Nd4j.create(logits),
        new ActivationSoftmax(), null);
    double step = 1e-6;
    for (int i = 0; i < logits.length; i++) {
      for (int k = 0; k < CLASSES; k++) {
        INDArray plus = Nd4j.create(logits);
        plus.putScalar(i, k, logits[i][k] + step);
        INDArray minus = Nd4j.create(logits);
        minus.putScalar(i, k, logits[i][k] - step);
        double numeric = (loss.computeScore(labelArray, plus, new ActivationSoftmax(), null, false)
            - loss.computeScore(labelArray, minus, new ActivationSoftmax(), null, false))
            / (2 * step);
        assertEquals(numeric, gradient.getDouble(i, k), 1e-6, "d/dz[" + i + "][" + k + "]");
      }
    }
  }

  @Test
  void unlabelledRowsTrainOnTeacherOnly() {
    DistillationLoss loss = new DistillationLoss(2, 0.7);
    INDArray labels = Nd4j.create(new double[][] {{0, 0, 0, 0, 1, -1, 0.5, 2}});
    INDArray logits = Nd4j.create(new double[][] {{0.3, 0.1, -0.2, 0.4}});
    double[] row = labels.toDoubleMatrix()[0];
    double expected = referenceLoss(row, logits.toDoubleMatrix()[0], 2, 0.7);
    assertEquals(expected, loss.computeScore(labels, logits, new ActivationSoftmax(), null, false),
        1e-12);
    INDArray gradient = loss.computeGradient(labels, logits, new ActivationSoftmax(), null);
    assertEquals(0, gradient.sumNumber().doubleValue(), 1e-12, "soft-term gradient sums to 0");
  }

  @Test
  void rowMaskZeroesMaskedRows() {
    Random random = new Random(9);
    INDArray labels = Nd4j.create(labels(random, 3, true));
    INDArray logits = Nd4j.create(matrix(random, 3, CLASSES, 2));
    DistillationLoss loss = new DistillationLoss(3, 0.5);
    INDArray all = loss.computeScoreArray(labels, logits, new ActivationSoftmax(), null);
    INDArray mask = Nd4j.create(new double[][] {{1}, {0}, {1}});
    INDArray masked = loss.computeScoreArray(labels, logits, new ActivationSoftmax(), mask);
    assertEquals(all.getDouble(0), masked.getDouble(0), 1e-12);
    assertEquals(0, masked.getDouble(1), 0);
    INDArray gradient = loss.computeGradient(labels, logits, new ActivationSoftmax(), mask);
    assertEquals(0, gradient.getRow(1).norm1Number().doubleValue(), 0);
  }

  @Test
  void networkPassesGradientCheck() {
    Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    try {
      MultiLayerConfiguration configuration = new NeuralNetConfiguration.Builder()
          .dataType(DataType.DOUBLE).seed(7).updater(new NoOp()).weightInit(WeightInit.XAVIER)
          .list()
          .layer(new DenseLayer.Builder().nIn(5).nOut(6).activation(Activation.TANH).build())
          .layer(new OutputLayer.Builder(new DistillationLoss(3, 0.6)).nIn(6).nOut(CLASSES)
              .activation(Activation.SOFTMAX).build())
          .build();
      MultiLayerNetwork network = new MultiLayerNetwork(configuration);
      network.init();
      Random random = new Random(11);
      INDArray input = Nd4j.create(matrix(random, 8, 5, 1));
      INDArray labels = Nd4j.create(labels(random, 8, false));
      boolean passed = GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig()
          .net(network).input(input).labels(labels).epsilon(1e-6).maxRelError(1e-5)
          .minAbsoluteError(1e-9).print(GradientCheckUtil.PrintMode.FAILURES_ONLY));
      assertTrue(passed, "DL4J gradient check of a network trained with the distillation loss");
    } finally {
      Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
    }
  }

  @Test
  void configurationRoundTripsThroughJson() {
    MultiLayerNetwork network = Networks.perceptron(8, new int[] {5}, CLASSES, 1e-3,
        new DistillationLoss(4, 0.9), 1);
    String json = network.getLayerWiseConfigurations().toJson();
    MultiLayerConfiguration restored = MultiLayerConfiguration.fromJson(json);
    assertEquals(network.getLayerWiseConfigurations(), restored);
    OutputLayer output = (OutputLayer) restored.getConf(1).getLayer();
    assertEquals(new DistillationLoss(4, 0.9), output.getLossFn());
  }

  @Test
  void modelArchiveRoundTrips() throws Exception {
    MultiLayerNetwork network = Networks.perceptron(8, new int[] {5}, CLASSES, 1e-3,
        new DistillationLoss(4, 0.9), 1);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ModelSerializer.writeModel(network, bytes, true);
    MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(
        new ByteArrayInputStream(bytes.toByteArray()), true);
    assertEquals(network.params(), restored.params());
    assertEquals(network.getLayerWiseConfigurations(), restored.getLayerWiseConfigurations());
  }

  @ParameterizedTest(name = "T={0} alpha={1}")
  @CsvSource({"0, 0.5", "-1, 0.5", "NaN, 0.5", "Infinity, 0.5", "1, -0.1", "1, 1.1", "1, NaN"})
  void rejectsInvalidParameters(double temperature, double alpha) {
    assertThrows(IllegalArgumentException.class, () -> new DistillationLoss(temperature, alpha));
  }

  @Test
  void rejectsLabelsOfWrongWidth() {
    DistillationLoss loss = new DistillationLoss(2, 0.5);
    IllegalArgumentException failure = assertThrows(IllegalArgumentException.class,
        () -> loss.computeScore(Nd4j.create(new double[][] {{1, 0, 0, 0}}),
            Nd4j.create(new double[][] {{0, 0, 0, 0}}), new ActivationSoftmax(), null, true));
    assertEquals("Distillation labels must be [rows, 2 x classes] = [1, 8] (one-hot label, then"
        + " teacher logits), got [1, 4]", failure.getMessage());
  }

  /** The loss of one row, written out with plain loops over doubles. */
  private static double referenceLoss(double[] label, double[] logits, double temperature,
      double alpha) {
    double[] teacher = new double[CLASSES];
    double[] scaled = new double[CLASSES];
    for (int k = 0; k < CLASSES; k++) {
      teacher[k] = label[CLASSES + k] / temperature;
      scaled[k] = logits[k] / temperature;
    }
    double[] teacherProbability = softmax(teacher);
    double[] studentSoft = softmax(scaled);
    double[] student = softmax(logits);
    double kl = 0;
    double crossEntropy = 0;
    for (int k = 0; k < CLASSES; k++) {
      kl += teacherProbability[k] * Math.log(teacherProbability[k] / studentSoft[k]);
      crossEntropy -= label[k] * Math.log(student[k]);
    }
    return alpha * temperature * temperature * kl + (1 - alpha) * crossEntropy;
  }

  private static double[] softmax(double[] x) {
    double max = Double.NEGATIVE_INFINITY;
    for (double v : x) {
      max = Math.max(max, v);
    }
    double sum = 0;
    double[] out = new double[x.length];
    for (int k = 0; k < x.length; k++) {
      out[k] = Math.exp(x[k] - max);
      sum += out[k];
    }
    for (int k = 0; k < x.length; k++) {
      out[k] /= sum;
    }
    return out;
  }

  /** Returns rows of one-hot labels and random teacher logits; the first row has no label. */
  private static double[][] labels(Random random, int rows, boolean firstUnlabelled) {
    double[][] labels = new double[rows][2 * CLASSES];
    for (int i = 0; i < rows; i++) {
      if (!(firstUnlabelled && i == 0)) {
        labels[i][random.nextInt(CLASSES)] = 1;
      }
      for (int k = 0; k < CLASSES; k++) {
        labels[i][CLASSES + k] = 4 * random.nextGaussian();
      }
    }
    return labels;
  }

  private static double[][] matrix(Random random, int rows, int columns, double scale) {
    double[][] values = new double[rows][columns];
    for (double[] row : values) {
      for (int j = 0; j < columns; j++) {
        row[j] = scale * random.nextGaussian();
      }
    }
    return values;
  }
}
