package io.ktp.jobs;

import io.ktp.cli.UserException;
import io.ktp.data.SampleTable;
import io.ktp.data.Samples;
import io.ktp.model.CheckpointStore;
import io.ktp.model.Manifest;
import io.ktp.model.ModelStore;
import io.ktp.report.Charts;
import io.ktp.report.Provenance;
import io.ktp.report.Reports;
import io.ktp.train.CurvePoint;
import io.ktp.train.EpochCheckpoints;
import io.ktp.train.Example;
import io.ktp.train.Minibatches;
import io.ktp.train.Predictions;
import io.ktp.train.Replay;
import io.ktp.train.SparkTrainer;
import io.ktp.train.TrainingOptions;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.fs.Path;
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
 * Trains networks for one job, saves each as a model version and collects their training curves
 * into the job's {@code training_curve} report.
 */
final class ModelTraining {
  /** Every digit feature is a 4x4 block count in 0..16; the networks see it scaled to [0, 1]. */
  static final double FEATURE_SCALE = 1.0 / 16;
  static final int CLASSES = 10;
  static final String CURVE_REPORT = "training_curve";

  private static final StructType CURVE_SCHEMA = new StructType()
      .add("model", DataTypes.StringType)
      .add("version", DataTypes.IntegerType)
      .add("model_seed", DataTypes.LongType)
      .add("epoch", DataTypes.IntegerType)
      .add("loss", DataTypes.DoubleType)
      .add("train_accuracy", DataTypes.DoubleType)
      .add("validation_accuracy", DataTypes.DoubleType)
      .add("seconds", DataTypes.DoubleType);

  private static final Logger LOG = LoggerFactory.getLogger(ModelTraining.class);

  private final JobContext context;
  private final CheckpointStore checkpoints;
  private final List<Row> curveRows = new ArrayList<>();
  private final Map<String, double[]> validationCurves = new LinkedHashMap<>();

  /** Trains without checkpoints. */
  ModelTraining(JobContext context) {
    this(context, null);
  }

  /**
   * Trains with a checkpoint after every epoch in {@code checkpoints}, resuming from them when
   * they were opened with resume; null trains without checkpoints.
   */
  ModelTraining(JobContext context, CheckpointStore checkpoints) {
    this.context = context;
    this.checkpoints = checkpoints;
  }

  /** Returns scaled examples of one split of a table. */
  static JavaRDD<Example> examples(Dataset<Row> rows) {
    return Minibatches.examples(rows, FEATURE_SCALE);
  }

  /** Collects one split of a table to the driver for evaluation. */
  static Predictions evaluationSet(SampleTable table, String split) {
    return Predictions.of(examples(table.split(split)).collect());
  }

  /**
   * Trains {@code network} in place, saves it as the next version of {@code manifest.name()} with
   * its final validation accuracy, and records its curve.
   */
  Manifest trainAndSave(MultiLayerNetwork network, JavaRDD<Example> train, Predictions validation,
      TrainingOptions options, Manifest manifest) throws UserException, IOException {
    return trainAndSave(network, List.of(), train, validation, options, manifest);
  }

  /**
   * Trains and saves as {@link #trainAndSave(MultiLayerNetwork, JavaRDD, Predictions,
   * TrainingOptions, Manifest)}, after an earlier phase whose curve points come first.
   */
  Manifest trainAndSave(MultiLayerNetwork network, List<CurvePoint> earlierPhase,
      JavaRDD<Example> train, Predictions validation, TrainingOptions options, Manifest manifest)
      throws UserException, IOException {
    return trainAndSave(network, earlierPhase, train, validation, options, Replay.NONE,
        manifest);
  }

  /**
   * Trains and saves as {@link #trainAndSave(MultiLayerNetwork, JavaRDD, Predictions,
   * TrainingOptions, Manifest)}, with {@code replay}'s earlier rows in every minibatch.
   */
  Manifest trainAndSave(MultiLayerNetwork network, List<CurvePoint> earlierPhase,
      JavaRDD<Example> train, Predictions validation, TrainingOptions options, Replay replay,
      Manifest manifest) throws UserException, IOException {
    List<CurvePoint> curve = new ArrayList<>(earlierPhase);
    for (CurvePoint point : fit(manifest.name(), network, train, validation, options, replay)) {
      curve.add(new CurvePoint(point.epoch() + earlierPhase.size(), point.loss(),
          point.trainAccuracy(), point.validationAccuracy(), point.seconds()));
    }
    CurvePoint last = curve.get(curve.size() - 1);
    Map<String, Double> metrics = new LinkedHashMap<>(manifest.metrics());
    metrics.put("final_loss", last.loss());
    metrics.put("train_accuracy", last.trainAccuracy());
    metrics.put("validation_accuracy", last.validationAccuracy());
    Manifest withMetrics = new Manifest(manifest.name(), 0, manifest.job(), manifest.createdAt(),
        manifest.seed(), manifest.parent(), manifest.config(), manifest.inputs(), metrics,
        manifest.codeVersion());
    Manifest saved = savedByInterruptedRun(withMetrics);
    if (saved == null) {
      saved = new ModelStore(context.workspace()).save(network, withMetrics);
    }

    double[] validationCurve = new double[curve.size()];
    for (CurvePoint point : curve) {
      curveRows.add(RowFactory.create(saved.name(), saved.version(), saved.seed(), point.epoch(),
          point.loss(), point.trainAccuracy(), point.validationAccuracy(), point.seconds()));
      validationCurve[point.epoch() - 1] = point.validationAccuracy();
    }
    validationCurves.put(saved.name() + " v" + saved.version(), validationCurve);
    return saved;
  }

  /**
   * Trains {@code network} in place and returns its curve, without saving it. With checkpoints,
   * the training is named after {@code name} and the seed, so every training of a run has its own.
   */
  List<CurvePoint> fit(String name, MultiLayerNetwork network, JavaRDD<Example> train,
      Predictions validation, TrainingOptions options) throws UserException, IOException {
    return fit(name, network, train, validation, options, Replay.NONE);
  }

  private List<CurvePoint> fit(String name, MultiLayerNetwork network, JavaRDD<Example> train,
      Predictions validation, TrainingOptions options, Replay replay)
      throws UserException, IOException {
    EpochCheckpoints epochCheckpoints = checkpoints == null ? EpochCheckpoints.NONE
        : checkpoints.training(checkpointName(name, options.seed()), options);
    return new SparkTrainer(context.sparkContext(), options, replay)
        .fit(name, network, train, CLASSES, validation, epochCheckpoints);
  }

  /** Deletes this run's checkpoints; jobs call it once every output is written. */
  void deleteCheckpoints() throws IOException {
    if (checkpoints != null) {
      checkpoints.deleteRun();
    }
  }

  /**
   * Returns the checkpoint folder name of a training: {@code name} in lower case with every run
   * of other characters turned into one '-', then the seed, such as
   * {@code finetuned-output-layer-seed7} for "finetuned (output layer)" and seed 7.
   */
  static String checkpointName(String name, long seed) {
    String base = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_-]+", "-")
        .replaceAll("^-+|-+$", "");
    return (base.isEmpty() ? "training" : base) + "-seed" + seed;
  }

  /**
   * Returns the version that the interrupted run of a resumed run saved for this model and seed,
   * or null. Reusing it keeps a resumed run from saving a second version of the same training.
   */
  private Manifest savedByInterruptedRun(Manifest manifest) throws UserException, IOException {
    if (checkpoints == null || !checkpoints.resuming()) {
      return null;
    }
    Manifest saved = new ModelStore(context.workspace()).findSaved(manifest.name(),
        manifest.job(), manifest.seed(), context.runId());
    if (saved != null) {
      LOG.info("Reusing {} v{}, which the interrupted run {} saved", saved.name(),
          saved.version(), context.runId());
    }
    return saved;
  }

  /** Writes the collected curves as this run's report and a PNG chart; returns the report path. */
  Path writeCurves(Provenance provenance, boolean overwrite) throws UserException, IOException {
    Path report = Reports.write(context.spark(), context.workspace(), CURVE_REPORT, CURVE_SCHEMA,
        curveRows, provenance, overwrite);
    Path chart = new Path(context.workspace().charts(context.runId()),
        provenance.job() + "-validation-accuracy.png");
    new Charts().lineChart("Validation accuracy per epoch (" + provenance.job() + ")", "epoch",
        "accuracy", validationCurves, context.workspace().fs(), chart);
    return report;
  }

  /** Returns a manifest template for a model this job is about to train. */
  static Manifest manifest(String name, String job, Provenance provenance, long seed,
      String parent, Map<String, Object> config, SampleTable... inputs) {
    Map<String, String> fingerprints = new LinkedHashMap<>();
    for (SampleTable input : inputs) {
      fingerprints.put(input.location(), input.fingerprint());
    }
    Map<String, Object> fullConfig = new LinkedHashMap<>(config);
    fullConfig.put("feature_scale", FEATURE_SCALE);
    fullConfig.put("classes", CLASSES);
    fullConfig.put("feature_columns", Samples.FEATURES);
    fullConfig.put(ModelStore.RUN_ID_KEY, provenance.runId());
    return new Manifest(name, 0, job, provenance.createdAt(), seed, parent, fullConfig,
        fingerprints, new LinkedHashMap<>(), Provenance.codeVersion());
  }
}
