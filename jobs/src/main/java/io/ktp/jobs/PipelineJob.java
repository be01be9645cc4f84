package io.ktp.jobs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ktp.cli.Checks;
import io.ktp.cli.SparkOptions;
import io.ktp.cli.UserException;
import io.ktp.cli.WorkspaceOptions;
import io.ktp.data.SampleTable;
import io.ktp.data.SampleTables;
import io.ktp.io.Workspace;
import io.ktp.model.ModelStore;
import io.ktp.model.StoredModel;
import io.ktp.report.Provenance;
import io.ktp.train.TrainingEngine;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Runs ingest, denoise, pretrain, optionally augment, finetune (once per seed) and evaluate in
 * one Spark session.
 */
@Command(name = "pipeline", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Run the whole transfer on the bundled digits: ingest MNIST and optdigits,"
        + " clean the MNIST train split (denoise), pretrain on it, fine-tune on a few labelled"
        + " optdigits rows per class (and train the from-scratch baseline) once per seed,"
        + " evaluate, and print a summary. With --augment, fine-tune on the table that the"
        + " augment job makes of those rows instead.")
public final class PipelineJob implements Callable<Integer> {
  static final String SUMMARY_REPORT = "summary";
  private static final Logger LOG = LoggerFactory.getLogger(PipelineJob.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  @Spec
  CommandSpec spec;

  @Mixin
  WorkspaceOptions workspaceOptions = new WorkspaceOptions();

  @Mixin
  SparkOptions sparkOptions = new SparkOptions();

  @Mixin
  DigitFiles files = new DigitFiles();

  @Option(names = "--seeds", paramLabel = "SEEDS", split = ",", defaultValue = "1,2,3",
      description = "Fine-tuning seeds; one fine-tuned and one from-scratch model per seed."
          + " Default: ${DEFAULT-VALUE}.")
  long[] seeds = {1, 2, 3};

  @Option(names = "--labels-per-class", paramLabel = "N",
      description = "Labelled optdigits train rows per class; 0 uses all. Default:"
          + " ${DEFAULT-VALUE}.")
  int labelsPerClass = 10;

  @Option(names = "--pretrain-epochs", paramLabel = "N",
      description = "Epochs of pretraining on MNIST. Default: ${DEFAULT-VALUE}.")
  int pretrainEpochs = 30;

  @Option(names = "--finetune-epochs", paramLabel = "N",
      description = "Epochs of fine-tuning after the output-layer epochs; the from-scratch"
          + " baseline trains for both counts together. Default: ${DEFAULT-VALUE}.")
  int finetuneEpochs = 40;

  @Option(names = "--head-epochs", paramLabel = "N",
      description = "Epochs that train only the new output layer before fine-tuning."
          + " Default: ${DEFAULT-VALUE}.")
  int headEpochs = 10;

  @Option(names = "--frozen-layers", paramLabel = "N",
      description = "Lower hidden layers kept fixed while fine-tuning. Default: ${DEFAULT-VALUE}.")
  int frozenLayers = 1;

  @Option(names = "--denoise", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Clean the MNIST train split with the denoise job before pretraining"
          + " (--no-denoise pretrains on the table as ingested). Default: ${DEFAULT-VALUE}.")
  boolean denoise = true;

  @Option(names = "--denoise-steps", paramLabel = "STEPS", split = ",",
      defaultValue = "duplicates,near-duplicates",
      description = "Steps of the denoise step, from: duplicates, near-duplicates, label-noise,"
          + " outliers, unstable (see 'ktp denoise --help'). The default removes only redundant"
          + " rows: on the bundled MNIST, whose labels are clean, the other steps set aside"
          + " valid hard digits and lowered the transfer (docs/denoise.md). Default:"
          + " ${DEFAULT-VALUE}.")
  List<String> denoiseSteps = new ArrayList<>(List.of("duplicates", "near-duplicates"));

  @Option(names = "--augment", negatable = true, defaultValue = "false", fallbackValue = "true",
      description = "Run the augment job after pretraining: copies of the labelled optdigits"
          + " rows (picked with --seed) and --augment-rounds self-training rounds whose models"
          + " train like fine-tuning; every seed then fine-tunes on samples/optdigits-augmented"
          + " (see 'ktp augment --help'). Default: ${DEFAULT-VALUE}.")
  boolean augment;

  @Option(names = "--augment-rounds", paramLabel = "N",
      description = "Pseudo-labelling rounds of the augment step; 0 makes copies only."
          + " Default: ${DEFAULT-VALUE}.")
  int augmentRounds = 2;

  @Option(names = "--trainer", paramLabel = "ENGINE",
      description = "Parameter-averaging engine of pretraining and fine-tuning: ktp or dl4j (see"
          + " 'ktp pretrain --help'). Default: ${DEFAULT-VALUE}.")
  String trainer = TrainingEngine.KTP.optionName();

  @Mixin
  EvaluateJob.DomainSimilarityOptions similarity = new EvaluateJob.DomainSimilarityOptions();

  @Option(names = "--seed", paramLabel = "SEED", description = "Seed of the splits, pretraining and MMD."
      + " Default: ${DEFAULT-VALUE}.")
  long seed = 42;

  @Mixin
  RunIdOption runIdOption = new RunIdOption();

  @Mixin
  ResumeOption resumeOption = new ResumeOption();

  @Option(names = "--overwrite",
      description = "Replace the workspace's sample tables and this run's reports and charts,"
          + " and start the run again when it already has checkpoints (model versions are"
          + " never replaced).")
  boolean overwrite;

  private final IngestJob ingest = new IngestJob();
  private final DenoiseJob denoiser = new DenoiseJob();
  private final PretrainJob pretrain = new PretrainJob();
  private final FinetuneJob finetune = new FinetuneJob();
  private final AugmentJob augmenter = new AugmentJob();

  @Override
  public Integer call() throws UserException, IOException {
    configureSteps();
    Preflight local = Preflight.of(workspaceOptions);
    if (local != null) {
      preflight(local);
    }
    long started = System.nanoTime();
    JobContext context = JobContext.open("pipeline", sparkOptions, workspaceOptions,
        runIdOption.runId);
    preflight(Preflight.on(context.workspace()));
    ModelTraining trainer = new ModelTraining(context,
        resumeOption.open(context.workspace(), context.runId(), overwrite));

    int steps = augment ? 6 : 5;
    LOG.info("Step 1/{}: ingest", steps);
    int stroke = ingested(context.workspace()) ? ingestedStroke(context) : ingest.run(context);
    LOG.info("Step 2/{}: denoise{}", steps, denoise ? "" : " (skipped: --no-denoise)");
    String denoised = denoise ? denoise(context) : null;
    LOG.info("Step 3/{}: pretrain", steps);
    pretrain.run(context, trainer);
    String augmented = null;
    if (augment) {
      LOG.info("Step 4/{}: augment", steps);
      augmented = augment(context);
    }
    LOG.info("Step {}/{}: finetune with seeds {}", steps - 1, steps, Arrays.toString(seeds));
    List<FinetuneJob.Result> runs = new ArrayList<>();
    for (long runSeed : seeds) {
      runs.add(finetune.run(context, trainer, runSeed));
    }

    LOG.info("Step {}/{}: evaluate", steps, steps);
    Provenance provenance = provenance(context, stroke);
    trainer.writeCurves(provenance, overwrite);
    Evaluation evaluation = evaluate(context, runs);
    evaluation.write(provenance, overwrite);
    Summary summary = Summary.of(evaluation, context, (System.nanoTime() - started) / 1e9);
    summary.write(context, provenance, overwrite);
    trainer.deleteCheckpoints();
    PrintWriter out = new PrintWriter(spec.commandLine().getOut(), true);
    summary.print(out, seeds, labelsPerClass);
    if (denoised != null) {
      out.println(denoised);
    }
    if (augmented != null) {
      out.println(augmented);
    }
    return 0;
  }

  /**
   * Runs the augment step, unless a resumed run's interrupted run finished it; returns the line
   * the summary prints about it.
   */
  private String augment(JobContext context) throws UserException, IOException {
    Workspace workspace = context.workspace();
    Path table = workspace.samples(augmenter.outputDomain());
    if (resumeOption.resume && !overwrite && workspace.exists(table)) {
      LOG.info("Augment step of run {} is done ({}); resuming after it", context.runId(), table);
      return "Augment: done by the interrupted run; fine-tuned on " + table;
    }
    AugmentJob.Result result = augmenter.run(context);
    return String.format(java.util.Locale.ROOT, "Augment: fine-tuned on %s: %d labelled %s"
        + " train rows (seed %d), %d copies, %d pseudo-labelled rows in %d rounds", table,
        result.given(), augmenter.domain, seed, result.copies(), result.pseudo(), augmentRounds);
  }

  /**
   * Runs the denoise step, unless a resumed run's interrupted run finished it; returns the line
   * the summary prints about it.
   */
  private String denoise(JobContext context) throws UserException, IOException {
    Workspace workspace = context.workspace();
    Path report = workspace.report(DenoiseJob.REPORT, context.runId());
    if (resumeOption.resume && !overwrite && workspace.exists(report)
        && workspace.exists(workspace.samples(denoiser.outputDomain()))) {
      LOG.info("Denoise step of run {} is done ({}); resuming after it", context.runId(), report);
      return "Denoise: done by the interrupted run, see " + report;
    }
    io.ktp.denoise.DenoiseResult result = denoiser.run(context);
    return String.format(java.util.Locale.ROOT, "Denoise: kept %d of %d %s train rows; set aside"
        + " or relabelled by reason: %s", result.keptRows(), result.trainRows(),
        denoiser.domain, result.byReason());
  }

  /**
   * Checks the workspace before any work: the inputs and tables of the ingest step (skipped when
   * a resumed run finished it), this run's reports and charts, and its checkpoints.
   */
  private void preflight(Preflight checks) throws UserException, IOException {
    List<String> reports = new ArrayList<>(List.of(ModelTraining.CURVE_REPORT, SUMMARY_REPORT));
    reports.addAll(EvaluationSchemas.KINDS);
    if (!ingested(checks.workspace())) {
      ingest.preflight(workspaceOptions);
      reports.add(IngestJob.REPORT);
    }
    if (augment) {
      if (augmentRounds > 0) {
        reports.addAll(List.of(AugmentJob.ROUNDS_REPORT, AugmentJob.CONFIDENCE_REPORT));
      }
      if (!resumeOption.resume || overwrite) {
        checks.requireNoTable(augmenter.outputDomain(), overwrite);
      }
    }
    if (denoise) {
      reports.addAll(List.of(DenoiseJob.REPORT, DenoiseJob.REJECTED_REPORT));
      if (!resumeOption.resume || overwrite) {
        checks.requireNoTable(denoiser.outputDomain(), overwrite);
      }
    }
    checks.requireNoReports(runIdOption.runId, "pipeline", overwrite, reports);
    if (runIdOption.runId != null) {
      resumeOption.open(checks.workspace(), runIdOption.runId, overwrite);
    }
  }

  /**
   * Returns true when this is a resumed run whose interrupted run finished the ingest step, and
   * --overwrite does not ask to run it again.
   */
  private boolean ingested(Workspace workspace) throws IOException {
    return resumeOption.resume && !overwrite
        && workspace.exists(workspace.report(IngestJob.REPORT, runIdOption.runId));
  }

  /** Reads the stroke-pixel count that the interrupted run's ingest step used. */
  private int ingestedStroke(JobContext context) throws UserException {
    Path report = context.workspace().report(IngestJob.REPORT, context.runId());
    String config = context.spark().read().parquet(report.toString()).select("config").first()
        .getString(0);
    try {
      int stroke = JSON.readTree(config).path("stroke_pixels_used").asInt(0);
      if (stroke > 0) {
        LOG.info("Ingest step of run {} is done ({}); resuming after it", context.runId(),
            report);
        return stroke;
      }
    } catch (JsonProcessingException e) {
      LOG.warn("Config of {} is not JSON: {}", report, e.getOriginalMessage());
    }
    throw new UserException("Ingest report " + report + " has no stroke_pixels_used in its"
        + " config: pass --overwrite to run the ingest step again");
  }

  private void configureSteps() throws UserException {
    resumeOption.validate(runIdOption.runId);
    Checks.atLeast("--seeds (count)", seeds.length, 1);
    if (Arrays.stream(seeds).distinct().count() < seeds.length) {
      throw new UserException(Checks.invalid("--seeds", Arrays.toString(seeds),
          "each seed may appear once, because each seed names one fine-tuning run"));
    }
    Checks.atLeast("--pretrain-epochs", pretrainEpochs, 1);
    Checks.atLeast("--finetune-epochs", finetuneEpochs, 1);
    Checks.atLeast("--head-epochs", headEpochs, 0);
    ingest.files = files;
    ingest.seed = seed;
    ingest.overwrite = overwrite;
    ingest.validate();
    denoiser.steps = denoiseSteps;
    denoiser.stepsOption = "--denoise-steps";
    denoiser.seed = seed;
    denoiser.overwrite = overwrite;
    denoiser.validate();
    pretrain.domain = denoise ? denoiser.outputDomain() : IngestJob.SOURCE_DOMAIN;
    pretrain.seed = seed;
    pretrain.training.epochs = pretrainEpochs;
    pretrain.training.trainer = trainer;
    pretrain.validate();
    finetune.labelsPerClass = labelsPerClass;
    finetune.frozenLayers = frozenLayers;
    finetune.headEpochs = headEpochs;
    finetune.training.epochs = finetuneEpochs;
    finetune.training.trainer = trainer;
    finetune.validate();
    if (augment) {
      configureAugment();
    }
    similarity.validate();
  }

  /**
   * Sets up the augment step and points fine-tuning at its table. The round models train for the
   * fine-tuning epochs. Fine-tuning then uses every row of the augmented table, with the augment
   * job's minibatches (32 rows, averaging every 4) as in the runs that docs/augment.md reports.
   */
  private void configureAugment() throws UserException {
    Checks.atLeast("--augment-rounds", augmentRounds, 0);
    if (labelsPerClass == 0 && augmentRounds > 0) {
      throw new UserException(Checks.invalid("--labels-per-class", labelsPerClass, "with"
          + " --augment, pseudo-labelling needs unlabelled rows, and 0 labels them all; pass"
          + " --augment-rounds 0 or a --labels-per-class above 0"));
    }
    augmenter.labelsPerClass = labelsPerClass;
    augmenter.seed = seed;
    augmenter.overwrite = overwrite;
    augmenter.pseudo.rounds = augmentRounds;
    augmenter.pseudo.sourceModel = pretrain.model;
    augmenter.pseudo.frozenLayers = frozenLayers;
    augmenter.pseudo.headEpochs = headEpochs;
    augmenter.training.epochs = finetuneEpochs;
    augmenter.training.trainer = trainer;
    augmenter.validate();
    finetune.domain = augmenter.outputDomain();
    finetune.labelsPerClass = 0;
    finetune.training.batchSize = augmenter.training.batchSize;
    finetune.training.averagingFrequency = augmenter.training.averagingFrequency;
    finetune.validate();
  }

  private Evaluation evaluate(JobContext context, List<FinetuneJob.Result> runs)
      throws UserException, IOException {
    SampleTable source = SampleTables.read(context.spark(), context.workspace(),
        pretrain.domain, ModelTraining.CLASSES);
    SampleTable target = SampleTables.read(context.spark(), context.workspace(),
        IngestJob.TARGET_DOMAIN, ModelTraining.CLASSES);
    ModelStore store = new ModelStore(context.workspace());
    int features = target.featureCount();
    StoredModel sourceModel = store.load(pretrain.model, 0, features, ModelTraining.CLASSES);
    Evaluation evaluation = new Evaluation(context, source, target);
    for (FinetuneJob.Result run : runs) {
      evaluation.addModels(sourceModel,
          store.load(run.tuned().name(), run.tuned().version(), features, ModelTraining.CLASSES),
          store.load(run.baseline().name(), run.baseline().version(), features,
              ModelTraining.CLASSES), 0.95);
    }
    similarity.measure(evaluation, source, target, seed);
    return evaluation;
  }

  private Provenance provenance(JobContext context, int stroke) {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("--seeds", Arrays.toString(seeds));
    config.put("--labels-per-class", labelsPerClass);
    config.put("--pretrain-epochs", pretrainEpochs);
    config.put("--finetune-epochs", finetuneEpochs);
    config.put("--frozen-layers", frozenLayers);
    config.put("--denoise", denoise);
    config.put("--denoise-steps", String.join(",", denoiseSteps));
    config.put("--head-epochs", headEpochs);
    config.put("--augment", augment);
    config.put("--augment-rounds", augmentRounds);
    config.put("--trainer", trainer);
    config.put("stroke_pixels_used", stroke);
    config.putAll(similarity.config());
    return Provenance.start("pipeline", context.runId(), seed, config, Map.of(
        files.mnist, "see the ingest report", files.optdigits, "see the ingest report"));
  }

  static StructType summarySchema() {
    return new StructType()
        .add("metric", DataTypes.StringType)
        .add("mean", DataTypes.DoubleType)
        .add("std", DataTypes.DoubleType)
        .add("runs", DataTypes.IntegerType)
        .add("values", DataTypes.createArrayType(DataTypes.DoubleType, false));
  }

  static Row summaryRow(String metric, List<Double> values) {
    double[] array = values.stream().mapToDouble(Double::doubleValue).toArray();
    double mean = Arrays.stream(array).average().orElse(Double.NaN);
    double variance = Arrays.stream(array).map(v -> (v - mean) * (v - mean)).sum()
        / Math.max(1, array.length - 1);
    return RowFactory.create(metric, mean, Math.sqrt(variance), array.length, array);
  }
}
