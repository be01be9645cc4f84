package io.ktp.jobs;

import io.ktp.cli.UserException;
import io.ktp.data.SampleTable;
import io.ktp.data.SampleTables;
import io.ktp.data.Samples;
import io.ktp.drift.IncomingFilter;
import io.ktp.drift.Reservoir;
import io.ktp.io.Workspace;
import io.ktp.metrics.Retention;
import io.ktp.model.Manifest;
import io.ktp.model.ModelRegistry;
import io.ktp.model.StoredModel;
import io.ktp.report.Provenance;
import io.ktp.report.Reports;
import io.ktp.train.Example;
import io.ktp.train.Minibatches;
import io.ktp.train.Predictions;
import io.ktp.train.Replay;
import io.ktp.train.TrainingOptions;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
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

/** The steps of one {@code recalibrate} run: filter, replay, fine-tune, compare, promote. */
final class Recalibration {
  static final StructType SCHEMA = new StructType()
      .add("model", DataTypes.StringType)
      .add("production_version", DataTypes.IntegerType)
      .add("candidate_version", DataTypes.IntegerType)
      .add("batch_table", DataTypes.StringType)
      .add("train_rows", DataTypes.LongType)
      .add("quarantined_rows", DataTypes.LongType)
      .add("replay_fraction", DataTypes.DoubleType)
      .add("replay_rows", DataTypes.IntegerType)
      .add("heldout_rows", DataTypes.IntegerType)
      .add("heldout_accuracy_before", DataTypes.DoubleType)
      .add("heldout_accuracy_after", DataTypes.DoubleType)
      .add("source_table", DataTypes.StringType)
      .add("source_rows", DataTypes.IntegerType)
      .add("source_accuracy_before", DataTypes.DoubleType)
      .add("source_accuracy_after", DataTypes.DoubleType)
      .add("source_retention", DataTypes.DoubleType)
      .add("min_retention", DataTypes.DoubleType)
      .add("min_gain", DataTypes.DoubleType)
      .add("alias", DataTypes.StringType)
      .add("promoted", DataTypes.BooleanType)
      .add("reason", DataTypes.StringType);

  private static final Logger LOG = LoggerFactory.getLogger(Recalibration.class);

  private final JobContext context;
  private final RecalibrateJob job;

  Recalibration(JobContext context, RecalibrateJob job) {
    this.context = context;
    this.job = job;
  }

  /**
   * The decision of one run.
   *
   * @param candidate the saved new version
   * @param promoted whether the alias moved to it
   * @param reason why, in one sentence
   * @param retention source accuracy before and after
   * @param heldoutBefore held-out batch accuracy of the production version
   * @param heldoutAfter held-out batch accuracy of the new version
   */
  record Outcome(Manifest candidate, boolean promoted, String reason, Retention retention,
      double heldoutBefore, double heldoutAfter) {
  }

  /** The tables one run reads, checked against each other before any training. */
  private record Inputs(SampleTable batch, SampleTable reference, SampleTable source) {
  }

  Outcome run() throws UserException, IOException {
    Workspace workspace = context.workspace();
    LifecycleModelOptions.Production production = job.modelOptions.resolve(workspace);
    Inputs inputs = readInputs(production);
    StoredModel current = production.load(workspace, inputs.batch().featureCount());
    TrainingOptions options = job.training.toOptions(job.seed, context.defaultParallelism());
    Map<String, Object> config = job.config(production, options);
    Provenance provenance = Provenance.start("recalibrate", context.runId(), job.seed, config,
        fingerprints(inputs));

    Filtered filtered = filter(inputs);
    Replay replay = replay(inputs, options);

    Predictions heldout = ModelTraining.evaluationSet(inputs.batch(), Samples.TEST);
    Predictions sourceTest = ModelTraining.evaluationSet(inputs.source(), Samples.TEST);
    MultiLayerNetwork candidateNetwork = current.network().clone();
    ModelTraining trainer = new ModelTraining(context);
    Manifest candidate = trainer.trainAndSave(candidateNetwork, List.of(), filtered.train(),
        heldout, options, replay, candidateManifest(production, provenance, config, inputs));
    filtered.train().unpersist();

    Outcome outcome = decide(production, current.network(), candidateNetwork, candidate,
        heldout, sourceTest);
    writeReports(provenance, production, inputs, outcome, filtered, replay, heldout.size(),
        sourceTest.size());
    trainer.writeCurves(provenance, job.overwrite);
    return outcome;
  }

  /**
   * The batch train rows after the incoming-data filter.
   *
   * @param train the rows that passed, as examples
   * @param trainRows how many passed
   * @param quarantined the rows held back, with reason, score and threshold
   * @param quarantinedRows how many were held back
   */
  private record Filtered(JavaRDD<Example> train, long trainRows, Dataset<Row> quarantined,
      long quarantinedRows) {
  }

  /** Screens the batch's train split against the reference split. */
  private Filtered filter(Inputs inputs) throws UserException {
    Dataset<Row> screened = IncomingFilter.fit(context.spark(),
        inputs.reference().split(job.modelOptions.referenceSplit),
        inputs.reference().featureCount(), ModelTraining.CLASSES, job.filterQuantile,
        job.filterFactor).screen(inputs.batch().split(Samples.TRAIN)).localCheckpoint();
    Dataset<Row> quarantined = IncomingFilter.quarantined(screened);
    long quarantinedRows = quarantined.count();
    JavaRDD<Example> train = ModelTraining.examples(IncomingFilter.kept(screened,
        Arrays.asList(inputs.batch().rows().columns())));
    long trainRows = train.count();
    if (trainRows == 0) {
      throw new UserException("Every train row of " + inputs.batch().location() + " was"
          + " quarantined as far outside the reference: check the batch, or raise"
          + " --filter-factor");
    }
    LOG.info("Incoming-data filter: {} of {} batch train rows quarantined", quarantinedRows,
        quarantinedRows + trainRows);
    return new Filtered(train, trainRows, quarantined, quarantinedRows);
  }

  private Inputs readInputs(LifecycleModelOptions.Production production)
      throws UserException, IOException {
    SampleTable reference = job.modelOptions.referenceTable(context, production);
    SampleTable batch = SampleTables.read(context.spark(), context.workspace(), job.batchDomain,
        ModelTraining.CLASSES);
    SampleTable source = SampleTables.read(context.spark(), context.workspace(),
        job.sourceDomain, ModelTraining.CLASSES);
    LifecycleModelOptions.requireSameFeatures(reference, batch, "--batch-domain");
    LifecycleModelOptions.requireSameFeatures(reference, source, "--source-domain");
    SampleTables.requireRows(batch, Samples.TRAIN, "recalibration");
    SampleTables.requireRows(batch, Samples.TEST, "comparing the versions on held-out rows");
    SampleTables.requireRows(source, Samples.TEST, "measuring source retention");
    return new Inputs(batch, reference, source);
  }

  private static Map<String, String> fingerprints(Inputs inputs) {
    Map<String, String> fingerprints = new LinkedHashMap<>();
    for (SampleTable table : List.of(inputs.batch(), inputs.reference(), inputs.source())) {
      fingerprints.put(table.location(), table.fingerprint());
    }
    return fingerprints;
  }

  /**
   * Returns the replay: a seeded reservoir of {@code --replay-rows} rows from the source train
   * split and as many from the reference train split, pooled.
   */
  private Replay replay(Inputs inputs, TrainingOptions options) {
    if (job.replayFraction == 0) {
      return Replay.NONE;
    }
    List<Example> earlier = new ArrayList<>(reservoir(inputs.source().split(Samples.TRAIN)));
    earlier.addAll(reservoir(inputs.reference().split(job.modelOptions.referenceSplit)));
    Replay replay = Replay.of(earlier, job.replayFraction, options.batchSize());
    LOG.info("Replay: {} earlier rows from {} and {}, {} per minibatch of {}", earlier.size(),
        inputs.source().location(), inputs.reference().location(), replay.perBatch(),
        options.batchSize());
    return replay;
  }

  private List<Example> reservoir(Dataset<Row> rows) {
    int capacity = job.replayRows;
    long seed = job.seed;
    return rows.select(Samples.ID, Samples.FEATURES, Samples.LABEL).javaRDD()
        .mapPartitions(it -> {
          Reservoir<Example> sample = new Reservoir<>(capacity, seed);
          it.forEachRemaining(row -> sample.offer(row.getString(0), new Example(
              Minibatches.scaled(row.getList(1), ModelTraining.FEATURE_SCALE), row.getInt(2))));
          return List.of(sample).iterator();
        })
        .reduce(Reservoir::merge)
        .items();
  }

  private Manifest candidateManifest(LifecycleModelOptions.Production production,
      Provenance provenance, Map<String, Object> config, Inputs inputs) {
    Map<String, Object> recorded = new LinkedHashMap<>(config);
    // The next drift run compares new rows with the rows this version was adapted to.
    recorded.put(LifecycleModelOptions.DOMAIN_KEY, job.batchDomain);
    return ModelTraining.manifest(production.name(), "recalibrate", provenance, job.seed,
        production.reference(), recorded, inputs.batch(), inputs.reference(), inputs.source());
  }

  private Outcome decide(LifecycleModelOptions.Production production, MultiLayerNetwork before,
      MultiLayerNetwork after, Manifest candidate, Predictions heldout, Predictions sourceTest)
      throws UserException, IOException {
    double heldoutBefore = heldout.accuracy(before);
    double heldoutAfter = heldout.accuracy(after);
    Retention retention = new Retention(sourceTest.accuracy(before),
        sourceTest.accuracy(after));
    boolean gains = heldoutAfter > heldoutBefore + job.minGain;
    boolean retains = retention.ratio() >= job.minRetention;
    String comparison = String.format(Locale.ROOT, "held-out accuracy %.4f against %.4f of %s,"
        + " source accuracy %.4f against %.4f, source retention %.4f (minimum %.4f)",
        heldoutAfter, heldoutBefore, production.reference(), retention.accuracyAfter(),
        retention.accuracyBefore(), retention.ratio(), job.minRetention);
    String reason;
    if (gains && retains) {
      reason = "promoted: " + comparison;
      new ModelRegistry(context.workspace()).promote(production.name(), job.alias,
          candidate.version(), "recalibrate run " + context.runId() + ": " + comparison);
    } else {
      String failed = !gains ? "no held-out gain above --min-gain " + job.minGain
          : "source retention below --min-retention";
      reason = "not promoted (" + failed + "): " + comparison;
    }
    LOG.info("{} v{}: {}", candidate.name(), candidate.version(), reason);
    return new Outcome(candidate, gains && retains, reason, retention, heldoutBefore,
        heldoutAfter);
  }

  private void writeReports(Provenance provenance, LifecycleModelOptions.Production production,
      Inputs inputs, Outcome outcome, Filtered filtered, Replay replay, int heldoutRows,
      int sourceRows) throws UserException, IOException {
    Row row = RowFactory.create(production.name(), production.version(),
        outcome.candidate().version(), inputs.batch().location(), filtered.trainRows(),
        filtered.quarantinedRows(),
        job.replayFraction, replay.examples().size(), heldoutRows, outcome.heldoutBefore(),
        outcome.heldoutAfter(), inputs.source().location(), sourceRows,
        outcome.retention().accuracyBefore(), outcome.retention().accuracyAfter(),
        outcome.retention().ratio(), job.minRetention, job.minGain, job.alias,
        outcome.promoted(), outcome.reason());
    Workspace workspace = context.workspace();
    Reports.write(context.spark(), workspace, RecalibrateJob.REPORT, SCHEMA, List.of(row),
        provenance, job.overwrite);
    Reports.writeTable(filtered.quarantined().coalesce(1), workspace,
        RecalibrateJob.QUARANTINE_REPORT, provenance, job.overwrite);
  }
}
