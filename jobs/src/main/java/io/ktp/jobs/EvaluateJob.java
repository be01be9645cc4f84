package io.ktp.jobs;

import io.ktp.cli.Checks;
import io.ktp.cli.SparkOptions;
import io.ktp.cli.UserException;
import io.ktp.cli.WorkspaceOptions;
import io.ktp.data.SampleTable;
import io.ktp.data.SampleTables;
import io.ktp.data.Samples;
import io.ktp.io.Workspace;
import io.ktp.jobs.Evaluation.DomainSample;
import io.ktp.model.ModelStore;
import io.ktp.model.StoredModel;
import io.ktp.report.Provenance;
import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Scores the source-only, fine-tuned and from-scratch models and measures the domain shift. */
@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Write the transfer, retention, per_class, convergence and domain_similarity"
        + " reports for the latest (or given) versions of the source, fine-tuned and"
        + " from-scratch models.")
public final class EvaluateJob implements Callable<Integer> {
  @Mixin
  WorkspaceOptions workspaceOptions = new WorkspaceOptions();

  @Mixin
  SparkOptions sparkOptions = new SparkOptions();

  @Option(names = "--source-model", paramLabel = "NAME",
      description = "Source model. Default: ${DEFAULT-VALUE}.")
  String sourceModel = "source";

  @Option(names = "--model", paramLabel = "NAME",
      description = "Fine-tuned model. Default: ${DEFAULT-VALUE}.")
  String model = "finetuned";

  @Option(names = "--baseline-model", paramLabel = "NAME",
      description = "From-scratch baseline model. Default: ${DEFAULT-VALUE}.")
  String baselineModel = "scratch";

  @Option(names = "--model-version", paramLabel = "N",
      description = "Version of the fine-tuned and baseline models; 0 takes the latest."
          + " Default: ${DEFAULT-VALUE}.")
  int version;

  @Option(names = "--source-domain", paramLabel = "NAME",
      description = "Source domain sample table. Default: ${DEFAULT-VALUE}.")
  String sourceDomain = IngestJob.SOURCE_DOMAIN;

  @Option(names = "--domain", paramLabel = "NAME",
      description = "Target domain sample table. Default: ${DEFAULT-VALUE}.")
  String domain = IngestJob.TARGET_DOMAIN;

  @Mixin
  DomainSimilarityOptions similarity = new DomainSimilarityOptions();

  @Option(names = "--convergence-fraction", paramLabel = "FRACTION",
      description = "Convergence counts the epochs until validation accuracy reaches this"
          + " fraction of the best accuracy of the compared models. Default: ${DEFAULT-VALUE}.")
  double convergenceFraction = 0.95;

  @Option(names = "--seed", paramLabel = "SEED", description = "Seed of the MMD samples and permutations."
      + " Default: ${DEFAULT-VALUE}.")
  long seed = 42;

  @Mixin
  RunIdOption runIdOption = new RunIdOption();

  @Option(names = "--overwrite", description = "Replace this run's existing reports and charts.")
  boolean overwrite;

  @Override
  public Integer call() throws UserException, IOException {
    validate();
    Preflight local = Preflight.of(workspaceOptions);
    if (local != null) {
      local.requireModel(sourceModel).requireModel(model).requireModel(baselineModel)
          .requireTable(sourceDomain).requireTable(domain)
          .requireNoReports(runIdOption.runId, "evaluate", overwrite, EvaluationSchemas.KINDS);
    }
    JobContext context = JobContext.open("evaluate", sparkOptions, workspaceOptions,
        runIdOption.runId);
    Preflight.on(context.workspace())
        .requireNoReports(context.runId(), "evaluate", overwrite, EvaluationSchemas.KINDS);
    SampleTable sourceTable = SampleTables.read(context.spark(), context.workspace(),
        sourceDomain, ModelTraining.CLASSES);
    SampleTable targetTable = SampleTables.read(context.spark(), context.workspace(), domain,
        ModelTraining.CLASSES);
    if (sourceTable.featureCount() != targetTable.featureCount()) {
      throw new UserException("Sample tables " + sourceTable.location() + " and "
          + targetTable.location() + " have " + sourceTable.featureCount() + " and "
          + targetTable.featureCount() + " features: evaluation needs both domains in one"
          + " feature space; ingest them into the same features");
    }
    SampleTables.requireRows(sourceTable, Samples.TEST, "evaluation");
    SampleTables.requireRows(targetTable, Samples.TEST, "evaluation");
    ModelStore store = new ModelStore(context.workspace());
    int features = targetTable.featureCount();
    StoredModel source = store.load(sourceModel, 0, features, ModelTraining.CLASSES);
    StoredModel tuned = store.load(model, version, features, ModelTraining.CLASSES);
    StoredModel scratch = store.load(baselineModel, version, features, ModelTraining.CLASSES);

    Evaluation evaluation = new Evaluation(context, sourceTable, targetTable);
    evaluation.addModels(source, tuned, scratch, convergenceFraction);
    similarity.measure(evaluation, sourceTable, targetTable, seed);
    evaluation.write(Provenance.start("evaluate", context.runId(), seed, config(),
        Map.of(sourceTable.location(), sourceTable.fingerprint(),
            targetTable.location(), targetTable.fingerprint())), overwrite);
    return 0;
  }

  void validate() throws UserException {
    for (String name : new String[] {sourceModel, model, baselineModel}) {
      Workspace.checkName("model", name);
    }
    Workspace.checkName("domain", sourceDomain);
    Workspace.checkName("domain", domain);
    Checks.atLeast("--model-version", version, 0);
    Checks.halfOpenRange("--convergence-fraction", convergenceFraction, 0, 1);
    similarity.validate();
  }

  private Map<String, Object> config() {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("--source-model", sourceModel);
    config.put("--model", model);
    config.put("--baseline-model", baselineModel);
    config.put("--model-version", version);
    config.put("--convergence-fraction", convergenceFraction);
    config.putAll(similarity.config());
    return config;
  }

  /** MMD options, shared with the pipeline. */
  static final class DomainSimilarityOptions {
    /** Kernel name of the Gaussian kernel at the median-heuristic bandwidth. */
    static final String SINGLE_KERNEL = "median";
    /** Kernel name of the mean of Gaussian kernels at --bandwidth-multipliers. */
    static final String MULTI_KERNEL = "multi";

    @Option(names = "--mmd-rows", paramLabel = "N",
        description = "Rows sampled from each domain's train split for the MMD test."
            + " Default: ${DEFAULT-VALUE}.")
    int rows = 500;

    @Option(names = "--permutations", paramLabel = "N",
        description = "Permutations of the MMD test; the smallest p-value is 1/(N+1)."
            + " Default: ${DEFAULT-VALUE}.")
    int permutations = 500;

    @Option(names = "--bandwidth-multipliers", paramLabel = "FACTORS", split = ",",
        defaultValue = "0.5,1,2",
        description = "Bandwidths of the multi-kernel MMD as multiples of the median pairwise"
            + " distance; its kernel is the mean of the Gaussian kernels. The single-kernel MMD"
            + " always uses the median itself. Default: ${DEFAULT-VALUE}.")
    double[] multipliers = {0.5, 1, 2};

    void validate() throws UserException {
      Checks.atLeast("--mmd-rows", rows, 2);
      Checks.atLeast("--permutations", permutations, 1);
      for (double multiplier : multipliers) {
        Checks.openRange("--bandwidth-multipliers", multiplier, 0, Double.POSITIVE_INFINITY);
      }
    }

    /**
     * Tests source against target, and source against a disjoint sample of itself as the
     * no-shift reference; both from the train splits.
     */
    void measure(Evaluation evaluation, SampleTable source, SampleTable target, long seed) {
      String sourceName = source.rows().first().getAs(Samples.DOMAIN);
      String targetName = target.rows().first().getAs(Samples.DOMAIN);
      double[][] sourceRows = Evaluation.featureSample(source, Samples.TRAIN, 2 * rows, seed);
      DomainSample sourceA = new DomainSample(sourceName,
          Arrays.copyOfRange(sourceRows, 0, sourceRows.length / 2));
      DomainSample sourceB = new DomainSample(sourceName,
          Arrays.copyOfRange(sourceRows, sourceRows.length / 2, sourceRows.length));
      DomainSample targetRows = new DomainSample(targetName,
          Evaluation.featureSample(target, Samples.TRAIN, rows, seed + 1));
      String shifted = sourceName + " vs " + targetName;
      String reference = sourceName + " vs " + sourceName + " (disjoint)";
      for (String kernel : List.of(SINGLE_KERNEL, MULTI_KERNEL)) {
        double[] factors = kernel.equals(SINGLE_KERNEL) ? new double[] {1} : multipliers;
        evaluation.addDomainPair(shifted, kernel, sourceA, targetRows, factors, permutations,
            seed);
        evaluation.addDomainPair(reference, kernel, sourceA, sourceB, factors, permutations,
            seed);
      }
    }

    Map<String, Object> config() {
      Map<String, Object> config = new LinkedHashMap<>();
      config.put("--mmd-rows", rows);
      config.put("--permutations", permutations);
      config.put("--bandwidth-multipliers", Arrays.toString(multipliers));
      return config;
    }
  }
}
