package io.ktp.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ktp.io.SparkSessions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

class MinibatchesTest {
  private static final int CLASSES = 10;

  private static JavaSparkContext sparkContext;

  @BeforeAll
  static void startSpark() {
    sparkContext = JavaSparkContext.fromSparkContext(
        SparkSessions.getOrCreate("MinibatchesTest", "local[2]").sparkContext());
  }

  @AfterAll
  static void stopSpark() {
    sparkContext.stop();
  }

  @ParameterizedTest(name = "{0} rows in {1} partitions, batch {2}, {3} workers x {4}")
  @CsvSource({
      // 67 + 68 + 68 rows give 5 + 5 + 5 batches; rounds of 6 need 3 padding batches.
      "203,  3, 16, 2, 3, 18",
      // 32 + 32 rows fill 2 batches exactly, one round of 2: no padding.
      "64,   2, 32, 2, 1,  2",
      // 5 + 5 rows give 2 topped-up batches; rounds of 10 need 8 padding batches.
      "10,   2, 16, 2, 5, 10",
      // The example of the class comment: 63 + 63 batches, padded to 130.
      "8000, 2, 64, 2, 5, 130"})
  void epochsCoverEveryRowInWholeRounds(int rows, int partitions, int batchSize, int workers,
      int averagingFrequency, int expectedBatches) {
    TrainingOptions options = new TrainingOptions(3, batchSize, averagingFrequency, workers, 1e-3,
        42);
    Minibatches minibatches = Minibatches.of(sparkContext, examples(rows, partitions), CLASSES,
        options);

    assertEquals(expectedBatches, minibatches.batchesPerEpoch(options));
    for (int epoch = 1; epoch <= options.epochs(); epoch++) {
      List<DataSet> batches = minibatches.epoch(epoch, options).collect();

      assertEquals(expectedBatches, batches.size(), "epoch " + epoch);
      assertEquals(0, batches.size() % (workers * averagingFrequency), "epoch " + epoch);
      Set<Integer> seen = new TreeSet<>();
      for (DataSet batch : batches) {
        assertEquals(batchSize, batch.numExamples(), "epoch " + epoch);
        seen.addAll(checkedIds(batch));
      }
      assertEquals(rows, seen.size(), "distinct rows in epoch " + epoch);
    }
  }

  @Test
  void sameSeedGivesSameBatches() {
    TrainingOptions options = new TrainingOptions(2, 16, 3, 2, 1e-3, 7);
    JavaRDD<Example> examples = examples(203, 3);

    List<List<Integer>> first = order(Minibatches.of(sparkContext, examples, CLASSES, options)
        .epoch(1, options).collect());
    List<List<Integer>> second = order(Minibatches.of(sparkContext, examples, CLASSES, options)
        .epoch(1, options).collect());

    assertEquals(first, second);
  }

  @Test
  void epochAndSeedChangeTheOrder() {
    TrainingOptions options = new TrainingOptions(2, 16, 3, 2, 1e-3, 7);
    TrainingOptions otherSeed = new TrainingOptions(2, 16, 3, 2, 1e-3, 8);
    JavaRDD<Example> examples = examples(203, 3);
    Minibatches minibatches = Minibatches.of(sparkContext, examples, CLASSES, options);

    List<List<Integer>> first = order(minibatches.epoch(1, options).collect());
    List<List<Integer>> second = order(minibatches.epoch(2, options).collect());
    List<List<Integer>> seeded = order(Minibatches.of(sparkContext, examples, CLASSES, otherSeed)
        .epoch(1, otherSeed).collect());

    assertNotEquals(first, second);
    assertNotEquals(first, seeded);
  }

  @Test
  void emptyTrainingSetIsRejected() {
    TrainingOptions options = new TrainingOptions(1, 16, 1, 2, 1e-3, 7);
    JavaRDD<Example> empty = sparkContext.parallelize(new ArrayList<Example>(), 2);

    IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
        () -> Minibatches.of(sparkContext, empty, CLASSES, options));

    assertEquals("No training examples: the training split is empty", error.getMessage());
  }

  /** Returns examples whose first feature is their id and whose label is id % 10. */
  private static JavaRDD<Example> examples(int rows, int partitions) {
    List<Example> examples = new ArrayList<>();
    for (int id = 0; id < rows; id++) {
      examples.add(new Example(new float[] {id, id % 3, 0.5f}, id % CLASSES));
    }
    return sparkContext.parallelize(examples, partitions).cache();
  }

  /** Returns the ids of one batch after checking that each row's one-hot label fits its id. */
  private static List<Integer> checkedIds(DataSet batch) {
    INDArray features = batch.getFeatures();
    INDArray labels = batch.getLabels();
    assertEquals(CLASSES, labels.columns());
    List<Integer> ids = new ArrayList<>();
    for (int row = 0; row < batch.numExamples(); row++) {
      int id = (int) features.getFloat(row, 0);
      assertEquals(1.0, labels.getRow(row).sumNumber().doubleValue(), 0.0, "row " + id);
      assertEquals(1.0, labels.getFloat(row, id % CLASSES), 0.0, "label of row " + id);
      ids.add(id);
    }
    return ids;
  }

  private static List<List<Integer>> order(List<DataSet> batches) {
    List<List<Integer>> ids = new ArrayList<>();
    for (DataSet batch : batches) {
      ids.add(checkedIds(batch));
    }
    return ids;
  }
}
