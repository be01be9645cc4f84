package io.ktp.train;

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

  private final JavaSparkContext sparkContext;
  private final TrainingOptions options;

  public SparkTrainer(JavaSparkContext sparkContext, TrainingOptions options) {
    this.sparkContext = sparkContext;
    this.options = options;
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
    Minibatches minibatches = Minibatches.of(sparkContext, train, classes, options);
    Predictions trainSample = Predictions.of(
        train.takeSample(false, TRAIN_EVALUATION_ROWS, options.seed()));
    SparkDl4jMultiLayer sparkNetwork = new SparkDl4jMultiLayer(sparkContext, network, master());
    LOG.info("Training {}: {} epochs of {} minibatches of {} on {} workers, averaging every {}",
        name, options.epochs(), minibatches.batchesPerEpoch(options), options.batchSize(),
        options.workers(), options.averagingFrequency());

    List<CurvePoint> curve = new ArrayList<>();
    for (int epoch = 1; epoch <= options.epochs(); epoch++) {
      JavaRDD<DataSet> batches = minibatches.epoch(epoch, options);
      long start = System.nanoTime();
      sparkNetwork.fit(batches);
      double seconds = (System.nanoTime() - start) / 1e9;
      MultiLayerNetwork fitted = sparkNetwork.getNetwork();
      CurvePoint point = new CurvePoint(epoch, sparkNetwork.getScore(),
          trainSample.accuracy(fitted),
          validation.size() == 0 ? Double.NaN : validation.accuracy(fitted), seconds);
      curve.add(point);
      LOG.info("{} epoch {}/{}: loss {} train accuracy {} validation accuracy {} ({} s)", name,
          epoch, options.epochs(), format(point.loss()), format(point.trainAccuracy()),
          format(point.validationAccuracy()), format(seconds));
    }
    network.setParams(sparkNetwork.getNetwork().params());
    network.setUpdater(sparkNetwork.getNetwork().getUpdater());
    return curve;
  }

  private ParameterAveragingTrainingMaster master() {
    return new ParameterAveragingTrainingMaster.Builder(options.workers(), options.batchSize())
        .batchSizePerWorker(options.batchSize())
        .averagingFrequency(options.averagingFrequency())
        .workerPrefetchNumBatches(0)
        .saveUpdater(true)
        .rddTrainingApproach(RDDTrainingApproach.Direct)
        .repartionData(Repartition.Always)
        .rngSeed(options.seed())
        .collectTrainingStats(false)
        .build();
  }

  private static String format(double value) {
    return String.format(java.util.Locale.ROOT, "%.4f", value);
  }
}
