package io.ktp.train;

import io.ktp.data.Samples;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Cuts training examples into the minibatch RDD that DL4J's parameter-averaging master fits.
 *
 * <p>The master splits each epoch's RDD into rounds of {@code workers x averagingFrequency}
 * minibatches and drops a remainder that does not fill a round. To fit every example each
 * epoch, this class makes every minibatch exactly {@code batchSize} examples (a partition's last
 * batch is topped up with seeded random picks from the same partition) and pads the epoch with
 * whole seeded random batches up to a multiple of the round size. Example: 8,000 rows in 2
 * partitions at batch 64 give 63 + 63 = 126 batches; with 2 workers averaging every 5, the round
 * is 10 batches, so 4 padding batches make 130.
 */
public final class Minibatches {
  private final JavaSparkContext sparkContext;
  private final JavaRDD<Example> examples;
  private final int classes;
  private final List<Example> paddingPool;
  private final Broadcast<Replay> replay;
  private final int newRowsPerBatch;
  private final long realBatches;

  private Minibatches(JavaSparkContext sparkContext, JavaRDD<Example> examples, int classes,
      int batchSize, List<Example> paddingPool, Replay replay) {
    this.sparkContext = sparkContext;
    this.examples = examples;
    this.classes = classes;
    this.paddingPool = paddingPool;
    this.replay = sparkContext.broadcast(replay);
    this.newRowsPerBatch = batchSize - replay.perBatch();
    int rowsPerBatch = newRowsPerBatch;
    this.realBatches = examples
        .mapPartitions(it -> Collections.singletonList(countBatches(it, rowsPerBatch)).iterator())
        .reduce(Long::sum);
  }

  /**
   * Turns sample rows into cached examples; {@code scale} multiplies every feature. A row's
   * non-null {@link Samples#LABEL_WEIGHTS} becomes its example's label weights, so training fits
   * the soft label instead of the one-hot label.
   */
  public static JavaRDD<Example> examples(Dataset<Row> rows, double scale) {
    if (!Arrays.asList(rows.columns()).contains(Samples.LABEL_WEIGHTS)) {
      return rows.select(Samples.FEATURES, Samples.LABEL).javaRDD()
          .map(row -> new Example(scaled(row.getList(0), scale), row.getInt(1)))
          .cache();
    }
    return rows.select(Samples.FEATURES, Samples.LABEL, Samples.LABEL_WEIGHTS).javaRDD()
        .map(row -> new Example(scaled(row.getList(0), scale), row.getInt(1), null,
            row.isNullAt(2) ? null : scaled(row.getList(2), 1)))
        .cache();
  }

  /** Prepares epochs of {@code examples}; keeps up to one round of examples for padding. */
  public static Minibatches of(JavaSparkContext sparkContext, JavaRDD<Example> examples,
      int classes, TrainingOptions options) {
    return of(sparkContext, examples, classes, options, Replay.NONE);
  }

  /**
   * Prepares epochs as {@link #of(JavaSparkContext, JavaRDD, int, TrainingOptions)}, with
   * {@code replay.perBatch()} of each minibatch's {@code options.batchSize()} rows drawn from the
   * replayed rows, so an epoch cuts the new rows into batches of batchSize - perBatch.
   */
  public static Minibatches of(JavaSparkContext sparkContext, JavaRDD<Example> examples,
      int classes, TrainingOptions options, Replay replay) {
    if (replay.perBatch() >= options.batchSize()) {
      throw new IllegalArgumentException("Replayed rows per minibatch (" + replay.perBatch()
          + ") must be fewer than the batch size (" + options.batchSize() + ")");
    }
    int poolSize = options.batchesPerRound() * options.batchSize();
    List<Example> pool = examples.takeSample(true, poolSize, options.seed());
    if (pool.isEmpty()) {
      throw new IllegalArgumentException("No training examples: the training split is empty");
    }
    return new Minibatches(sparkContext, examples, classes, options.batchSize(), pool, replay);
  }

  /** Returns one epoch's minibatches, shuffled within partitions with a seed per epoch. */
  public JavaRDD<DataSet> epoch(int epoch, TrainingOptions options) {
    int batchSize = newRowsPerBatch;
    int classCount = classes;
    long seed = epochSeed(options, epoch);
    Broadcast<Replay> replayed = replay;
    JavaRDD<DataSet> batches = examples.mapPartitionsWithIndex((partition, it) -> {
      Random random = new Random(seed * 31 + partition);
      return toBatches(it, batchSize, classCount, random, replayed.value()).iterator();
    }, true);
    int round = options.batchesPerRound();
    int padding = (int) ((round - realBatches % round) % round);
    if (padding == 0) {
      return batches;
    }
    return batches.union(sparkContext.parallelize(paddingBatches(padding, batchSize, seed), 1));
  }

  /** Returns the seed of one epoch's shuffling and padding, derived from the run seed. */
  static long epochSeed(TrainingOptions options, int epoch) {
    return options.seed() * 1_000_003L + epoch;
  }

  /** Returns the minibatches per epoch, padding included. */
  public long batchesPerEpoch(TrainingOptions options) {
    int round = options.batchesPerRound();
    return realBatches + (round - realBatches % round) % round;
  }

  private List<DataSet> paddingBatches(int count, int batchSize, long seed) {
    Random random = new Random(seed ^ 0x5DEECE66DL);
    List<DataSet> batches = new ArrayList<>(count);
    for (int b = 0; b < count; b++) {
      List<Example> batch = new ArrayList<>(batchSize);
      for (int i = 0; i < batchSize; i++) {
        batch.add(paddingPool.get(random.nextInt(paddingPool.size())));
      }
      addReplayed(batch, replay.value(), random);
      batches.add(toDataSet(batch, classes));
    }
    return batches;
  }

  private static long countBatches(Iterator<Example> it, int batchSize) {
    long rows = 0;
    while (it.hasNext()) {
      it.next();
      rows++;
    }
    return (rows + batchSize - 1) / batchSize;
  }

  private static List<DataSet> toBatches(Iterator<Example> it, int batchSize, int classes,
      Random random, Replay replay) {
    List<Example> rows = new ArrayList<>();
    it.forEachRemaining(rows::add);
    Collections.shuffle(rows, random);
    List<DataSet> batches = new ArrayList<>();
    for (int start = 0; start < rows.size(); start += batchSize) {
      List<Example> batch = new ArrayList<>(rows.subList(start, Math.min(rows.size(),
          start + batchSize)));
      while (batch.size() < batchSize) {
        batch.add(rows.get(random.nextInt(rows.size())));
      }
      addReplayed(batch, replay, random);
      batches.add(toDataSet(batch, classes));
    }
    return batches;
  }

  /** Appends {@code replay.perBatch()} replayed rows drawn with replacement by {@code random}. */
  static void addReplayed(List<Example> batch, Replay replay, Random random) {
    List<Example> earlier = replay.examples();
    for (int i = 0; i < replay.perBatch(); i++) {
      batch.add(earlier.get(random.nextInt(earlier.size())));
    }
  }

  /**
   * Builds one DataSet from Java arrays (faster than slicing an INDArray row by row). When the
   * examples carry teacher logits, each label row is the one-hot label followed by the logits,
   * {@code 2 x classes} wide, the layout {@link DistillationLoss} reads; a row with
   * {@link Example#NO_LABEL} gets an all-zero one-hot part. An example with label weights gets
   * them in place of its one-hot label.
   */
  public static DataSet toDataSet(List<Example> batch, int classes) {
    boolean withTeacher = batch.get(0).teacherLogits() != null;
    float[][] features = new float[batch.size()][];
    float[][] labels = new float[batch.size()][withTeacher ? 2 * classes : classes];
    for (int i = 0; i < batch.size(); i++) {
      Example example = batch.get(i);
      features[i] = example.features();
      if (example.labelWeights() != null) {
        System.arraycopy(example.labelWeights(), 0, labels[i], 0, classes);
      } else if (example.label() != Example.NO_LABEL) {
        labels[i][example.label()] = 1f;
      }
      if (withTeacher) {
        System.arraycopy(example.teacherLogits(), 0, labels[i], classes, classes);
      }
    }
    return new DataSet(Nd4j.create(features), Nd4j.create(labels));
  }

  /** Returns a row's feature list as floats multiplied by {@code scale}. */
  public static float[] scaled(List<?> values, double scale) {
    float[] out = new float[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) (((Double) values.get(i)) * scale);
    }
    return out;
  }
}
