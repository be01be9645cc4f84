package io.ktp.train;

import io.ktp.cli.UserException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.dataset.DataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Trains a network with DL4J's parameter averaging over the Spark executors, epoch by epoch. */
public final class SparkTrainer {
  private static final Logger LOG = LoggerFactory.getLogger(SparkTrainer.class);
  private static final int TRAIN_EVALUATION_ROWS = 2000;
  /** Mixed into the epoch seed for the master's seed, so it differs from the shuffling seed. */
  private static final long MASTER_SEED_SALT = 0x9E3779B97F4A7C15L;

  private final JavaSparkContext sparkContext;
  private final TrainingOptions options;
  private final Replay replay;

  public SparkTrainer(JavaSparkContext sparkContext, TrainingOptions options) {
    this(sparkContext, options, Replay.NONE);
  }

  /** Creates a trainer that mixes {@code replay}'s earlier rows into every minibatch. */
  public SparkTrainer(JavaSparkContext sparkContext, TrainingOptions options, Replay replay) {
    this.sparkContext = sparkContext;
    this.options = options;
    this.replay = replay;
  }

  /**
   * Fits {@code network} in place for the configured epochs and returns the curve.
   *
   * @param name run name used in log lines
   * @param train training examples (cached by the caller)
   * @param validation rows scored after every epoch; may be empty
   */
  public List<CurvePoint> fit(String name, MultiLayerNetwork network, JavaRDD<Example> train,
      int classes, Predictions validation) {
    try {
      return fit(name, network, train, classes, validation, EpochCheckpoints.NONE);
    } catch (UserException | IOException e) {
      throw new IllegalStateException("Training without checkpoints read or wrote a checkpoint",
          e);
    }
  }

  /**
   * Fits {@code network} in place as {@link #fit(String, MultiLayerNetwork, JavaRDD, int,
   * Predictions)}, first restoring it from {@code checkpoints} and saving a checkpoint after every
   * epoch. A restored run continues after the restored epoch and returns the whole curve.
   *
   * <p>Every random choice of an epoch derives from the seed and the epoch number: the row shuffle
   * within each partition, the padding batches, and the parameter-averaging master's split of the
   * epoch into averaging rounds (a new master per epoch, seeded from both). So the seed and the
   * epoch number are the whole random state that a checkpoint needs. NOTE: dropout masks come
   * from ND4J's per-thread generator, which is not seeded per epoch, so with dropout a resumed run
   * is a valid continuation but not a replay of the uninterrupted one.
   */
  public List<CurvePoint> fit(String name, MultiLayerNetwork network, JavaRDD<Example> train,
      int classes, Predictions validation, EpochCheckpoints checkpoints)
      throws UserException, IOException {
    List<CurvePoint> curve = new ArrayList<>(checkpoints.restore(network));
    if (curve.size() >= options.epochs()) {
      LOG.info("{}: all {} epochs restored from the checkpoint", name, options.epochs());
      return curve;
    }
    Minibatches minibatches = Minibatches.of(sparkContext, train, classes, options, replay);
    Predictions trainSample = Predictions.of(
        train.takeSample(false, TRAIN_EVALUATION_ROWS, options.seed()));
    LOG.info("Training {}: epochs {} to {}, {} minibatches of {} rows per epoch on {} workers,"
        + " averaging every {}", name, curve.size() + 1, options.epochs(),
        minibatches.batchesPerEpoch(options), options.batchSize(), options.workers(),
        options.averagingFrequency());
    if (replay.active()) {
      LOG.info("{}: {} of every {} rows of a minibatch replayed from {} earlier rows", name,
          replay.perBatch(), options.batchSize(), replay.examples().size());
    }

    for (int epoch = curve.size() + 1; epoch <= options.epochs(); epoch++) {
      JavaRDD<DataSet> batches = minibatches.epoch(epoch, options);
      // The master draws the seed of each round split from its own Random, so one master per
      // epoch, seeded from the epoch, makes epoch N the same whether or not epoch N - 1 ran in
      // this JVM. SparkDl4jMultiLayer trains the network object it is given, in place.
      SparkDl4jMultiLayer sparkNetwork = new SparkDl4jMultiLayer(sparkContext, network,
          master(epoch));
      long start = System.nanoTime();
      sparkNetwork.fit(batches);
      double seconds = (System.nanoTime() - start) / 1e9;
      CurvePoint point = new CurvePoint(epoch, sparkNetwork.getScore(),
          trainSample.accuracy(network),
          validation.size() == 0 ? Double.NaN : validation.accuracy(network), seconds);
      curve.add(point);
      checkpoints.save(network, curve);
      LOG.info("{} epoch {}/{}: loss {} train accuracy {} validation accuracy {} ({} s)", name,
          epoch, options.epochs(), format(point.loss()), format(point.trainAccuracy()),
          format(point.validationAccuracy()), format(seconds));
    }
    return curve;
  }

  private ParameterAveragingTrainingMaster master(int epoch) {
    return new ParameterAveragingTrainingMaster.Builder(options.workers(), options.batchSize())
        .batchSizePerWorker(options.batchSize())
        .averagingFrequency(options.averagingFrequency())
        .workerPrefetchNumBatches(0)
        .saveUpdater(true)
        .rddTrainingApproach(RDDTrainingApproach.Direct)
        .repartionData(Repartition.Always)
        .rngSeed(Minibatches.epochSeed(options, epoch) ^ MASTER_SEED_SALT)
        .collectTrainingStats(false)
        .build();
  }

  private static String format(double value) {
    return String.format(java.util.Locale.ROOT, "%.4f", value);
  }
}
