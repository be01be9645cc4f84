package io.ktp.jobs;

import io.ktp.cli.Checks;
import io.ktp.cli.ExitCodes;
import io.ktp.cli.SparkOptions;
import io.ktp.cli.UserException;
import io.ktp.cli.WorkspaceOptions;
import io.ktp.io.Workspace;
import io.ktp.model.ModelRegistry;
import io.ktp.train.TrainingOptions;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Fine-tunes the production model on a new batch with replay of earlier rows, registers the result
 * as a new version and promotes it only when it beats the production model on the batch's
 * held-out rows while keeping enough of its source accuracy.
 */
@Command(name = "recalibrate", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Fine-tune a model version (by default the production one) on the train split"
        + " of a new batch, after quarantining rows far outside the reference distribution, with"
        + " a seeded reservoir sample of earlier source and target rows mixed into every"
        + " minibatch. Save the result as the next version with its parent, and move the alias to"
        + " it only when it beats the current version on the batch's test split and keeps the"
        + " source retention at or above --min-retention. Exit status 0: promoted; 4: not"
        + " promoted (the report says why).")
public final class RecalibrateJob implements Callable<Integer> {
  static final String REPORT = "recalibration";
  static final String QUARANTINE_REPORT = "quarantine";

  @Mixin
  WorkspaceOptions workspaceOptions = new WorkspaceOptions();

  @Mixin
  SparkOptions sparkOptions = new SparkOptions();

  @Mixin
  LifecycleModelOptions modelOptions = new LifecycleModelOptions();

  @Option(names = "--batch-domain", paramLabel = "NAME", required = true,
      description = "Sample table of the new rows: its train split is fitted, its test split"
          + " held out to compare the versions.")
  String batchDomain;

  @Option(names = "--source-domain", paramLabel = "NAME",
      description = "Source sample table: its train split feeds the replay, its test split"
          + " measures source retention. Default: ${DEFAULT-VALUE}.")
  String sourceDomain = "mnist-clean";

  @Option(names = "--replay-fraction", paramLabel = "SHARE",
      description = "Share of every minibatch drawn from the replayed earlier rows, in [0, 1);"
          + " 0 trains on the batch alone. Default: ${DEFAULT-VALUE}.")
  double replayFraction = 0.5;

  @Option(names = "--replay-rows", paramLabel = "N",
      description = "Size of the seeded reservoir sample of earlier rows taken from each of the"
          + " source and the reference train splits. Default: ${DEFAULT-VALUE}.")
  int replayRows = 1000;

  @Option(names = "--min-retention", paramLabel = "RATIO",
      description = "Minimum source retention (source test accuracy after / before) a new version"
          + " needs for promotion. Default: ${DEFAULT-VALUE}.")
  double minRetention = 0.98;

  @Option(names = "--min-gain", paramLabel = "ACCURACY",
      description = "Held-out accuracy on the batch that the new version must exceed the current"
          + " one by, in accuracy points (0.01 = one point). Default: ${DEFAULT-VALUE}.")
  double minGain = 0;

  @Option(names = "--alias", paramLabel = "ALIAS",
      description = "Alias that a new version that passes is promoted to. Default:"
          + " ${DEFAULT-VALUE}.")
  String alias = ModelRegistry.PRODUCTION;

  @Option(names = "--filter-quantile", paramLabel = "Q",
      description = "Per-class quantile of the reference rows' Mahalanobis distances that the"
          + " incoming-data filter scales, in (0, 1). Default: ${DEFAULT-VALUE}.")
  double filterQuantile = 0.99;

  @Option(names = "--filter-factor", paramLabel = "FACTOR",
      description = "A batch row is quarantined when its distance exceeds this factor times its"
          + " class's quantile, > 0. Default: ${DEFAULT-VALUE}.")
  double filterFactor = 4.0;

  @Mixin
  TrainingMixin training = new TrainingMixin.Recalibration();

  @Option(names = "--seed", paramLabel = "SEED",
      description = "Seed of the reservoir, shuffling and padding. Default: ${DEFAULT-VALUE}.")
  long seed = 42;

  @Mixin
  RunIdOption runIdOption = new RunIdOption();

  @Option(names = "--overwrite",
      description = "Replace this run's existing reports and charts.")
  boolean overwrite;

  @Override
  public Integer call() throws UserException, IOException {
    validate();
    Preflight local = Preflight.of(workspaceOptions);
    if (local != null) {
      preflight(local);
    }
    JobContext context = JobContext.open("recalibrate", sparkOptions, workspaceOptions,
        runIdOption.runId);
    preflight(Preflight.on(context.workspace()));
    Recalibration.Outcome outcome = new Recalibration(context, this).run();
    return outcome.promoted() ? ExitCodes.OK : ExitCodes.NOT_PROMOTED;
  }

  void validate() throws UserException {
    modelOptions.validate();
    Workspace.checkName("batch domain", batchDomain);
    Workspace.checkName("source domain", sourceDomain);
    ModelRegistry.checkAliasName(alias);
    if (!(replayFraction >= 0 && replayFraction < 1)) {
      throw new UserException(Checks.invalid("--replay-fraction", replayFraction,
          "must be >= 0 and < 1, so every minibatch keeps rows of the batch"));
    }
    Checks.atLeast("--replay-rows", replayRows, 1);
    if (!(minRetention >= 0 && Double.isFinite(minRetention))) {
      throw new UserException(Checks.invalid("--min-retention", minRetention,
          "must be finite and >= 0"));
    }
    if (!(minGain >= 0 && minGain < 1)) {
      throw new UserException(Checks.invalid("--min-gain", minGain, "must be >= 0 and < 1"));
    }
    Checks.openRange("--filter-quantile", filterQuantile, 0, 1);
    Checks.openRange("--filter-factor", filterFactor, 0, Double.POSITIVE_INFINITY);
    TrainingOptions options = training.toOptions(seed, 1);
    if (replayFraction > 0 && options.batchSize() < 2) {
      throw new UserException(Checks.invalid("--batch-size", options.batchSize(),
          "must be >= 2 with replay, so a minibatch holds batch and replayed rows"));
    }
  }

  private void preflight(Preflight checks) throws UserException, IOException {
    modelOptions.preflight(checks);
    checks.requireTable(batchDomain, "ktp batch --output-domain " + batchDomain)
        .requireTable(sourceDomain)
        .requireNoReports(runIdOption.runId, "recalibrate", overwrite,
            List.of(REPORT, QUARANTINE_REPORT, ModelTraining.CURVE_REPORT));
  }

  Map<String, Object> config(LifecycleModelOptions.Production production,
      TrainingOptions options) throws UserException {
    Map<String, Object> config = new LinkedHashMap<>(modelOptions.config(production));
    config.put("--batch-domain", batchDomain);
    config.put("--source-domain", sourceDomain);
    config.put("--replay-fraction", replayFraction);
    config.put("--replay-rows", replayRows);
    config.put("--min-retention", minRetention);
    config.put("--min-gain", minGain);
    config.put("--alias", alias);
    config.put("--filter-quantile", filterQuantile);
    config.put("--filter-factor", filterFactor);
    config.put("--epochs", options.epochs());
    config.put("--batch-size", options.batchSize());
    config.put("--averaging-frequency", options.averagingFrequency());
    config.put("--workers", options.workers());
    config.put("--learning-rate", options.learningRate());
    config.put("--trainer", options.engine().optionName());
    return config;
  }
}
