package io.ktp.denoise;

import io.ktp.data.Samples;
import io.ktp.train.Minibatches;
import io.ktp.train.Networks;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * One network per fold, each trained on the rows of every other fold, so that every row can be
 * scored by a model that never saw it (out-of-fold predictions).
 *
 * <p>Each fold's model trains in one Spark task on an executor: every row is sent to the
 * {@code folds - 1} tasks whose models train on it, and each task fits a small perceptron with
 * plain DL4J. A task keeps {@code (folds - 1) / folds} of the rows in memory (about 180 MB for a million
 * rows of 64 features at three folds); the driver only receives the parameters. Fitting locally
 * avoids a parameter-averaging round per few minibatches, which for networks this small costs
 * more than the fitting itself.
 */
final class FoldModels implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(FoldModels.class);
  private static final int BATCH_SIZE = 64;
  private static final double LEARNING_RATE = 2e-3;
  private static final int SCORING_CHUNK = 512;

  private final int features;
  private final int classes;
  private final DenoiseSettings settings;
  private final float[][] parameters;

  private FoldModels(int features, int classes, DenoiseSettings settings, float[][] parameters) {
    this.features = features;
    this.classes = classes;
    this.settings = settings;
    this.parameters = parameters;
  }

  /** Trains one model per fold on the executors. */
  static FoldModels train(Dataset<Row> rows, int features, int classes, DenoiseSettings settings) {
    int folds = settings.folds();
    long seed = settings.seed();
    double scale = settings.featureScale();
    List<Tuple2<Integer, float[]>> trained = rows
        .select(Samples.ID, Samples.LABEL, Samples.FEATURES).javaRDD()
        .flatMapToPair(row -> {
          String id = row.getString(0);
          int own = SeededHash.fold(seed, id, folds);
          Keyed example = new Keyed(id, row.getInt(1), Minibatches.scaled(row.getList(2), scale));
          List<Tuple2<Integer, Keyed>> copies = new ArrayList<>(folds - 1);
          for (int fold = 0; fold < folds; fold++) {
            if (fold != own) {
              copies.add(new Tuple2<>(fold, example));
            }
          }
          return copies.iterator();
        })
        .partitionBy(new FoldPartitioner(folds))
        .mapPartitionsWithIndex((fold, it) -> Collections.singletonList(new Tuple2<>(fold,
            fit(fold, it, features, classes, settings))).iterator(), true)
        .collect();
    float[][] parameters = new float[folds][];
    for (Tuple2<Integer, float[]> model : trained) {
      parameters[model._1()] = model._2();
    }
    return new FoldModels(features, classes, settings, parameters);
  }

  /** Scores every row with its out-of-fold model, with and without perturbations. */
  JavaRDD<Scored> score(JavaSparkContext sparkContext, Dataset<Row> rows) {
    Broadcast<FoldModels> models = sparkContext.broadcast(this);
    return rows.select(Samples.ID, Samples.LABEL, Samples.FEATURES).javaRDD()
        .mapPartitions(it -> models.value().scorePartition(it));
  }

  private Iterator<Scored> scorePartition(Iterator<Row> rows) {
    MultiLayerNetwork[] networks = new MultiLayerNetwork[parameters.length];
    for (int fold = 0; fold < networks.length; fold++) {
      networks[fold] = network(fold, features, classes, settings);
      networks[fold].setParams(Nd4j.create(parameters[fold]).reshape(1, parameters[fold].length));
    }
    List<Scored> scored = new ArrayList<>();
    List<Keyed> chunk = new ArrayList<>(SCORING_CHUNK);
    while (rows.hasNext()) {
      Row row = rows.next();
      chunk.add(new Keyed(row.getString(0), row.getInt(1),
          Minibatches.scaled(row.getList(2), settings.featureScale())));
      if (chunk.size() == SCORING_CHUNK || !rows.hasNext()) {
        for (int fold = 0; fold < networks.length; fold++) {
          scoreFold(networks[fold], fold, chunk, scored);
        }
        chunk.clear();
      }
    }
    return scored.iterator();
  }

  /**
   * Scores the rows of {@code chunk} that belong to {@code fold}: one forward pass over the rows
   * and their perturbed copies together.
   */
  private void scoreFold(MultiLayerNetwork network, int fold, List<Keyed> chunk,
      List<Scored> out) {
    List<Keyed> own = new ArrayList<>();
    for (Keyed row : chunk) {
      if (SeededHash.fold(settings.seed(), row.id(), parameters.length) == fold) {
        own.add(row);
      }
    }
    if (own.isEmpty()) {
      return;
    }
    // Perturbed copies serve only the unstable step, so without it each row is scored once.
    int copies = settings.runs(Step.UNSTABLE) ? settings.perturbations() : 0;
    float noise = (float) (settings.perturbationSigma() * settings.featureScale());
    float[][] inputs = new float[own.size() * (1 + copies)][];
    for (int i = 0; i < own.size(); i++) {
      Keyed row = own.get(i);
      inputs[i] = row.features();
      Random random = new Random(SeededHash.of(settings.seed(), row.id(), 1));
      for (int copy = 0; copy < copies; copy++) {
        float[] perturbed = row.features().clone();
        for (int f = 0; f < perturbed.length; f++) {
          perturbed[f] += noise * (float) random.nextGaussian();
        }
        inputs[own.size() + i * copies + copy] = perturbed;
      }
    }
    INDArray output = network.output(Nd4j.create(inputs), false);
    int[] predicted = output.argMax(1).toIntVector();
    for (int i = 0; i < own.size(); i++) {
      int changed = 0;
      for (int copy = 0; copy < copies; copy++) {
        if (predicted[own.size() + i * copies + copy] != predicted[i]) {
          changed++;
        }
      }
      out.add(new Scored(own.get(i).id(), own.get(i).label(),
          output.getRow(i).toFloatVector(), copies == 0 ? 0.0 : (double) changed / copies));
    }
  }

  /**
   * Fits one fold's model on the rows sent to its task. Rows are put in the order of a seeded
   * hash of their id first, so the result does not depend on the order the shuffle delivers them.
   */
  private static float[] fit(int fold, Iterator<Tuple2<Integer, Keyed>> it, int features,
      int classes, DenoiseSettings settings) {
    List<Keyed> rows = new ArrayList<>();
    it.forEachRemaining(entry -> rows.add(entry._2()));
    long seed = settings.seed();
    rows.sort(Comparator.comparingLong((Keyed row) -> SeededHash.of(seed, row.id(), 2))
        .thenComparing(Keyed::id));
    MultiLayerNetwork network = network(fold, features, classes, settings);
    Random random = new Random(SeededHash.mix(seed + fold));
    long start = System.nanoTime();
    for (int epoch = 1; epoch <= settings.foldEpochs(); epoch++) {
      Collections.shuffle(rows, random);
      for (int first = 0; first < rows.size(); first += BATCH_SIZE) {
        network.fit(batch(rows.subList(first, Math.min(rows.size(), first + BATCH_SIZE)),
            classes));
      }
    }
    LOG.info("Fold {} model: {} rows, {} epochs, loss {} ({} s)", fold, rows.size(),
        settings.foldEpochs(), String.format(java.util.Locale.ROOT, "%.4f", network.score()),
        String.format(java.util.Locale.ROOT, "%.1f", (System.nanoTime() - start) / 1e9));
    return network.params().toFloatVector();
  }

  private static MultiLayerNetwork network(int fold, int features, int classes,
      DenoiseSettings settings) {
    return Networks.perceptron(features, settings.foldHidden(), classes, LEARNING_RATE,
        SeededHash.mix(settings.seed() + fold));
  }

  private static DataSet batch(List<Keyed> rows, int classes) {
    float[][] inputs = new float[rows.size()][];
    float[][] labels = new float[rows.size()][classes];
    for (int i = 0; i < inputs.length; i++) {
      inputs[i] = rows.get(i).features();
      labels[i][rows.get(i).label()] = 1;
    }
    return new DataSet(Nd4j.create(inputs), Nd4j.create(labels));
  }

  /** A row with its id, label and scaled features. */
  record Keyed(String id, int label, float[] features) implements Serializable {
  }

  /** Sends the rows of fold model f to partition f. */
  private static final class FoldPartitioner extends Partitioner {
    private static final long serialVersionUID = 1L;
    private final int folds;

    FoldPartitioner(int folds) {
      this.folds = folds;
    }

    @Override
    public int numPartitions() {
      return folds;
    }

    @Override
    public int getPartition(Object key) {
      return (Integer) key;
    }
  }
}
