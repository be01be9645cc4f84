package io.ktp.compress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ktp.train.Networks;
import java.util.Arrays;
import java.util.Random;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/** Checks magnitude pruning and the constraint that keeps a network pruned while it trains. */
class MagnitudePruningTest {
  @ParameterizedTest
  @ValueSource(doubles = {0, 0.5, 0.75, 0.9})
  void prunesSmallestWeightsPerLayer(double sparsity) {
    MultiLayerNetwork network = Networks.perceptron(64, new int[] {16}, 10, 1e-3, 2);
    MultiLayerNetwork pruned = MagnitudePruning.prune(network, sparsity);
    for (int layer = 0; layer < 2; layer++) {
      float[] before = network.getLayer(layer).getParam("W").dup().reshape(-1).toFloatVector();
      float[] after = pruned.getLayer(layer).getParam("W").dup().reshape(-1).toFloatVector();
      int drop = (int) Math.floor(sparsity * before.length);
      float[] magnitudes = new float[before.length];
      for (int i = 0; i < before.length; i++) {
        magnitudes[i] = Math.abs(before[i]);
      }
      Arrays.sort(magnitudes);
      float threshold = drop == 0 ? -1 : magnitudes[drop - 1];
      int zeros = 0;
      for (int i = 0; i < before.length; i++) {
        if (after[i] == 0) {
          zeros++;
          assertTrue(Math.abs(before[i]) <= threshold, "pruned weight " + before[i]);
        } else {
          assertEquals(before[i], after[i], "kept weight " + i);
        }
      }
      assertEquals(drop, zeros, "zeros in layer " + layer);
      assertEquals(network.getLayer(layer).getParam("b"), pruned.getLayer(layer).getParam("b"));
    }
    assertEquals(sparsity, MagnitudePruning.sparsity(pruned), 1.0 / 1184);
  }

  @ParameterizedTest
  @ValueSource(doubles = {-0.1, 1, 1.5, Double.NaN})
  void rejectsSparsityOutsideRange(double sparsity) {
    MultiLayerNetwork network = Networks.perceptron(4, new int[] {3}, 2, 1e-3, 2);
    assertThrows(IllegalArgumentException.class, () -> MagnitudePruning.prune(network, sparsity));
  }

  @Test
  void constraintKeepsSparsityWhileTraining() {
    MultiLayerNetwork network = MagnitudePruning.constrained(
        MagnitudePruning.prune(Networks.perceptron(64, new int[] {16}, 10, 1e-2, 2), 0.75), 0.75);
    Random random = new Random(1);
    float[][] features = new float[64][64];
    float[][] labels = new float[64][10];
    for (int r = 0; r < 64; r++) {
      for (int i = 0; i < 64; i++) {
        features[r][i] = random.nextFloat();
      }
      labels[r][random.nextInt(10)] = 1;
    }
    INDArray before = network.params().dup();
    for (int step = 0; step < 5; step++) {
      network.fit(new DataSet(Nd4j.create(features), Nd4j.create(labels)));
    }
    assertTrue(!before.equals(network.params()), "training changed the parameters");
    assertEquals(0.75, MagnitudePruning.sparsity(network), 1.0 / 1184);
  }

  @Test
  void constraintRoundTripsThroughJson() {
    MultiLayerNetwork network = MagnitudePruning.constrained(
        Networks.perceptron(8, new int[] {4}, 3, 1e-3, 2), 0.5);
    MultiLayerConfiguration restored = MultiLayerConfiguration.fromJson(
        network.getLayerWiseConfigurations().toJson());
    assertEquals(network.getLayerWiseConfigurations(), restored);
    assertEquals(0.5, ((PruningConstraint) restored.getConf(0).getLayer().getConstraints().get(0))
        .sparsity());
  }
}
