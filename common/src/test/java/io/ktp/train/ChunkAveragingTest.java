package io.ktp.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ktp.io.SparkSessions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ChunkAveragingTest {
  private static final int CLASSES = 3;
  private static final int FEATURES = 4;

  private static JavaSparkContext sparkContext;

  @BeforeAll
  static void startSpark() {
    sparkContext = JavaSparkContext.fromSparkContext(
        SparkSessions.getOrCreate("ChunkAveragingTest", "local[2]").sparkContext());
  }

  @AfterAll
  static void stopSpark() {
    sparkContext.stop();
  }

  @ParameterizedTest(name = "{0} rows, batch {1}, {2} workers x {3}")
  @CsvSource({
      // 101 rows in 2 partitions of 51 + 50: 4 batches each, rounds of 3 -> 2 rounds.
      "101, 16, 2, 3, 2, 8",
      // One worker, frequency larger than the epoch: one round of 7 batches.
      "100, 16, 1, 50, 1, 7",
      // Fewer rows than one batch per worker: one topped-up batch each.
      "5, 16, 2, 1, 1, 2"})
  void everyRowIsFittedOncePerEpoch(int rows, int batchSize, int workers, int frequency,
      int expectedRounds, long expectedBatches) {
    TrainingOptions options = new TrainingOptions(2, batchSize, frequency, workers, 1e-2, 5);
    ChunkAveraging averaging = new ChunkAveraging(sparkContext, examples(rows, 3), CLASSES,
        options);
    MultiLayerNetwork network = network(5);
    try {
      for (int epoch = 1; epoch <= 2; epoch++) {
        averaging.fitEpoch(network, epoch);

        ChunkAveraging.EpochWork work = averaging.lastEpoch();
        assertEquals(expectedRounds, work.rounds(), "rounds of epoch " + epoch);
        assertEquals(expectedBatches, work.minibatches(), "minibatches of epoch " + epoch);
        assertEquals(rows, work.distinctRows(), "rows of epoch " + epoch);
      }
      assertEquals(2, network.getEpochCount());
    } finally {
      averaging.release();
    }
  }

  /**
   * With one worker, averaging is the identity, so the rounds must reproduce plain sequential
   * fitting of the same minibatches, updater state and iteration count included.
   */
  @Test
  void oneWorkerMatchesPlainSequentialFitting() {
    int rows = 90;
    int batchSize = 8;
    TrainingOptions options = new TrainingOptions(2, batchSize, 3, 1, 1e-2, 11);
    JavaRDD<Example> train = examples(rows, 1);
    MultiLayerNetwork distributed = network(3);
    ChunkAveraging averaging = new ChunkAveraging(sparkContext, train, CLASSES, options);
    try {
      averaging.fitEpoch(distributed, 1);
      averaging.fitEpoch(distributed, 2);
    } finally {
      averaging.release();
    }

    MultiLayerNetwork plain = network(3);
    List<Example> all = train.collect();
    for (int epoch = 1; epoch <= 2; epoch++) {
      List<Example> order = new ArrayList<>(all);
      long shuffleSeed = Minibatches.epochSeed(options, epoch) * 31;
      Collections.shuffle(order, new Random(shuffleSeed));
      Random draws = null;
      for (int start = 0; start < rows; start += batchSize) {
        int batchIndex = start / batchSize;
        if (batchIndex % 3 == 0) {
          draws = new Random(ChunkAveraging.drawSeed(new ChunkAveraging.Chunk(shuffleSeed,
              batchIndex / 3, 3, batchSize, CLASSES)));
        }
        List<Example> batch = new ArrayList<>(order.subList(start,
            Math.min(rows, start + batchSize)));
        while (batch.size() < batchSize) {
          batch.add(order.get(draws.nextInt(order.size())));
        }
        plain.fit(Minibatches.toDataSet(batch, CLASSES));
      }
    }

    assertEquals(plain.getIterationCount(), distributed.getIterationCount());
    assertArrayEquals(plain.params().toFloatVector(), distributed.params().toFloatVector(),
        1e-5f);
    assertArrayEquals(plain.getUpdater().getStateViewArray().toFloatVector(),
        distributed.getUpdater().getStateViewArray().toFloatVector(), 1e-5f);
  }

  /** Two workers' result is the mean of what each would reach alone from the same start. */
  @Test
  void twoWorkersAverageTheirParameters() {
    TrainingOptions options = new TrainingOptions(1, 10, 100, 2, 1e-2, 13);
    JavaRDD<Example> train = examples(40, 1);
    MultiLayerNetwork start = network(9);
    ChunkAveraging.RoundInput input = new ChunkAveraging.RoundInput(
        start.getLayerWiseConfigurations(), start.params().toFloatVector(),
        start.getUpdater().getStateViewArray().toFloatVector(), 0, 0);
    List<Example> all = train.collect();
    List<Example> even = new ArrayList<>();
    List<Example> odd = new ArrayList<>();
    for (int i = 0; i < all.size(); i++) {
      (i % 2 == 0 ? even : odd).add(all.get(i));
    }
    long seed = Minibatches.epochSeed(options, 1) * 31;
    ChunkAveraging.RoundResult first = ChunkAveraging.fitChunk(input, even.iterator(),
        new ChunkAveraging.Chunk(seed, 0, 100, 10, CLASSES));
    ChunkAveraging.RoundResult second = ChunkAveraging.fitChunk(input, odd.iterator(),
        new ChunkAveraging.Chunk(seed + 1, 0, 100, 10, CLASSES));
    float[] expected = new float[first.parameters().length];
    for (int i = 0; i < expected.length; i++) {
      expected[i] = (first.parameters()[i] + second.parameters()[i]) / (2 * 2);
    }

    ChunkAveraging averaging = new ChunkAveraging(sparkContext, train, CLASSES, options);
    try {
      averaging.fitEpoch(start, 1);
    } finally {
      averaging.release();
    }

    assertArrayEquals(expected, start.params().toFloatVector(), 1e-5f);
    assertEquals(2, start.getIterationCount());
  }

  @Test
  void replayKeepsEveryNewRowPerEpoch() {
    // 101 rows in 2 partitions of 51 + 50 at 16 - 8 = 8 new rows per batch: 7 batches each,
    // rounds of 3 -> 3 rounds, 14 minibatches of 16 rows.
    TrainingOptions options = new TrainingOptions(1, 16, 3, 2, 1e-2, 5);
    List<Example> earlier = new ArrayList<>();
    for (int id = 0; id < 20; id++) {
      earlier.add(new Example(new float[FEATURES], id % CLASSES));
    }
    ChunkAveraging averaging = new ChunkAveraging(sparkContext, examples(101, 3), CLASSES,
        options, Replay.of(earlier, 0.5, 16));
    MultiLayerNetwork network = network(5);
    try {
      averaging.fitEpoch(network, 1);

      ChunkAveraging.EpochWork work = averaging.lastEpoch();
      assertEquals(3, work.rounds());
      assertEquals(14, work.minibatches());
      assertEquals(101, work.distinctRows());
    } finally {
      averaging.release();
    }
  }

  @Test
  void trainingLowersTheLoss() {
    TrainingOptions options = new TrainingOptions(1, 16, 2, 2, 1e-2, 17);
    MultiLayerNetwork network = network(17);
    ChunkAveraging averaging = new ChunkAveraging(sparkContext, examples(300, 2), CLASSES,
        options);
    try {
      double first = averaging.fitEpoch(network, 1);
      double later = first;
      for (int epoch = 2; epoch <= 10; epoch++) {
        later = averaging.fitEpoch(network, epoch);
      }
      assertTrue(later < first * 0.8, "loss " + first + " -> " + later);
    } finally {
      averaging.release();
    }
  }

  @Test
  void emptyTrainingSetIsRejected() {
    TrainingOptions options = new TrainingOptions(1, 16, 1, 2, 1e-3, 7);
    JavaRDD<Example> empty = sparkContext.parallelize(new ArrayList<Example>(), 2);

    IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
        () -> new ChunkAveraging(sparkContext, empty, CLASSES, options));

    assertEquals("No training examples: the training split is empty", error.getMessage());
  }

  private static MultiLayerNetwork network(long seed) {
    return Networks.perceptron(FEATURES, new int[] {8}, CLASSES, 1e-2, seed);
  }

  /** Returns three Gaussian blobs, one per class, with a fixed seed. */
  private static JavaRDD<Example> examples(int rows, int partitions) {
    Random random = new Random(rows);
    List<Example> examples = new ArrayList<>();
    for (int id = 0; id < rows; id++) {
      int label = id % CLASSES;
      float[] features = new float[FEATURES];
      for (int f = 0; f < FEATURES; f++) {
        features[f] = (float) (random.nextGaussian() + (f == label ? 2 : 0));
      }
      examples.add(new Example(features, label));
    }
    return sparkContext.parallelize(examples, partitions).cache();
  }
}
