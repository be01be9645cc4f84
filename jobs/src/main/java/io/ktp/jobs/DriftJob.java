package io.ktp.jobs;

import io.ktp.cli.Checks;
import io.ktp.cli.ExitCodes;
import io.ktp.cli.SparkOptions;
import io.ktp.cli.UserException;
import io.ktp.cli.WorkspaceOptions;
import io.ktp.data.SampleTable;
import io.ktp.data.SampleTables;
import io.ktp.drift.ClassShift;
import io.ktp.drift.DriftDecision;
import io.ktp.drift.FeatureShift;
import io.ktp.io.Workspace;
import io.ktp.metrics.Mmd;
import io.ktp.metrics.MmdResult;
import io.ktp.model.StoredModel;
import io.ktp.report.Charts;
import io.ktp.report.Provenance;
import io.ktp.report.Reports;
import io.ktp.train.Predictions;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
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
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Tests whether a batch of new target rows drifted from the reference rows of the production
 * model. Its exit status shows a scheduler whether recalibration is advised.
 */
@Command(name = "drift", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Compare a batch of new rows with the reference rows of a model version (by"
        + " default the one the 'production' alias points to): MMD permutation test,"
        + " per-feature Kolmogorov-Smirnov tests with the Benjamini-Hochberg correction, and a"
        + " chi-square test of the model's predicted classes. Exit status 0: no recalibration"
        + " advised; 3: recalibration advised (reports written in both cases).")
public final class DriftJob implements Callable<Integer> {
  static final String REPORT = "drift";
  static final String FEATURE_REPORT = "drift_features";
  private static final Logger LOG = LoggerFactory.getLogger(DriftJob.class);

  static final StructType SCHEMA = new StructType()
      .add("model", DataTypes.StringType)
      .add("version", DataTypes.IntegerType)
      .add("reference_table", DataTypes.StringType)
      .add("batch_table", DataTypes.StringType)
      .add("reference_rows", DataTypes.IntegerType)
      .add("batch_rows", DataTypes.IntegerType)
      .add("mmd2", DataTypes.DoubleType)
      .add("mmd_p_value", DataTypes.DoubleType)
      .add("permutations", DataTypes.IntegerType)
      .add("features_shifted", DataTypes.IntegerType)
      .add("feature_p_value", DataTypes.DoubleType)
      .add("class_chi_square", DataTypes.DoubleType)
      .add("class_p_value", DataTypes.DoubleType)
      .add("class_total_variation", DataTypes.DoubleType)
      .add("reference_class_counts", DataTypes.createArrayType(DataTypes.LongType))
      .add("batch_class_counts", DataTypes.createArrayType(DataTypes.LongType))
      .add("p_value", DataTypes.DoubleType)
      .add("alpha", DataTypes.DoubleType)
      .add("recalibration_advised", DataTypes.BooleanType)
      .add("reason", DataTypes.StringType);

  static final StructType FEATURE_SCHEMA = new StructType()
      .add("feature", DataTypes.IntegerType)
      .add("ks_statistic", DataTypes.DoubleType)
      .add("p_value", DataTypes.DoubleType)
      .add("adjusted_p_value", DataTypes.DoubleType)
      .add("shifted", DataTypes.BooleanType);

  @Mixin
  WorkspaceOptions workspaceOptions = new WorkspaceOptions();

  @Mixin
  SparkOptions sparkOptions = new SparkOptions();

  @Mixin
  LifecycleModelOptions modelOptions = new LifecycleModelOptions();

  @Option(names = "--batch-domain", paramLabel = "NAME", required = true,
      description = "Sample table of the new rows (all splits), such as one 'ktp batch' wrote.")
  String batchDomain;

  @Option(names = "--max-rows", paramLabel = "N",
      description = "Rows sampled, by seed, from each of the reference and the batch when they"
          + " have more. Default: ${DEFAULT-VALUE}.")
  int maxRows = 1000;

  @Option(names = "--permutations", paramLabel = "N",
      description = "Permutations of the MMD test; the smallest p-value is 1/(N+1)."
          + " Default: ${DEFAULT-VALUE}.")
  int permutations = 1000;

  @Option(names = "--bandwidth-multipliers", paramLabel = "FACTORS", split = ",",
      defaultValue = "0.5,1,2",
      description = "Bandwidths of the MMD kernel as multiples of the median pairwise distance;"
          + " the kernel is the mean of the Gaussian kernels, as in evaluate. Default:"
          + " ${DEFAULT-VALUE}.")
  double[] multipliers = {0.5, 1, 2};

  @Option(names = "--alpha", paramLabel = "LEVEL",
      description = "Significance level of the combined test, in (0, 1); it is also the false"
          + " discovery rate of the per-feature tests. Default: ${DEFAULT-VALUE}.")
  double alpha = 0.01;

  @Option(names = "--seed", paramLabel = "SEED",
      description = "Seed of the row samples and the permutations. Default: ${DEFAULT-VALUE}.")
  long seed = 42;

  @Mixin
  RunIdOption runIdOption = new RunIdOption();

  @Spec
  CommandSpec spec;

  @Option(names = "--overwrite",
      description = "Replace this run's existing drift reports and chart.")
  boolean overwrite;

  @Override
  public Integer call() throws UserException, IOException {
    validate();
    Preflight local = Preflight.of(workspaceOptions);
    if (local != null) {
      preflight(local);
    }
    JobContext context = JobContext.open("drift", sparkOptions, workspaceOptions,
        runIdOption.runId);
    preflight(Preflight.on(context.workspace()));
    DriftDecision decision = run(context);
    PrintWriter out = spec.commandLine().getOut();
    out.printf(Locale.ROOT, "Drift of batch '%s': MMD p = %.3g, per-feature KS adjusted p = %.3g,"
        + " predicted-class chi-square p = %.3g%n", batchDomain, decision.mmdPValue(),
        decision.featurePValue(), decision.classPValue());
    out.println(decision.advised()
        ? "Recalibration advised (exit code " + ExitCodes.RECALIBRATION_ADVISED + "): "
            + decision.reason()
        : "No recalibration needed: " + decision.reason());
    out.println("Reports: " + context.workspace().report(REPORT, context.runId()) + " and "
        + context.workspace().report(FEATURE_REPORT, context.runId()));
    out.flush();
    return decision.advised() ? ExitCodes.RECALIBRATION_ADVISED : ExitCodes.OK;
  }

  void validate() throws UserException {
    modelOptions.validate();
    Workspace.checkName("batch domain", batchDomain);
    Checks.atLeast("--max-rows", maxRows, 2);
    Checks.atLeast("--permutations", permutations, 1);
    Checks.openRange("--alpha", alpha, 0, 1);
    for (double multiplier : multipliers) {
      Checks.openRange("--bandwidth-multipliers", multiplier, 0, Double.POSITIVE_INFINITY);
    }
  }

  private void preflight(Preflight checks) throws UserException, IOException {
    modelOptions.preflight(checks);
    checks.requireTable(batchDomain, "ktp batch --output-domain " + batchDomain)
        .requireNoReports(runIdOption.runId, REPORT, overwrite, List.of(REPORT, FEATURE_REPORT));
  }

  /** Runs the three tests, writes both reports and the chart; returns the decision. */
  DriftDecision run(JobContext context) throws UserException, IOException {
    Workspace workspace = context.workspace();
    LifecycleModelOptions.Production production = modelOptions.resolve(workspace);
    SampleTable reference = modelOptions.referenceTable(context, production);
    SampleTable batch = SampleTables.read(context.spark(), workspace, batchDomain,
        ModelTraining.CLASSES);
    LifecycleModelOptions.requireSameFeatures(reference, batch, "--batch-domain");
    StoredModel model = production.load(workspace, reference.featureCount());
    // A recalibrated version's reference is the batch it adapted to, which may be this batch.
    Map<String, String> inputs = new LinkedHashMap<>();
    inputs.put(reference.location(), reference.fingerprint());
    inputs.put(batch.location(), batch.fingerprint());
    Provenance provenance = Provenance.start("drift", context.runId(), seed, config(production),
        inputs);

    Predictions referenceRows = LifecycleModelOptions.sample(reference.split(
        modelOptions.referenceSplit), maxRows, seed);
    Predictions batchRows = LifecycleModelOptions.sample(batch.rows(), maxRows, seed + 1);
    LifecycleModelOptions.requireRows(referenceRows, reference.location() + " ("
        + modelOptions.referenceSplit + " split)");
    LifecycleModelOptions.requireRows(batchRows, batch.location());
    double[][] x = LifecycleModelOptions.features(referenceRows);
    double[][] y = LifecycleModelOptions.features(batchRows);

    MmdResult mmd = Mmd.test(x, y, multipliers, permutations, seed);
    List<FeatureShift.FeatureTest> features = FeatureShift.test(x, y);
    ClassShift classes = ClassShift.of(referenceRows.predict(model.network()),
        batchRows.predict(model.network()), ModelTraining.CLASSES);
    DriftDecision decision = DriftDecision.of(mmd.pValue(),
        FeatureShift.minAdjustedPValue(features), classes.pValue(), alpha);
    LOG.info("Drift of {} against {} for {}: MMD^2 {} (p = {}), {} of {} features shifted,"
        + " predicted-class total variation {} (p = {}); combined p = {}: {}", batch.location(),
        reference.location(), model.reference(), mmd.mmd2(), mmd.pValue(),
        FeatureShift.rejected(features, alpha), features.size(), classes.totalVariation(),
        classes.pValue(), decision.pValue(), decision.reason());

    Row row = RowFactory.create(production.name(), production.version(), reference.location(),
        batch.location(), x.length, y.length, mmd.mmd2(), mmd.pValue(), permutations,
        FeatureShift.rejected(features, alpha), decision.featurePValue(), classes.chiSquare(),
        classes.pValue(), classes.totalVariation(), boxed(classes.referenceCounts()),
        boxed(classes.batchCounts()), decision.pValue(), alpha, decision.advised(),
        decision.reason());
    Reports.write(context.spark(), workspace, REPORT, SCHEMA, List.of(row), provenance, overwrite);
    Reports.write(context.spark(), workspace, FEATURE_REPORT, FEATURE_SCHEMA,
        featureRows(features), provenance, overwrite);
    chart(workspace, context.runId(), classes, referenceRows.size(), batchRows.size());
    return decision;
  }

  private List<Row> featureRows(List<FeatureShift.FeatureTest> features) {
    List<Row> rows = new ArrayList<>();
    for (FeatureShift.FeatureTest test : features) {
      rows.add(RowFactory.create(test.feature(), test.statistic(), test.pValue(),
          test.adjustedPValue(), test.adjustedPValue() < alpha));
    }
    return rows;
  }

  /** Draws the predicted-class shares of both samples side by side, reference first. */
  private void chart(Workspace workspace, String runId, ClassShift classes, int referenceSize,
      int batchSize) throws IOException {
    Map<String, Double> bars = new LinkedHashMap<>();
    for (int c = 0; c < ModelTraining.CLASSES; c++) {
      bars.put(c + " reference", (double) classes.referenceCounts()[c] / referenceSize);
      bars.put(c + " batch", (double) classes.batchCounts()[c] / batchSize);
    }
    new Charts().barChart("Predicted-class shares, reference against " + batchDomain,
        "class and sample", "share of rows", bars, workspace.fs(),
        new Path(workspace.charts(runId), "drift-predicted-classes.png"));
  }

  private static List<Long> boxed(long[] values) {
    return Arrays.stream(values).boxed().toList();
  }

  private Map<String, Object> config(LifecycleModelOptions.Production production)
      throws UserException {
    Map<String, Object> config = new LinkedHashMap<>(modelOptions.config(production));
    config.put("--batch-domain", batchDomain);
    config.put("--max-rows", maxRows);
    config.put("--permutations", permutations);
    config.put("--bandwidth-multipliers", Arrays.toString(multipliers));
    config.put("--alpha", alpha);
    return config;
  }
}
