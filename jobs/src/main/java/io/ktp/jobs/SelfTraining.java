package io.ktp.jobs;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.ktp.augment.AugmentedSamples;
import io.ktp.augment.PseudoLabels;
import io.ktp.augment.TargetRows;
import io.ktp.cli.UserException;
import io.ktp.data.Samples;
import io.ktp.model.StoredModel;
import io.ktp.train.Example;
import io.ktp.train.Networks;
import io.ktp.train.Predictions;
import io.ktp.train.TrainingOptions;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Self-training rounds. Each round adapts a fresh copy of the source model to the rows labelled
 * so far: the given rows, their augmented copies and earlier pseudo-labels. It then scores the
 * remaining unlabelled rows and adds the confident ones with the predicted class as label.
 */
final class SelfTraining {
  static final StructType ROUNDS_SCHEMA = new StructType()
      .add("round", DataTypes.IntegerType)
      .add("label", DataTypes.IntegerType)
      .add("candidates", DataTypes.LongType)
      .add("rows_added", DataTypes.LongType)
      .add("mean_confidence", DataTypes.DoubleType)
      .add("hidden_labelled", DataTypes.LongType)
      .add("pseudo_label_accuracy", DataTypes.DoubleType)
      .add("train_rows", DataTypes.LongType)
      .add("validation_accuracy", DataTypes.DoubleType);
  static final StructType CONFIDENCE_SCHEMA = new StructType()
      .add("round", DataTypes.IntegerType)
      .add("bin_low", DataTypes.DoubleType)
      .add("bin_high", DataTypes.DoubleType)
      .add("rows", DataTypes.LongType);
  static final int BINS = 20;

  private static final Logger LOG = LoggerFactory.getLogger(SelfTraining.class);

  private final ModelTraining trainer;
  private final StoredModel source;
  private final int frozenLayers;
  private final int headEpochs;
  private final double threshold;
  private final int perClassCap;

  private final List<Row> roundRows = new ArrayList<>();
  private final List<Row> confidenceRows = new ArrayList<>();
  private final Map<String, double[]> histograms = new java.util.LinkedHashMap<>();

  SelfTraining(ModelTraining trainer, StoredModel source, int frozenLayers, int headEpochs,
      double threshold, int perClassCap) {
    this.trainer = trainer;
    this.source = source;
    this.frozenLayers = frozenLayers;
    this.headEpochs = headEpochs;
    this.threshold = threshold;
    this.perClassCap = perClassCap;
  }

  /**
   * Runs {@code rounds} rounds starting from {@code labelled} (given rows and copies) and the
   * unlabelled rows of {@code target}; returns every pseudo-labelled row, in the augmented
   * schema.
   */
  Dataset<Row> run(int rounds, Dataset<Row> labelled, TargetRows target, Predictions validation,
      TrainingOptions options) throws UserException, IOException {
    Dataset<Row> remaining = target.unlabelled().cache();
    Dataset<Row> pseudo = labelled.limit(0);
    int[] classes = labelled.select(Samples.LABEL).distinct().orderBy(Samples.LABEL)
        .collectAsList().stream().mapToInt(row -> row.getInt(0)).toArray();
    for (int round = 1; round <= rounds; round++) {
      Dataset<Row> train = labelled.unionByName(pseudo);
      JavaRDD<Example> examples = ModelTraining.examples(train);
      long trainRows = examples.count();
      MultiLayerNetwork network = adapt(round, examples, validation, options);
      examples.unpersist();
      double validationAccuracy = validation.accuracy(network);

      Dataset<Row> scored = PseudoLabels.score(remaining.sparkSession(), network, remaining,
          ModelTraining.FEATURE_SCALE, classes).cache();
      Dataset<Row> accepted = PseudoLabels.select(scored, threshold, perClassCap).cache();
      record(round, scored, accepted, trainRows, validationAccuracy);
      Dataset<Row> added = pseudoRows(remaining, accepted, round).cache();
      pseudo = pseudo.unionByName(added);
      remaining = remaining.join(accepted.select(PseudoLabels.ID),
          remaining.col(Samples.ID).equalTo(accepted.col(PseudoLabels.ID)), "left_anti").cache();
      LOG.info("Round {}: {} train rows, validation accuracy {}, {} of {} unlabelled rows added"
              + " (threshold {}, at most {} per class)", round, trainRows,
          String.format(java.util.Locale.ROOT, "%.4f", validationAccuracy), added.count(),
          scored.count(), threshold, perClassCap);
      scored.unpersist();
    }
    return pseudo;
  }

  List<Row> roundRows() {
    return roundRows;
  }

  List<Row> confidenceRows() {
    return confidenceRows;
  }

  /** Confidence histograms by round name ("round 1"), as row counts per bin. */
  Map<String, double[]> histograms() {
    return histograms;
  }

  /**
   * Adapts a fresh copy of the source model: the new output layer alone for the head epochs,
   * then with {@code frozenLayers} frozen, as the finetune job does.
   */
  private MultiLayerNetwork adapt(int round, JavaRDD<Example> examples, Predictions validation,
      TrainingOptions options) throws UserException, IOException {
    MultiLayerNetwork adapted = Networks.transfer(source.network(), frozenLayers,
        ModelTraining.CLASSES, options.learningRate(), options.seed() + round);
    if (headEpochs > 0) {
      MultiLayerNetwork probe = Networks.transfer(source.network(),
          Networks.hiddenLayers(source.network()), ModelTraining.CLASSES, options.learningRate(),
          options.seed() + round);
      trainer.fit("round " + round + " (output layer)", probe, examples, validation,
          options.withEpochs(headEpochs).withSeed(options.seed() + round));
      Networks.copyOutputLayer(probe, adapted);
    }
    trainer.fit("round " + round, adapted, examples, validation,
        options.withSeed(options.seed() + round));
    return adapted;
  }

  private static Dataset<Row> pseudoRows(Dataset<Row> remaining, Dataset<Row> accepted,
      int round) {
    Dataset<Row> joined = remaining.join(accepted, remaining.col(Samples.ID)
        .equalTo(accepted.col(PseudoLabels.ID)));
    return joined.select(
        remaining.col(Samples.ID), remaining.col(Samples.DOMAIN),
        accepted.col(PseudoLabels.PREDICTED).as(Samples.LABEL), remaining.col(Samples.FEATURES),
        remaining.col(Samples.SPLIT), remaining.col(Samples.WEIGHT), remaining.col(Samples.ORIGIN),
        lit(AugmentedSamples.PSEUDO).as(AugmentedSamples.LABEL_STATUS),
        lit(null).cast(DataTypes.StringType).as(AugmentedSamples.SOURCE_ID),
        accepted.col(PseudoLabels.CONFIDENCE).as(AugmentedSamples.CONFIDENCE),
        lit(round).as(AugmentedSamples.ROUND),
        accepted.col(PseudoLabels.HIDDEN_LABEL).as(AugmentedSamples.HIDDEN_LABEL),
        remaining.col(AugmentedSamples.TOKENS),
        lit(null).cast(DataTypes.createArrayType(DataTypes.DoubleType, false))
            .as(AugmentedSamples.LABEL_WEIGHTS));
  }

  /** Adds the round's rows per class and its confidence histogram to the reports. */
  private void record(int round, Dataset<Row> scored, Dataset<Row> accepted, long trainRows,
      double validationAccuracy) {
    Map<Integer, Long> candidates = new HashMap<>();
    for (Row row : scored.filter(col(PseudoLabels.CONFIDENCE).geq(threshold))
        .groupBy(PseudoLabels.PREDICTED).count().collectAsList()) {
      candidates.put(row.getInt(0), row.getLong(1));
    }
    Map<Integer, Row> added = new HashMap<>();
    for (Row row : accepted.groupBy(PseudoLabels.PREDICTED).agg(count(lit(1)),
        avg(PseudoLabels.CONFIDENCE), count(PseudoLabels.HIDDEN_LABEL),
        sum(when(col(PseudoLabels.HIDDEN_LABEL).equalTo(col(PseudoLabels.PREDICTED)), 1)
            .otherwise(0))).collectAsList()) {
      added.put(row.getInt(0), row);
    }
    for (int label = 0; label < ModelTraining.CLASSES; label++) {
      Row stats = added.get(label);
      long rows = stats == null ? 0 : stats.getLong(1);
      long hidden = stats == null ? 0 : stats.getLong(3);
      long correct = stats == null ? 0 : stats.getLong(4);
      roundRows.add(RowFactory.create(round, label, candidates.getOrDefault(label, 0L), rows,
          stats == null ? Double.NaN : stats.getDouble(2), hidden,
          hidden == 0 ? Double.NaN : (double) correct / hidden, trainRows, validationAccuracy));
    }
    long[] bins = PseudoLabels.histogram(scored, BINS);
    double[] series = new double[BINS];
    for (int bin = 0; bin < BINS; bin++) {
      confidenceRows.add(RowFactory.create(round, (double) bin / BINS, (double) (bin + 1) / BINS,
          bins[bin]));
      series[bin] = bins[bin];
    }
    histograms.put("round " + round, series);
  }
}
