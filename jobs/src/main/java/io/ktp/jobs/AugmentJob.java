package io.ktp.jobs;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;

import io.ktp.augment.AugmentSettings;
import io.ktp.augment.Augmenter;
import io.ktp.augment.TargetRows;
import io.ktp.cli.Checks;
import io.ktp.cli.SparkOptions;
import io.ktp.cli.UserException;
import io.ktp.cli.WorkspaceOptions;
import io.ktp.data.SampleTable;
import io.ktp.data.SampleTables;
import io.ktp.data.Samples;
import io.ktp.data.TokenFeatures;
import io.ktp.io.Workspace;
import io.ktp.model.ModelStore;
import io.ktp.model.StoredModel;
import io.ktp.report.Charts;
import io.ktp.report.Provenance;
import io.ktp.report.Reports;
import io.ktp.train.Networks;
import io.ktp.train.Predictions;
import io.ktp.train.TrainingOptions;
import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.Metadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Enlarges the few labelled train rows of a target table with transformed copies and labels
 * confident unlabelled train rows in self-training rounds. Test rows are never read into the
 * output.
 */
@Command(name = "augment", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Make seeded transformed copies of the labelled target train rows (image"
        + " shifts, rotations, elastic distortion, Gaussian noise, SMOTE interpolation, mixup"
        + " with soft labels, and token dropout and swaps for text tables) and"
        + " pseudo-label confident unlabelled train rows in self-training rounds; write the"
        + " labelled, copied and pseudo-labelled train rows and the validation rows as a new"
        + " table, never the test rows. Fine-tune on it with 'ktp finetune --domain <output>"
        + " --labels-per-class 0'.")
public final class AugmentJob implements Callable<Integer> {
  static final String ROUNDS_REPORT = "augment_rounds";
  static final String CONFIDENCE_REPORT = "augment_confidence";
  static final String OUTPUT_SUFFIX = "-augmented";
  private static final Logger LOG = LoggerFactory.getLogger(AugmentJob.class);

  @Mixin
  WorkspaceOptions workspaceOptions = new WorkspaceOptions();

  @Mixin
  SparkOptions sparkOptions = new SparkOptions();

  @Option(names = "--domain", paramLabel = "NAME",
      description = "Target sample table to augment. Default: ${DEFAULT-VALUE}.")
  String domain = IngestJob.TARGET_DOMAIN;

  @Option(names = "--output-domain", paramLabel = "NAME",
      description = "Name of the augmented table. Default: the domain followed by '-augmented'.")
  String outputDomain;

  @Option(names = "--labels-per-class", paramLabel = "N",
      description = "Labelled train rows kept per class, picked as finetune picks them with the"
          + " same seed; the other train rows count as unlabelled. 0 keeps every labelled row."
          + " Default: ${DEFAULT-VALUE}.")
  int labelsPerClass = 10;

  @Mixin
  AugmentOptions augment = new AugmentOptions();

  @Mixin
  PseudoLabelOptions pseudo = new PseudoLabelOptions();

  @Mixin
  TrainingMixin training = new TrainingMixin.SelfTraining();

  @Option(names = "--seed", paramLabel = "SEED",
      description = "Seed of row selection, copies and the round models. Default:"
          + " ${DEFAULT-VALUE}.")
  long seed = 42;

  @Mixin
  RunIdOption runIdOption = new RunIdOption();

  @Option(names = "--overwrite",
      description = "Replace the augmented table and this run's augment reports and chart.")
  boolean overwrite;

  @Override
  public Integer call() throws UserException, IOException {
    validate();
    Preflight local = Preflight.of(workspaceOptions);
    if (local != null) {
      preflight(local);
    }
    JobContext context = JobContext.open("augment", sparkOptions, workspaceOptions,
        runIdOption.runId);
    preflight(Preflight.on(context.workspace()));
    run(context);
    return 0;
  }

  /** Checks every option; returns the augmentation settings. */
  AugmentSettings validate() throws UserException {
    OutputDomains.check("augment", domain, outputDomain());
    Checks.atLeast("--labels-per-class", labelsPerClass, 0);
    pseudo.validate();
    training.toOptions(seed, 1);
    return augment.toSettings(seed, false);
  }

  void preflight(Preflight checks) throws UserException, IOException {
    checks.requireTable(domain)
        .requireNoTable(outputDomain(), overwrite)
        .requireNoReports(runIdOption.runId, "augment", overwrite,
            List.of(ROUNDS_REPORT, CONFIDENCE_REPORT));
    if (pseudo.rounds > 0) {
      checks.requireModel(pseudo.sourceModel);
    }
  }

  String outputDomain() {
    return outputDomain == null ? domain + OUTPUT_SUFFIX : outputDomain;
  }

  /**
   * The outcome of one augment run.
   *
   * @param given labelled train rows
   * @param copies augmented copies
   * @param pseudo pseudo-labelled rows
   */
  record Result(long given, long copies, long pseudo) {
  }

  /** Augments the table and writes it, both reports and the chart. */
  Result run(JobContext context) throws UserException, IOException {
    validate();
    SampleTable table = SampleTables.read(context.spark(), context.workspace(), domain,
        ModelTraining.CLASSES);
    Metadata grid = table.rows().schema().apply(Samples.FEATURES).metadata();
    TokenFeatures text = textFeatures(table, grid);
    AugmentSettings settings = augment.toSettings(seed, text != null);
    checkTokenCopies(text, settings);
    int[] shape = gridShape(grid, table.featureCount(), settings);
    TargetRows target = TargetRows.of(table.rows(), labelsPerClass, seed);
    Dataset<Row> labelled = target.labelled().cache();
    long given = labelled.count();
    checkRows(table, given, target);
    StoredModel source = pseudo.rounds == 0 ? null : loadSource(context, table);
    TrainingOptions options = training.toOptions(seed, context.defaultParallelism());
    Provenance provenance = Provenance.start("augment", context.runId(), seed,
        config(options, settings), Map.of(table.location(), table.fingerprint()));

    double[] range = featureRange(target);
    Dataset<Row> copies = new Augmenter(settings, shape[0], shape[1], range[0], range[1], text,
        ModelTraining.CLASSES).copies(context.spark(), labelled).cache();
    long copyCount = copies.count();
    LOG.info("Made {} copies of {} labelled {} rows ({} per row)", copyCount, given, domain,
        settings.copiesPerRow());

    ModelTraining trainer = new ModelTraining(context);
    SelfTraining rounds = new SelfTraining(trainer, source, pseudo.frozenLayers,
        pseudo.headEpochs, pseudo.threshold, pseudo.perClassCap);
    Predictions validation = ModelTraining.evaluationSet(table, Samples.VALIDATION);
    Dataset<Row> pseudoRows = rounds.run(pseudo.rounds, labelled.unionByName(copies), target,
        validation, options);
    long pseudoCount = pseudoRows.count();

    Dataset<Row> output = labelled.unionByName(copies).unionByName(pseudoRows)
        .unionByName(target.validation())
        .withColumn(Samples.FEATURES, col(Samples.FEATURES).as(Samples.FEATURES, grid));
    write(context, output, rounds, provenance);
    return new Result(given, copyCount, pseudoCount);
  }

  private void write(JobContext context, Dataset<Row> output, SelfTraining rounds,
      Provenance provenance) throws UserException, IOException {
    Workspace workspace = context.workspace();
    if (pseudo.rounds > 0) {
      Reports.write(context.spark(), workspace, ROUNDS_REPORT, SelfTraining.ROUNDS_SCHEMA,
          rounds.roundRows(), provenance, overwrite);
      Reports.write(context.spark(), workspace, CONFIDENCE_REPORT,
          SelfTraining.CONFIDENCE_SCHEMA, rounds.confidenceRows(), provenance, overwrite);
      new Charts().lineChart("Confidence of the unlabelled " + domain + " rows per round ("
              + SelfTraining.BINS + " bins over [0, 1])", "confidence bin (1 = [0, 0.05))",
          "rows", rounds.histograms(), workspace.fs(),
          new Path(workspace.charts(context.runId()), "augment-confidence.png"));
    }
    SampleTables.write(output, workspace, outputDomain(), overwrite);
    LOG.info("Wrote {}", workspace.samples(outputDomain()));
  }

  /**
   * Returns the grid shape from the features column's metadata, or {0, 0} when the table has
   * none; fails when a transform needs a grid that the table lacks or that does not fit.
   */
  private int[] gridShape(Metadata grid, int features, AugmentSettings settings)
      throws UserException {
    boolean hasGrid = grid.contains(Samples.GRID_ROWS) && grid.contains(Samples.GRID_COLUMNS);
    long rows = hasGrid ? grid.getLong(Samples.GRID_ROWS) : 0;
    long columns = hasGrid ? grid.getLong(Samples.GRID_COLUMNS) : 0;
    boolean fits = rows > 0 && columns > 0 && rows * columns == features;
    if (settings.gridCopies() > 0 && !fits) {
      throw new UserException("Sample table for domain '" + domain + "' has no image grid shape"
          + " for its " + features + " features (column metadata " + Samples.GRID_ROWS + " = "
          + rows + ", " + Samples.GRID_COLUMNS + " = " + columns + "), which shifts, rotations"
          + " and elastic distortion need: pass --shift-copies 0 --rotation-copies 0"
          + " --elastic-copies 0 for a table that is not an image");
    }
    return fits ? new int[] {(int) rows, (int) columns} : new int[] {0, 0};
  }

  /**
   * Returns how the table's features were made from its tokens, or null when the table is not a
   * text table (it has no tokens column, or its features column records no such method).
   */
  private static TokenFeatures textFeatures(SampleTable table, Metadata features) {
    boolean hasTokens = Arrays.asList(table.rows().columns()).contains(Samples.TOKENS);
    return hasTokens ? TokenFeatures.of(features) : null;
  }

  private void checkTokenCopies(TokenFeatures text, AugmentSettings settings)
      throws UserException {
    if (text == null && settings.tokenCopies() > 0) {
      throw new UserException("Sample table for domain '" + domain + "' is not a text table (it"
          + " has no " + Samples.TOKENS + " column with hashed token features, as 'ktp ingest"
          + " --datasets sentiment' writes), which token dropout and swaps need: pass"
          + " --dropout-copies 0 --swap-copies 0 for a table that is not text");
    }
  }

  private void checkRows(SampleTable table, long given, TargetRows target) throws UserException {
    if (given == 0) {
      throw new UserException("Sample table " + table.location() + " has no labelled train"
          + " rows to augment: give some train rows the label status 'given' or ingest the"
          + " domain again");
    }
    if (pseudo.rounds > 0 && target.unlabelled().isEmpty()) {
      throw new UserException("Sample table " + table.location() + " has no unlabelled train"
          + " rows for pseudo-labelling (--labels-per-class " + labelsPerClass + " leaves none"
          + " over): pass --rounds 0, or a --labels-per-class below the train rows per class");
    }
  }

  private StoredModel loadSource(JobContext context, SampleTable table)
      throws UserException, IOException {
    StoredModel source = new ModelStore(context.workspace()).load(pseudo.sourceModel, 0,
        table.featureCount(), ModelTraining.CLASSES);
    int hiddenLayers = Networks.hiddenLayers(source.network());
    if (pseudo.frozenLayers > hiddenLayers) {
      throw new UserException(Checks.invalid("--frozen-layers", pseudo.frozenLayers, "model "
          + source.reference() + " has " + hiddenLayers + " hidden layers, so at most "
          + hiddenLayers + " can be frozen"));
    }
    return source;
  }

  /** Returns the smallest and largest feature value of the non-test rows. */
  private static double[] featureRange(TargetRows target) {
    Row range = target.labelled().unionByName(target.unlabelled())
        .agg(min(expr("array_min(" + Samples.FEATURES + ")")),
            max(expr("array_max(" + Samples.FEATURES + ")")))
        .first();
    return new double[] {range.getDouble(0), range.getDouble(1)};
  }

  private Map<String, Object> config(TrainingOptions options, AugmentSettings settings) {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("--domain", domain);
    config.put("--output-domain", outputDomain());
    config.put("--labels-per-class", labelsPerClass);
    config.putAll(AugmentOptions.config(settings));
    config.putAll(pseudo.config());
    config.put("--epochs", options.epochs());
    config.put("--batch-size", options.batchSize());
    config.put("--averaging-frequency", options.averagingFrequency());
    config.put("--workers", options.workers());
    config.put("--learning-rate", options.learningRate());
    return config;
  }
}
