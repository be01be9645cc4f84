package io.ktp.train;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Epochs fitted by DL4J's {@code ParameterAveragingTrainingMaster}, fed the padded rounds of
 * {@link Minibatches}.
 */
final class Dl4jEpochs implements EpochFitter {
  /** Mixed into the epoch seed for the master's seed, so it differs from the shuffling seed. */
  private static final long MASTER_SEED_SALT = 0x9E3779B97F4A7C15L;

  private final JavaSparkContext sparkContext;
  private final TrainingOptions options;
  private final Minibatches minibatches;

  Dl4jEpochs(JavaSparkContext sparkContext, JavaRDD<Example> train, int classes,
      TrainingOptions options) {
    this(sparkContext, train, classes, options, Replay.NONE);
  }

  /** Fits with {@code replay}'s earlier rows in every minibatch. */
  Dl4jEpochs(JavaSparkContext sparkContext, JavaRDD<Example> train, int classes,
      TrainingOptions options, Replay replay) {
    this.sparkContext = sparkContext;
    this.options = options.averagesOncePerEpoch() ? onceAnEpoch(options, train.count())
        : options;
    this.minibatches = Minibatches.of(sparkContext, train, classes, this.options, replay);
  }

  /** Returns options whose rounds hold every worker's share of an epoch's minibatches. */
  private static TrainingOptions onceAnEpoch(TrainingOptions options, long rows) {
    long batches = (rows + options.batchSize() - 1) / options.batchSize();
    long perWorker = (batches + options.workers() - 1) / options.workers();
    return options.withAveragingFrequency((int) Math.max(1, perWorker));
  }

  @Override
  public double fitEpoch(MultiLayerNetwork network, int epoch) {
    JavaRDD<DataSet> batches = minibatches.epoch(epoch, options);
    // The master draws the seed of each round split from its own Random, so one master per
    // epoch, seeded from the epoch, makes epoch N the same whether or not epoch N - 1 ran in
    // this JVM. SparkDl4jMultiLayer trains the network object it is given, in place.
    SparkDl4jMultiLayer sparkNetwork = new SparkDl4jMultiLayer(sparkContext, network,
        master(epoch));
    sparkNetwork.fit(batches);
    return sparkNetwork.getScore();
  }

  @Override
  public String describe() {
    return minibatches.batchesPerEpoch(options) + " minibatches of " + options.batchSize()
        + " rows (DL4J's training master)";
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
}
