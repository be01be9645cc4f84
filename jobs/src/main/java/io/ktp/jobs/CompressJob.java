package io.ktp.jobs;

import io.ktp.cli.Checks;
import io.ktp.cli.SparkOptions;
import io.ktp.cli.UserException;
import io.ktp.cli.WorkspaceOptions;
import io.ktp.compress.Int8Network;
import io.ktp.compress.MagnitudePruning;
import io.ktp.data.SampleTable;
import io.ktp.data.SampleTables;
import io.ktp.data.Samples;
import io.ktp.io.Workspace;
import io.ktp.model.Manifest;
import io.ktp.model.ModelStore;
import io.ktp.model.StoredModel;
import io.ktp.report.Provenance;
import io.ktp.train.DistillationLoss;
import io.ktp.train.Example;
import io.ktp.train.Predictions;
import io.ktp.train.SoftTargets;
import io.ktp.train.TrainingOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.api.java.JavaRDD;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Quantizes a model to int8 and prunes it at chosen sparsities, then measures every variant next
 * to the teacher in the {@code compression} report.
 */
@Command(name = "compress", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Compress a model for deployment: post-training int8 quantization (per-channel"
        + " weight scales, calibrated activation ranges, integer execution) and magnitude"
        + " pruning at each sparsity, optionally fine-tuned afterwards; then report parameters,"
        + " size on disk, latency, throughput and test accuracy of the teacher, the model and"
        + " every variant, with a recommendation per budget.")
public final class CompressJob implements Callable<Integer> {
  static final String REPORT = "compression";
  private static final Logger LOG = LoggerFactory.getLogger(CompressJob.class);

  @Spec
  CommandSpec spec;

  @Mixin
  WorkspaceOptions workspaceOptions = new WorkspaceOptions();

  @Mixin
  SparkOptions sparkOptions = new SparkOptions();

  @Option(names = "--model", paramLabel = "NAME",
      description = "Model to compress (its latest version). Default: ${DEFAULT-VALUE}.")
  String model = "student";

  @Option(names = "--teacher", paramLabel = "NAME",
      description = "Model measured for comparison, and the teacher of a fine-tune after pruning"
          + " when the model was distilled. Default: ${DEFAULT-VALUE}.")
  String teacher = "finetuned";

  @Option(names = "--domain", paramLabel = "NAME",
      description = "Target domain sample table: calibration rows from its train split,"
          + " accuracy on its test split. Default: ${DEFAULT-VALUE}.")
  String domain = IngestJob.TARGET_DOMAIN;

  @Option(names = "--sparsities", paramLabel = "FRACTIONS", split = ",",
      description = "Fractions of weights to prune per layer, each in [0, 1), comma-separated;"
          + " one pruned variant each. Default: 0.5,0.75,0.9.")
  double[] sparsities = {0.5, 0.75, 0.9};

  @Option(names = "--finetune-pruned",
      description = "Fine-tune every pruned variant with --epochs and the other training"
          + " options, kept at its sparsity, with the model's own loss (and the teacher's logits"
          + " when that loss is the distillation loss).")
  boolean finetunePruned;

  @Option(names = "--labels-per-class", paramLabel = "N",
      description = "Labelled train rows per class for that fine-tune; 0 uses all. Default:"
          + " ${DEFAULT-VALUE}.")
  int labelsPerClass = 10;

  @Mixin
  TrainingMixin training = new TrainingMixin.PruningFineTune();

  @Option(names = "--calibration-rows", paramLabel = "ROWS",
      description = "Train rows whose activation ranges set the int8 activation scales."
          + " Default: ${DEFAULT-VALUE}.")
  int calibrationRows = 1000;

  @Option(names = "--latency-repeats", paramLabel = "N",
      description = "Samples timed per variant and batch size (in calls of one row, and of 64"
          + " rows), after as many untimed warm-up samples. Default: ${DEFAULT-VALUE}.")
  int latencyRepeats = 2000;

  @Option(names = "--latency-budget-us", paramLabel = "MICROSECONDS",
      description = "Recommend the most accurate variant whose latency per sample at batch 1 is"
          + " at most this; no recommendation when not given.")
  Double latencyBudget;

  @Option(names = "--size-budget-kb", paramLabel = "KILOBYTES",
      description = "Recommend the most accurate variant whose file is at most this many"
          + " kilobytes (1,000 bytes); no recommendation when not given.")
  Double sizeBudget;

  @Option(names = "--seed", paramLabel = "SEED",
      description = "Seed of calibration rows and the fine-tune. Default: ${DEFAULT-VALUE}.")
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
      local.requireModel(model).requireModel(teacher).requireTable(domain)
          .requireNoReports(runIdOption.runId, "compress", overwrite, reports());
    }
    JobContext context = JobContext.open("compress", sparkOptions, workspaceOptions,
        runIdOption.runId);
    Preflight.on(context.workspace())
        .requireNoReports(context.runId(), "compress", overwrite, reports());
    ModelTraining trainer = new ModelTraining(context);
    CompressionResults results = run(context, trainer);
    results.write(context, overwrite, latencyBudget, sizeBudget);
    results.print(new PrintWriter(spec.commandLine().getOut(), true), latencyBudget, sizeBudget);
    return 0;
  }

  private static List<String> reports() {
    return List.of(REPORT);
  }

  void validate() throws UserException {
    Workspace.checkName("model", model);
    Workspace.checkName("model", teacher);
    Workspace.checkName("domain", domain);
    for (double sparsity : sparsities) {
      if (!(sparsity >= 0 && sparsity < 1)) {
        throw new UserException(Checks.invalid("--sparsities", sparsity,
            "every sparsity must be >= 0 and < 1 (the fraction of weights set to zero)"));
      }
    }
    Checks.atLeast("--labels-per-class", labelsPerClass, 0);
    Checks.atLeast("--calibration-rows", calibrationRows, 1);
    Checks.atLeast("--latency-repeats", latencyRepeats, 1);
    if (latencyBudget != null && !(latencyBudget > 0)) {
      throw new UserException(Checks.invalid("--latency-budget-us", latencyBudget, "must be > 0"));
    }
    if (sizeBudget != null && !(sizeBudget > 0)) {
      throw new UserException(Checks.invalid("--size-budget-kb", sizeBudget, "must be > 0"));
    }
    training.toOptions(seed, 1);
  }

  /** Builds, saves and measures every variant. */
  CompressionResults run(JobContext context, ModelTraining trainer)
      throws UserException, IOException {
    SampleTable table = SampleTables.read(context.spark(), context.workspace(), domain,
        ModelTraining.CLASSES);
    SampleTables.requireRows(table, Samples.TRAIN, "calibration");
    ModelStore store = new ModelStore(context.workspace());
    StoredModel teacherModel = store.load(teacher, 0, table.featureCount(),
        ModelTraining.CLASSES);
    StoredModel source = store.load(model, 0, table.featureCount(), ModelTraining.CLASSES);

    Map<String, Object> config = config();
    Provenance provenance = Provenance.start("compress", context.runId(), seed, config,
        Map.of(table.location(), table.fingerprint()));
    Predictions test = ModelTraining.evaluationSet(table, Samples.TEST);
    float[][] calibration = calibrationRows(table);
    CompressionResults results = new CompressionResults(provenance, test, latencyRepeats);
    LOG.info("Compressing {} ({} parameters): int8 with {} calibration rows, sparsities {}",
        source.reference(), source.network().numParams(), calibration.length,
        java.util.Arrays.toString(sparsities));
    results.addFp32("teacher", teacherModel.reference(), teacherModel.network(), 0);
    results.addFp32("model", source.reference(), source.network(), 0);

    Int8Network int8 = Int8Network.quantize(source.network(), calibration);
    Manifest int8Manifest = store.save(manifest(model + "-int8", provenance, source, config),
        CompressionResults.INT8_FILE, int8::write);
    results.addInt8("int8", int8Manifest, int8);

    for (double sparsity : sparsities) {
      MultiLayerNetwork pruned = MagnitudePruning.prune(source.network(), sparsity);
      String name = model + "-pruned" + Math.round(sparsity * 100);
      if (finetunePruned) {
        pruned = fineTune(context, trainer, table, teacherModel, pruned, sparsity, name);
      }
      Manifest saved = store.save(pruned, manifest(name, provenance, source, config));
      results.addFp32("pruned " + sparsity, saved.name() + "/v" + saved.version(), pruned,
          MagnitudePruning.sparsity(pruned));
    }
    return results;
  }

  private float[][] calibrationRows(SampleTable table) {
    List<Example> rows = ModelTraining.examples(table.split(Samples.TRAIN))
        .takeSample(false, calibrationRows, seed);
    float[][] features = new float[rows.size()][];
    for (int i = 0; i < features.length; i++) {
      features[i] = rows.get(i).features();
    }
    return features;
  }

  /**
   * Fine-tunes a pruned network with a {@link io.ktp.compress.PruningConstraint} on every layer,
   * then prunes once more: parameter averaging of workers whose zeros differ leaves some weights
   * non-zero, so the final pruning restores the exact sparsity.
   */
  private MultiLayerNetwork fineTune(JobContext context, ModelTraining trainer, SampleTable table,
      StoredModel teacherModel, MultiLayerNetwork pruned, double sparsity, String name)
      throws UserException, IOException {
    TrainingOptions options = training.toOptions(seed, context.defaultParallelism());
    var train = table.split(Samples.TRAIN);
    JavaRDD<Example> rows = ModelTraining.examples(
        SampleTables.perClassSample(train, labelsPerClass, seed));
    int last = pruned.getnLayers() - 1;
    var loss = ((BaseOutputLayer) pruned.getLayerWiseConfigurations().getConf(last).getLayer())
        .getLossFn();
    if (loss instanceof DistillationLoss) {
      rows = SoftTargets.attach(context.sparkContext(), teacherModel.network(),
          ModelTraining.examples(train));
    }
    MultiLayerNetwork constrained = MagnitudePruning.constrained(pruned, sparsity);
    trainer.fit(name, constrained, rows, ModelTraining.evaluationSet(table, Samples.VALIDATION),
        options);
    rows.unpersist();
    return MagnitudePruning.prune(constrained, sparsity);
  }

  private static Manifest manifest(String name, Provenance provenance, StoredModel source,
      Map<String, Object> config) {
    Map<String, Object> fullConfig = new LinkedHashMap<>(config);
    fullConfig.put(ModelStore.RUN_ID_KEY, provenance.runId());
    return new Manifest(name, 0, "compress", provenance.createdAt(), provenance.seed(),
        source.reference(), fullConfig, provenance.inputs(), new LinkedHashMap<>(),
        Provenance.codeVersion());
  }

  private Map<String, Object> config() {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("--model", model);
    config.put("--teacher", teacher);
    config.put("--domain", domain);
    List<Double> values = new ArrayList<>();
    for (double sparsity : sparsities) {
      values.add(sparsity);
    }
    config.put("--sparsities", values);
    config.put("--finetune-pruned", finetunePruned);
    config.put("--calibration-rows", calibrationRows);
    config.put("--latency-repeats", latencyRepeats);
    config.put("--latency-budget-us", latencyBudget);
    config.put("--size-budget-kb", sizeBudget);
    if (finetunePruned) {
      config.put("--labels-per-class", labelsPerClass);
      config.put("--epochs", training.epochs);
      config.put("--batch-size", training.batchSize);
      config.put("--averaging-frequency", training.averagingFrequency);
      config.put("--learning-rate", training.learningRate);
      config.put("--trainer", training.trainer);
    }
    return config;
  }

  static String format(double value) {
    return String.format(Locale.ROOT, "%.4f", value);
  }
}
