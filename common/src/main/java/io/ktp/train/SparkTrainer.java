package io.ktp.train;

import io.ktp.cli.UserException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a network with parameter averaging over the Spark executors, epoch by epoch, with the
 * options' {@link TrainingEngine}.
 */
public final class SparkTrainer {
  private static final Logger LOG = LoggerFactory.getLogger(SparkTrainer.class);
  private static final int TRAIN_EVALUATION_ROWS = 2000;

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
   * within each partition, the top-up or padding rows, and with DL4J's engine the master's split
   * of the epoch into averaging rounds (a new master per epoch, seeded from both). So the seed and the
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
    EpochFitter fitter = options.engine() == TrainingEngine.DL4J
        ? new Dl4jEpochs(sparkContext, train, classes, options, replay)
        : new ChunkAveraging(sparkContext, train, classes, options, replay);
    Predictions trainSample = Predictions.of(
        train.takeSample(false, TRAIN_EVALUATION_ROWS, options.seed()));
    LOG.info("Training {}: epochs {} to {}, {} per epoch on {} workers, averaging {}",
        name, curve.size() + 1, options.epochs(), fitter.describe(), options.workers(),
        options.averagesOncePerEpoch() ? "once per epoch"
            : "every " + options.averagingFrequency() + " minibatches");
    if (replay.active()) {
      LOG.info("{}: {} of every {} rows of a minibatch replayed from {} earlier rows", name,
          replay.perBatch(), options.batchSize(), replay.examples().size());
    }
    try {
      for (int epoch = curve.size() + 1; epoch <= options.epochs(); epoch++) {
        long start = System.nanoTime();
        double loss = fitter.fitEpoch(network, epoch);
        double seconds = (System.nanoTime() - start) / 1e9;
        CurvePoint point = new CurvePoint(epoch, loss, trainSample.accuracy(network),
            validation.size() == 0 ? Double.NaN : validation.accuracy(network), seconds);
        curve.add(point);
        checkpoints.save(network, curve);
        LOG.info("{} epoch {}/{}: loss {} train accuracy {} validation accuracy {} ({} s)", name,
            epoch, options.epochs(), format(point.loss()), format(point.trainAccuracy()),
            format(point.validationAccuracy()), format(seconds));
      }
    } finally {
      if (fitter instanceof ChunkAveraging averaging) {
        averaging.release();
      }
    }
    return curve;
  }

  private static String format(double value) {
    return String.format(java.util.Locale.ROOT, "%.4f", value);
  }
}
