package io.ktp.jobs;

import io.ktp.cli.Checks;
import io.ktp.cli.SparkOptions;
import io.ktp.cli.UserException;
import io.ktp.cli.WorkspaceOptions;
import io.ktp.data.SampleTable;
import io.ktp.data.SampleTables;
import io.ktp.data.Samples;
import io.ktp.io.Workspace;
import io.ktp.model.Manifest;
import io.ktp.model.ModelStore;
import io.ktp.model.StoredModel;
import io.ktp.report.Provenance;
import io.ktp.train.Example;
import io.ktp.train.Networks;
import io.ktp.train.Predictions;
import io.ktp.train.TrainingOptions;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.api.java.JavaRDD;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Fine-tunes the source model on a few labelled target rows, and trains the same network from
 * scratch on the same rows as the baseline.
 */
@Command(name = "finetune", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Adapt a source model to the target domain with DL4J's transfer-learning API"
        + " (lower layers frozen, new output layer), trained with parameter averaging on a few"
        + " labelled rows per class; also train the same network from scratch on the same rows.")
public final class FinetuneJob implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(FinetuneJob.class);

  @Mixin
  WorkspaceOptions workspaceOptions = new WorkspaceOptions();

  @Mixin
  SparkOptions sparkOptions = new SparkOptions();

  @Option(names = "--source-model", paramLabel = "NAME",
      description = "Model to adapt (its latest version). Default: ${DEFAULT-VALUE}.")
  String sourceModel = "source";

  @Option(names = "--domain", paramLabel = "NAME",
      description = "Target domain sample table. Default: ${DEFAULT-VALUE}.")
  String domain = IngestJob.TARGET_DOMAIN;

  @Option(names = "--labels-per-class", paramLabel = "N",
      description = "Labelled target train rows used per class; 0 uses all. Default:"
          + " ${DEFAULT-VALUE}.")
  int labelsPerClass = 10;

  @Option(names = "--frozen-layers", paramLabel = "N",
      description = "Lower hidden layers whose weights stay fixed. Default: ${DEFAULT-VALUE}.")
  int frozenLayers = 1;

  @Option(names = "--head-epochs", paramLabel = "N",
      description = "Epochs that train only the new output layer, every hidden layer frozen,"
          + " before fine-tuning; 0 skips this phase. The baseline trains for these epochs"
          + " plus --epochs. Default: ${DEFAULT-VALUE}.")
  int headEpochs = 10;

  @Option(names = "--model", paramLabel = "NAME",
      description = "Name of the fine-tuned model. Default: ${DEFAULT-VALUE}.")
  String model = "finetuned";

  @Option(names = "--baseline-model", paramLabel = "NAME",
      description = "Name of the from-scratch baseline model. Default: ${DEFAULT-VALUE}.")
  String baselineModel = "scratch";

  @Mixin
  TrainingMixin training = new TrainingMixin.FineTuning();

  @Option(names = "--seed", paramLabel = "SEED",
      description = "Seed of row selection, new weights, shuffling and padding. Default:"
          + " ${DEFAULT-VALUE}.")
  long seed = 42;

  @Mixin
  RunIdOption runIdOption = new RunIdOption();

  @Mixin
  ResumeOption resumeOption = new ResumeOption();

  @Option(names = "--overwrite",
      description = "Replace this run's existing reports and charts, and start the run again"
          + " when it already has checkpoints.")
  boolean overwrite;

  @Override
  public Integer call() throws UserException, IOException {
    validate();
    Preflight local = Preflight.of(workspaceOptions);
    if (local != null) {
      local.requireModel(sourceModel).requireTable(domain)
          .requireNoReports(runIdOption.runId, "finetune", overwrite, List.of(ModelTraining.CURVE_REPORT));
      if (runIdOption.runId != null) {
        resumeOption.open(local.workspace(), runIdOption.runId, overwrite);
      }
    }
    JobContext context = JobContext.open("finetune", sparkOptions, workspaceOptions,
        runIdOption.runId);
    Preflight.on(context.workspace())
        .requireNoReports(context.runId(), "finetune", overwrite, List.of(ModelTraining.CURVE_REPORT));
    ModelTraining trainer = new ModelTraining(context,
        resumeOption.open(context.workspace(), context.runId(), overwrite));
    Provenance provenance = run(context, trainer, seed).provenance();
    trainer.writeCurves(provenance, overwrite);
    trainer.deleteCheckpoints();
    return 0;
  }

  void validate() throws UserException {
    resumeOption.validate(runIdOption.runId);
    Workspace.checkName("model", sourceModel);
    Workspace.checkName("model", model);
    Workspace.checkName("model", baselineModel);
    Workspace.checkName("domain", domain);
    checkDistinctModels();
    Checks.atLeast("--labels-per-class", labelsPerClass, 0);
    Checks.atLeast("--frozen-layers", frozenLayers, 0);
    Checks.atLeast("--head-epochs", headEpochs, 0);
    training.toOptions(seed, 1);
  }

  /**
   * Rejects a fine-tuned or baseline model name that equals another model of the job: the job
   * would add versions to its own input model, or save both of its models under one name.
   */
  private void checkDistinctModels() throws UserException {
    if (model.equals(sourceModel) || baselineModel.equals(sourceModel)) {
      String option = model.equals(sourceModel) ? "--model" : "--baseline-model";
      throw new UserException(Checks.invalid(option, sourceModel, "it names the input model"
          + " (--source-model), and the job must not add versions to its own input; choose"
          + " another name"));
    }
    if (model.equals(baselineModel)) {
      throw new UserException(Checks.invalid("--baseline-model", baselineModel, "it equals"
          + " --model, so both trained models would be saved under one name; choose another"
          + " name"));
    }
  }

  /**
   * The outcome of one fine-tuning run.
   *
   * @param provenance the run's provenance
   * @param tuned the saved fine-tuned model
   * @param baseline the saved from-scratch model
   */
  record Result(Provenance provenance, Manifest tuned, Manifest baseline) {
  }

  /** Trains both models with {@code runSeed}. */
  Result run(JobContext context, ModelTraining trainer, long runSeed)
      throws UserException, IOException {
    TrainingOptions options = training.toOptions(runSeed, context.defaultParallelism());
    SampleTable table = SampleTables.read(context.spark(), context.workspace(), domain,
        ModelTraining.CLASSES);
    SampleTables.requireRows(table, Samples.TRAIN, "fine-tuning");
    StoredModel source = new ModelStore(context.workspace()).load(sourceModel, 0,
        table.featureCount(), ModelTraining.CLASSES);
    int hiddenLayers = Networks.hiddenLayers(source.network());
    if (frozenLayers > hiddenLayers) {
      throw new UserException(Checks.invalid("--frozen-layers", frozenLayers, "model "
          + source.reference() + " has " + hiddenLayers + " hidden layers, so at most "
          + hiddenLayers + " can be frozen"));
    }

    Map<String, Object> config = config(options);
    Provenance provenance = Provenance.start("finetune", context.runId(), runSeed, config,
        Map.of(table.location(), table.fingerprint()));
    JavaRDD<Example> labelled = ModelTraining.examples(
        SampleTables.perClassSample(table.split(Samples.TRAIN), labelsPerClass, runSeed));
    long rows = labelled.count();
    Predictions validation = ModelTraining.evaluationSet(table, Samples.VALIDATION);
    LOG.info("Fine-tuning {} on {} labelled {} rows ({} per class), frozen layers: {}",
        source.reference(), rows, domain, labelsPerClass, frozenLayers);

    Manifest tuned = fineTune(trainer, source, labelled, validation, options,
        ModelTraining.manifest(model, "finetune", provenance, runSeed, source.reference(),
            config, table));
    MultiLayerNetwork scratch = Networks.perceptron(table.featureCount(),
        hiddenWidths(source.network()), ModelTraining.CLASSES, options.learningRate(), runSeed);
    TrainingOptions baselineOptions = options.withEpochs(options.epochs() + headEpochs);
    Manifest baseline = trainer.trainAndSave(scratch, labelled, validation, baselineOptions,
        ModelTraining.manifest(baselineModel, "finetune", provenance, runSeed, null, config,
            table));
    labelled.unpersist();
    LOG.info("Saved {} v{} (validation accuracy {}) and {} v{} (validation accuracy {})",
        tuned.name(), tuned.version(), tuned.metrics().get("validation_accuracy"),
        baseline.name(), baseline.version(), baseline.metrics().get("validation_accuracy"));
    return new Result(provenance, tuned, baseline);
  }

  /**
   * Trains the new output layer alone on frozen source features for {@code --head-epochs}, then
   * fine-tunes with {@code --frozen-layers} frozen, starting from that output layer. Training the
   * head first keeps the large early gradients of a random head from disturbing the source
   * features (linear probing, then fine-tuning: Kumar et al., 2022).
   */
  private Manifest fineTune(ModelTraining trainer, StoredModel source, JavaRDD<Example> labelled,
      Predictions validation, TrainingOptions options, Manifest manifest)
      throws UserException, IOException {
    MultiLayerNetwork adapted = Networks.transfer(source.network(), frozenLayers,
        ModelTraining.CLASSES, options.learningRate(), options.seed());
    if (headEpochs == 0) {
      return trainer.trainAndSave(adapted, labelled, validation, options, manifest);
    }
    MultiLayerNetwork probe = Networks.transfer(source.network(),
        Networks.hiddenLayers(source.network()), ModelTraining.CLASSES, options.learningRate(),
        options.seed());
    TrainingOptions headOptions = options.withEpochs(headEpochs);
    var headCurve = trainer.fit(manifest.name() + " (output layer)", probe, labelled, validation,
        headOptions);
    Networks.copyOutputLayer(probe, adapted);
    return trainer.trainAndSave(adapted, headCurve, labelled, validation, options, manifest);
  }

  private static int[] hiddenWidths(MultiLayerNetwork network) {
    int[] widths = new int[Networks.hiddenLayers(network)];
    for (int i = 0; i < widths.length; i++) {
      widths[i] = (int) network.layerSize(i);
    }
    return widths;
  }

  private Map<String, Object> config(TrainingOptions options) {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("--source-model", sourceModel);
    config.put("--domain", domain);
    config.put("--labels-per-class", labelsPerClass);
    config.put("--frozen-layers", frozenLayers);
    config.put("--head-epochs", headEpochs);
    config.put("--epochs", options.epochs());
    config.put("--batch-size", options.batchSize());
    config.put("--averaging-frequency", options.averagingFrequency());
    config.put("--workers", options.workers());
    config.put("--learning-rate", options.learningRate());
    config.put("--trainer", options.engine().optionName());
    return config;
  }
}
