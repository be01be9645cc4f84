package io.ktp.train;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import scala.Tuple2;

/**
 * KTP's own parameter averaging, built on Spark primitives.
 *
 * <p>The training rows are dealt round-robin into one cached partition per worker, even when the
 * input already has one partition per worker: its partitions may each hold a range of rows sorted
 * by class (a parallelized list of MNIST rows does), and workers that fit different classes for a
 * whole round average into a network that fits neither. An epoch is a
 * few rounds; in each round every worker rebuilds the network from the broadcast parameters and
 * updater state, fits its next {@code averagingFrequency} minibatches of its partition (shuffled
 * with a seed per epoch and partition), and returns its parameters and updater state. A tree
 * reduction sums them weighted by the minibatches each worker fitted, the driver divides, and the
 * next round broadcasts the average. Every row is fitted once per epoch; a partition's last
 * minibatch is topped up with seeded random rows of the same partition, so every step trains on
 * {@code batchSize} rows.
 *
 * <p>Compared with DL4J's training master, a round costs one broadcast and one Spark job: the
 * rows stay where they are cached, and no remainder of an epoch is dropped.
 */
final class ChunkAveraging implements EpochFitter {
  private final JavaSparkContext sparkContext;
  private final TrainingOptions options;
  private final int classes;
  private final JavaRDD<Example> partitions;
  private final long rows;
  private final int rounds;
  /** Minibatches per worker per round. */
  private final int frequency;
  private final Broadcast<Replay> replay;
  private final int newRowsPerBatch;
  private EpochWork lastEpoch = new EpochWork(0, 0, 0);

  ChunkAveraging(JavaSparkContext sparkContext, JavaRDD<Example> train, int classes,
      TrainingOptions options) {
    this(sparkContext, train, classes, options, Replay.NONE);
  }

  /**
   * Fits with {@code replay.perBatch()} of every minibatch's {@code options.batchSize()} rows
   * drawn from the replayed rows, so each worker cuts its rows into minibatches of
   * batchSize - perBatch new rows.
   */
  ChunkAveraging(JavaSparkContext sparkContext, JavaRDD<Example> train, int classes,
      TrainingOptions options, Replay replay) {
    if (replay.perBatch() >= options.batchSize()) {
      throw new IllegalArgumentException("Replayed rows per minibatch (" + replay.perBatch()
          + ") must be fewer than the batch size (" + options.batchSize() + ")");
    }
    this.sparkContext = sparkContext;
    this.options = options;
    this.classes = classes;
    this.newRowsPerBatch = options.batchSize() - replay.perBatch();
    int workers = options.workers();
    this.partitions = train.zipWithIndex()
        .mapToPair(pair -> new Tuple2<>(pair._2() % workers, pair._1()))
        .partitionBy(new HashPartitioner(workers))
        .values()
        .persist(StorageLevel.MEMORY_ONLY());
    List<Long> sizes = partitions
        .mapPartitions(it -> Collections.singletonList(count(it)).iterator())
        .collect();
    long total = 0;
    long largest = 0;
    for (long size : sizes) {
      total += size;
      largest = Math.max(largest, size);
    }
    if (total == 0) {
      partitions.unpersist(false);
      throw new IllegalArgumentException("No training examples: the training split is empty");
    }
    this.rows = total;
    this.replay = sparkContext.broadcast(replay);
    long batchesPerWorker = (largest + newRowsPerBatch - 1) / newRowsPerBatch;
    this.frequency = options.averagesOncePerEpoch() ? (int) Math.max(1, batchesPerWorker)
        : options.averagingFrequency();
    this.rounds = (int) ((batchesPerWorker + frequency - 1) / frequency);
  }

  /**
   * Work done in one epoch.
   *
   * @param rounds averaging rounds
   * @param minibatches minibatches fitted by all workers
   * @param distinctRows training rows fitted at least once
   */
  record EpochWork(int rounds, long minibatches, long distinctRows) {
  }

  @Override
  public double fitEpoch(MultiLayerNetwork network, int epoch) {
    double lossSum = 0;
    long batches = 0;
    long distinct = 0;
    for (int round = 0; round < rounds; round++) {
      RoundResult result = round(network, epoch, round);
      if (result.batches() == 0) {
        continue;
      }
      apply(network, result);
      lossSum += result.lossSum();
      batches += result.batches();
      distinct += result.distinctRows();
    }
    lastEpoch = new EpochWork(rounds, batches, distinct);
    network.setEpochCount(epoch);
    return batches == 0 ? Double.NaN : lossSum / batches;
  }

  @Override
  public String describe() {
    return rows + " rows in " + options.workers() + " cached partitions, " + rounds
        + " averaging rounds of up to " + frequency + " minibatches of "
        + options.batchSize() + " rows per worker (KTP's averaging)";
  }

  /** Returns the work done in the last fitted epoch. */
  EpochWork lastEpoch() {
    return lastEpoch;
  }

  /** Releases the cached partitions. */
  void release() {
    partitions.unpersist(false);
    replay.destroy(false);
  }

  private RoundResult round(MultiLayerNetwork network, int epoch, int round) {
    INDArray updater = network.getUpdater() == null ? null
        : network.getUpdater().getStateViewArray();
    RoundInput input = new RoundInput(network.getLayerWiseConfigurations(),
        network.params().toFloatVector(), updater == null ? null : updater.toFloatVector(),
        network.getIterationCount(), epoch - 1);
    Broadcast<RoundInput> state = sparkContext.broadcast(input);
    long seed = Minibatches.epochSeed(options, epoch);
    int batchSize = newRowsPerBatch;
    int perRound = frequency;
    int classCount = classes;
    Broadcast<Replay> replayed = replay;
    try {
      return partitions
          .mapPartitionsWithIndex((partition, it) -> Collections.singletonList(
              fitChunk(state.value(), it, new Chunk(seed * 31 + partition, round, perRound,
                  batchSize, classCount), replayed.value())).iterator(), false)
          .treeReduce(RoundResult::plus, 2);
    } finally {
      state.destroy(false);
    }
  }

  private static void apply(MultiLayerNetwork network, RoundResult sum) {
    float scale = 1f / sum.batches();
    network.setParams(Nd4j.create(scaled(sum.parameters(), scale), 1, sum.parameters().length));
    INDArray updater = network.getUpdater() == null ? null
        : network.getUpdater().getStateViewArray();
    if (updater != null && sum.updaterState() != null) {
      updater.assign(Nd4j.create(scaled(sum.updaterState(), scale), 1,
          sum.updaterState().length));
    }
    network.setIterationCount(network.getIterationCount() + (int) sum.maxBatches());
  }

  /**
   * The minibatches of one partition that one round fits.
   *
   * @param shuffleSeed seed of the partition's row order in this epoch
   * @param round round number within the epoch, from 0
   * @param frequency minibatches per round
   * @param batchSize rows of the partition per minibatch, before replayed rows are added
   * @param classes output classes
   */
  record Chunk(long shuffleSeed, int round, int frequency, int batchSize, int classes) {
  }

  /** Runs on an executor: fits one round's minibatches of one partition. */
  static RoundResult fitChunk(RoundInput input, Iterator<Example> it, Chunk chunk) {
    return fitChunk(input, it, chunk, Replay.NONE);
  }

  /**
   * Fits as {@link #fitChunk(RoundInput, Iterator, Chunk)}, adding {@code replay.perBatch()}
   * replayed rows, drawn with the partition's shuffling stream, to every minibatch.
   */
  static RoundResult fitChunk(RoundInput input, Iterator<Example> it, Chunk chunk,
      Replay replay) {
    List<Example> rows = new ArrayList<>();
    it.forEachRemaining(rows::add);
    long chunkRows = (long) chunk.frequency() * chunk.batchSize();
    if (chunk.round() * chunkRows >= rows.size()) {
      return RoundResult.EMPTY;
    }
    int first = (int) (chunk.round() * chunkRows);
    Collections.shuffle(rows, new Random(chunk.shuffleSeed()));
    // Every round reshuffles to the same order, so top-up and replay draws need a stream of their
    // own per round: one shared stream would repeat the same draws in every round.
    Random random = new Random(drawSeed(chunk));
    int end = (int) Math.min(rows.size(), first + chunkRows);
    MultiLayerNetwork network = input.network();
    double lossSum = 0;
    int batches = 0;
    for (int start = first; start < end; start += chunk.batchSize()) {
      List<Example> batch = new ArrayList<>(rows.subList(start, Math.min(end,
          start + chunk.batchSize())));
      while (batch.size() < chunk.batchSize()) {
        batch.add(rows.get(random.nextInt(rows.size())));
      }
      Minibatches.addReplayed(batch, replay, random);
      network.fit(Minibatches.toDataSet(batch, chunk.classes()));
      lossSum += network.score();
      batches++;
    }
    INDArray updater = network.getUpdater() == null ? null
        : network.getUpdater().getStateViewArray();
    return new RoundResult(scaled(network.params().toFloatVector(), batches),
        updater == null ? null : scaled(updater.toFloatVector(), batches), lossSum, batches,
        batches, end - first);
  }

  /** Returns the seed of a round's top-up and replay draws. */
  static long drawSeed(Chunk chunk) {
    return chunk.shuffleSeed() * 1_000_003L + chunk.round();
  }

  private static long count(Iterator<Example> it) {
    long count = 0;
    while (it.hasNext()) {
      it.next();
      count++;
    }
    return count;
  }

  private static float[] scaled(float[] values, float factor) {
    float[] out = new float[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = values[i] * factor;
    }
    return out;
  }

  /**
   * The state every worker starts a round from.
   *
   * @param configuration the network's configuration
   * @param parameters flattened parameters
   * @param updaterState flattened updater state, or null when the updater keeps none
   * @param iterations iterations fitted so far
   * @param epochs epochs completed so far
   */
  record RoundInput(MultiLayerConfiguration configuration, float[] parameters,
      float[] updaterState, int iterations, int epochs) implements Serializable {

    /** Builds a network in this state; the configuration is copied, so the input stays as is. */
    MultiLayerNetwork network() {
      MultiLayerNetwork network = new MultiLayerNetwork(configuration.clone());
      network.init(Nd4j.create(parameters.clone(), 1, parameters.length), false);
      if (updaterState != null) {
        network.getUpdater().setStateViewArray(network,
            Nd4j.create(updaterState.clone(), 1, updaterState.length), false);
      }
      network.setIterationCount(iterations);
      network.setEpochCount(epochs);
      return network;
    }
  }

  /**
   * Sums over the workers of one round: parameters and updater state multiplied by the
   * minibatches each worker fitted, so that dividing by {@code batches} gives the weighted mean.
   *
   * @param parameters weighted sum of the parameters
   * @param updaterState weighted sum of the updater state, or null
   * @param lossSum sum of the minibatch losses
   * @param batches minibatches fitted
   * @param maxBatches most minibatches fitted by one worker, the iterations the round adds
   * @param distinctRows rows fitted, not counting top-up rows
   */
  record RoundResult(float[] parameters, float[] updaterState, double lossSum, long batches,
      long maxBatches, long distinctRows) implements Serializable {
    static final RoundResult EMPTY = new RoundResult(null, null, 0, 0, 0, 0);

    RoundResult plus(RoundResult other) {
      if (other.batches == 0) {
        return this;
      }
      if (batches == 0) {
        return other;
      }
      return new RoundResult(sum(parameters, other.parameters),
          updaterState == null ? null : sum(updaterState, other.updaterState),
          lossSum + other.lossSum, batches + other.batches,
          Math.max(maxBatches, other.maxBatches), distinctRows + other.distinctRows);
    }

    private static float[] sum(float[] a, float[] b) {
      float[] out = a.clone();
      for (int i = 0; i < out.length; i++) {
        out[i] += b[i];
      }
      return out;
    }
  }
}
