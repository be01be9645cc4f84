package io.ktp.jobs;

import io.ktp.cli.Checks;
import io.ktp.cli.SparkOptions;
import io.ktp.cli.UserException;
import io.ktp.cli.WorkspaceOptions;
import io.ktp.data.SampleTable;
import io.ktp.data.SampleTables;
import io.ktp.data.Samples;
import io.ktp.denoise.DenoiseResult;
import io.ktp.denoise.DenoiseSettings;
import io.ktp.denoise.Denoiser;
import io.ktp.denoise.LabelAction;
import io.ktp.denoise.Step;
import io.ktp.io.Workspace;
import io.ktp.report.Charts;
import io.ktp.report.Provenance;
import io.ktp.report.Reports;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Cleans the train split of a source sample table and reports what it set aside and why. */
@Command(name = "denoise", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Screen the train split of a sample table for exact and near duplicates,"
        + " likely wrong labels (confident learning on out-of-fold predictions), per-class"
        + " outliers and unstable rows; write the clean table, the rejected rows with reason and"
        + " score, and counts per reason and class. The input table is never changed.")
public final class DenoiseJob implements Callable<Integer> {
  static final String REPORT = "denoise";
  static final String REJECTED_REPORT = "denoise_rejected";
  static final String CLEAN_SUFFIX = "-clean";
  private static final Logger LOG = LoggerFactory.getLogger(DenoiseJob.class);

  @Mixin
  WorkspaceOptions workspaceOptions = new WorkspaceOptions();

  @Mixin
  SparkOptions sparkOptions = new SparkOptions();

  @Option(names = "--domain", paramLabel = "NAME",
      description = "Sample table to clean. Default: ${DEFAULT-VALUE}.")
  String domain = IngestJob.SOURCE_DOMAIN;

  @Option(names = "--output-domain", paramLabel = "NAME",
      description = "Name of the clean table. Default: the domain followed by '-clean'.")
  String outputDomain;

  @Option(names = "--steps", paramLabel = "STEPS", split = ",",
      defaultValue = "duplicates,near-duplicates,label-noise,outliers,unstable",
      description = "Steps to run, comma-separated, from: duplicates, near-duplicates,"
          + " label-noise, outliers, unstable. They always run in this order. Default:"
          + " ${DEFAULT-VALUE}.")
  List<String> steps = new ArrayList<>(List.of("duplicates", "near-duplicates", "label-noise",
      "outliers", "unstable"));

  @Option(names = "--near-distance", paramLabel = "DISTANCE",
      description = "Euclidean distance in feature units (block counts) at or below which two"
          + " rows with the same label are near duplicates; 0 finds only exact copies."
          + " Default: ${DEFAULT-VALUE}.")
  double nearDistance = 1.0;

  @Option(names = "--lsh-tables", paramLabel = "N",
      description = "Hash tables of the near-duplicate search; each adds a pass over the rows"
          + " and finds more pairs. Default: ${DEFAULT-VALUE}.")
  int lshTables = 6;

  @Option(names = "--lsh-bucket-width", paramLabel = "DISTANCE",
      description = "Bucket width of each random projection, in feature units; larger than"
          + " --near-distance. Default: ${DEFAULT-VALUE}.")
  double lshBucketWidth = 8.0;

  @Option(names = "--folds", paramLabel = "K",
      description = "Folds of the out-of-fold predictions (one model per fold, trained on the"
          + " other folds). Default: ${DEFAULT-VALUE}.")
  int folds = 3;

  @Option(names = "--fold-epochs", paramLabel = "N",
      description = "Training epochs of each fold model. Default: ${DEFAULT-VALUE}.")
  int foldEpochs = 8;

  @Option(names = "--fold-hidden", paramLabel = "SIZES", split = ",", defaultValue = "128,64",
      description = "Hidden layer widths of the fold models. Default: ${DEFAULT-VALUE}.")
  int[] foldHidden = {128, 64};

  @Option(names = "--label-rounds", paramLabel = "N",
      description = "Rounds of label-noise detection; each round trains new fold models on the"
          + " rows earlier rounds kept, which finds labels the first models were unsure of."
          + " Default: ${DEFAULT-VALUE}.")
  int labelRounds = 2;

  @Option(names = "--label-action", paramLabel = "ACTION",
      description = "What to do with a row whose label is likely wrong: set-aside or relabel"
          + " (keep it with the class the fold models agree on). Default: ${DEFAULT-VALUE}.")
  String labelAction = "set-aside";

  @Option(names = "--outlier-quantile", paramLabel = "Q",
      description = "Per-class quantile of the Mahalanobis distance above which a row is an"
          + " outlier, in (0, 1). Default: ${DEFAULT-VALUE}.")
  double outlierQuantile = 0.995;

  @Option(names = "--perturbations", paramLabel = "N",
      description = "Seeded noisy copies of each row for the stability screen. Default:"
          + " ${DEFAULT-VALUE}.")
  int perturbations = 8;

  @Option(names = "--perturbation-sigma", paramLabel = "SIGMA",
      description = "Standard deviation of the Gaussian noise added to every feature, in"
          + " feature units (block counts). Default: ${DEFAULT-VALUE}.")
  double perturbationSigma = 1.0;

  @Option(names = "--unstable-fraction", paramLabel = "SHARE",
      description = "Share of perturbations that must change the predicted class for a row to"
          + " be unstable, in (0, 1]. Default: ${DEFAULT-VALUE}.")
  double unstableFraction = 0.75;

  @Option(names = "--seed", paramLabel = "SEED",
      description = "Seed of folds, fold models, hashing and perturbations. Default:"
          + " ${DEFAULT-VALUE}.")
  long seed = 42;

  @Mixin
  RunIdOption runIdOption = new RunIdOption();

  /** The option that error messages name for the steps; the pipeline sets its own. */
  String stepsOption = "--steps";

  @Option(names = "--overwrite",
      description = "Replace the clean table and this run's denoise reports and chart.")
  boolean overwrite;

  @Override
  public Integer call() throws UserException, IOException {
    validate();
    Preflight local = Preflight.of(workspaceOptions);
    if (local != null) {
      preflight(local);
    }
    JobContext context = JobContext.open("denoise", sparkOptions, workspaceOptions,
        runIdOption.runId);
    preflight(Preflight.on(context.workspace()));
    run(context);
    return 0;
  }

  /** Checks every option; returns the settings they give. */
  DenoiseSettings validate() throws UserException {
    OutputDomains.check("denoise", domain, outputDomain());
    return settings().validate();
  }

  void preflight(Preflight checks) throws UserException, IOException {
    checks.requireTable(domain)
        .requireNoTable(outputDomain(), overwrite)
        .requireNoReports(runIdOption.runId, REPORT, overwrite,
            List.of(REPORT, REJECTED_REPORT));
  }

  String outputDomain() {
    return outputDomain == null ? domain + CLEAN_SUFFIX : outputDomain;
  }

  /** Cleans the table and writes the clean table, both reports and the chart. */
  DenoiseResult run(JobContext context) throws UserException, IOException {
    DenoiseSettings settings = validate();
    SampleTable table = SampleTables.read(context.spark(), context.workspace(), domain,
        ModelTraining.CLASSES);
    SampleTables.requireRows(table, Samples.TRAIN, "denoising");
    Provenance provenance = Provenance.start("denoise", context.runId(), seed, config(),
        Map.of(table.location(), table.fingerprint()));

    DenoiseResult result = new Denoiser(context.spark(), settings, ModelTraining.CLASSES)
        .run(table.rows(), table.featureCount());

    Workspace workspace = context.workspace();
    Reports.write(context.spark(), workspace, REPORT, Denoiser.COUNTS_SCHEMA, result.counts(),
        provenance, overwrite);
    Reports.writeTable(result.rejected(), workspace, REJECTED_REPORT, provenance, overwrite);
    chart(workspace, context.runId(), result);
    SampleTables.write(result.clean(), workspace, outputDomain(), overwrite);
    LOG.info("Wrote {} ({} of {} train rows kept) and the reports {} and {}",
        workspace.samples(outputDomain()), result.keptRows(), result.trainRows(),
        workspace.report(REPORT, context.runId()),
        workspace.report(REJECTED_REPORT, context.runId()));
    return result;
  }

  private void chart(Workspace workspace, String runId, DenoiseResult result) throws IOException {
    Map<String, Double> bars = new LinkedHashMap<>();
    result.byReason().forEach((reason, rows) -> bars.put(reason, rows.doubleValue()));
    if (bars.isEmpty()) {
      return;
    }
    new Charts().barChart("Train rows set aside or relabelled by denoise (" + domain + ", "
            + result.trainRows() + " rows)", "reason", "rows", bars, workspace.fs(),
        new Path(workspace.charts(runId), "denoise-reasons.png"));
  }

  private DenoiseSettings settings() throws UserException {
    return new DenoiseSettings(parseSteps(), nearDistance, lshTables, lshBucketWidth, folds,
        foldEpochs, foldHidden, labelRounds, parseLabelAction(), outlierQuantile, perturbations,
        perturbationSigma, unstableFraction, ModelTraining.FEATURE_SCALE, seed);
  }

  private Set<Step> parseSteps() throws UserException {
    Set<Step> parsed = EnumSet.noneOf(Step.class);
    for (String name : steps) {
      Step step = Step.fromOption(name.trim().toLowerCase(Locale.ROOT));
      if (step == null) {
        throw new UserException(Checks.invalid(stepsOption, name, "must be one of "
            + Arrays.stream(Step.values()).map(Step::option).collect(Collectors.joining(", "))));
      }
      parsed.add(step);
    }
    return parsed;
  }

  private LabelAction parseLabelAction() throws UserException {
    switch (labelAction.trim().toLowerCase(Locale.ROOT)) {
      case "set-aside":
        return LabelAction.SET_ASIDE;
      case "relabel":
        return LabelAction.RELABEL;
      default:
        throw new UserException(Checks.invalid("--label-action", labelAction,
            "must be set-aside or relabel"));
    }
  }

  Map<String, Object> config() {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("--domain", domain);
    config.put("--output-domain", outputDomain());
    config.put("--steps", String.join(",", steps));
    config.put("--near-distance", nearDistance);
    config.put("--lsh-tables", lshTables);
    config.put("--lsh-bucket-width", lshBucketWidth);
    config.put("--folds", folds);
    config.put("--fold-epochs", foldEpochs);
    config.put("--fold-hidden", Arrays.toString(foldHidden));
    config.put("--label-rounds", labelRounds);
    config.put("--label-action", labelAction);
    config.put("--outlier-quantile", outlierQuantile);
    config.put("--perturbations", perturbations);
    config.put("--perturbation-sigma", perturbationSigma);
    config.put("--unstable-fraction", unstableFraction);
    return config;
  }
}
