package io.ktp.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ktp.data.Samples;
import io.ktp.io.SparkSessions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
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
  void replayFillsEveryMinibatch() {
    // 100 new rows in 2 partitions of 50 at 8 new rows per batch: 7 batches per partition, 14
    // in all, padded to whole rounds of 2 workers x 2 batches: 16 batches.
    TrainingOptions options = new TrainingOptions(1, 16, 2, 2, 1e-3, 7);
    List<Example> earlier = new ArrayList<>();
    for (int id = 1000; id < 1050; id++) {
      earlier.add(new Example(new float[] {id, 0, 0.5f}, id % CLASSES));
    }
    Replay replay = Replay.of(earlier, 0.5, options.batchSize());

    Minibatches minibatches = Minibatches.of(sparkContext, examples(100, 2), CLASSES, options,
        replay);
    List<DataSet> batches = minibatches.epoch(1, options).collect();

    assertEquals(8, replay.perBatch());
    assertEquals(16, minibatches.batchesPerEpoch(options));
    assertEquals(16, batches.size());
    Set<Integer> seen = new TreeSet<>();
    for (DataSet batch : batches) {
      assertEquals(16, batch.numExamples());
      List<Integer> ids = checkedIds(batch);
      assertEquals(8, ids.stream().filter(id -> id >= 1000).count(), "replayed rows " + ids);
      ids.stream().filter(id -> id < 1000).forEach(seen::add);
    }
    assertEquals(100, seen.size(), "distinct new rows in the epoch");
  }

  @Test
  void replayFractionRoundsToWholeRows() {
    List<Example> earlier = List.of(new Example(new float[] {1}, 1));

    assertEquals(0, Replay.of(earlier, 0, 32).perBatch());
    assertEquals(0, Replay.of(List.of(), 0.5, 32).perBatch());
    assertEquals(1, Replay.of(earlier, 0.001, 32).perBatch());
    assertEquals(10, Replay.of(earlier, 0.3, 32).perBatch());
    assertEquals(31, Replay.of(earlier, 0.999, 32).perBatch());
  }

  @Test
  void emptyTrainingSetIsRejected() {
    TrainingOptions options = new TrainingOptions(1, 16, 1, 2, 1e-3, 7);
    JavaRDD<Example> empty = sparkContext.parallelize(new ArrayList<Example>(), 2);

    IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
        () -> Minibatches.of(sparkContext, empty, CLASSES, options));

    assertEquals("No training examples: the training split is empty", error.getMessage());
  }

  @Test
  void labelWeightsReplaceOneHotLabel() {
    Dataset<Row> rows = softLabelRows();

    List<Example> examples = Minibatches.examples(rows, 0.5).collect();
    DataSet batch = Minibatches.toDataSet(examples, CLASSES);

    assertEquals(0.7f, batch.getLabels().getFloat(0, 1), 1e-7);
    assertEquals(0.3f, batch.getLabels().getFloat(0, 4), 1e-7);
    assertEquals(0f, batch.getLabels().getFloat(0, 0), 0);
    assertEquals(1f, batch.getLabels().getFloat(1, 2), 0);
    assertEquals(1f, batch.getLabels().getRow(1).sumNumber().floatValue(), 1e-7);
    assertEquals(1f, batch.getFeatures().getFloat(0, 0), 0);
  }

  @Test
  void trainingFitsSoftLabel() {
    // One input, always the same, labelled (0, 0.7, 0, 0, 0.3, 0, ...). Cross-entropy is least
    // when the softmax output equals those weights, so a network trained on the soft label
    // predicts about 0.7 for class 1. The one-hot label 1 would drive it towards 1.
    List<Example> examples = Minibatches.examples(softLabelRows().limit(1), 0.5).collect();
    DataSet batch = Minibatches.toDataSet(List.of(examples.get(0), examples.get(0)), CLASSES);
    MultiLayerNetwork network = Networks.perceptron(2, new int[] {4}, CLASSES, 0.05, 3);

    for (int i = 0; i < 400; i++) {
      network.fit(batch);
    }

    INDArray output = network.output(batch.getFeatures().getRow(0, true));
    assertEquals(0.7, output.getDouble(0, 1), 0.02);
    assertEquals(0.3, output.getDouble(0, 4), 0.02);
  }

  /** Returns a row with label weights 0.7 for class 1 and 0.3 for 4, and a one-hot row of 2. */
  private static Dataset<Row> softLabelRows() {
    SparkSession spark = SparkSession.builder().sparkContext(sparkContext.sc()).getOrCreate();
    double[] weights = new double[CLASSES];
    weights[1] = 0.7;
    weights[4] = 0.3;
    StructType schema = Samples.schema(0, 0).add(Samples.LABEL_WEIGHTS,
        DataTypes.createArrayType(DataTypes.DoubleType, false), true);
    return spark.createDataFrame(List.of(
        RowFactory.create("a", "d", 1, new double[] {2, 4}, "train", 1.0, "test", weights),
        RowFactory.create("b", "d", 2, new double[] {0, 1}, "train", 1.0, "test", null)),
        schema).coalesce(1);
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
