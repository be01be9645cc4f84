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
import io.ktp.report.Provenance;
import io.ktp.train.Example;
import io.ktp.train.Networks;
import io.ktp.train.TrainingOptions;
import java.io.IOException;
import java.util.Arrays;
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

/** Trains the source network on the source domain's train split. */
@Command(name = "pretrain", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Train a multilayer perceptron on the source domain with parameter averaging"
        + " over the Spark executors (--trainer), and save it as a model version.")
public final class PretrainJob implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(PretrainJob.class);

  @Mixin
  WorkspaceOptions workspaceOptions = new WorkspaceOptions();

  @Mixin
  SparkOptions sparkOptions = new SparkOptions();

  @Option(names = "--domain", paramLabel = "NAME",
      description = "Source domain sample table. Default: ${DEFAULT-VALUE}.")
  String domain = IngestJob.SOURCE_DOMAIN;

  @Option(names = "--model", paramLabel = "NAME",
      description = "Name of the saved model. Default: ${DEFAULT-VALUE}.")
  String model = "source";

  @Option(names = "--hidden", paramLabel = "SIZES", split = ",", defaultValue = "128,64",
      description = "Hidden layer widths, comma-separated. Default: ${DEFAULT-VALUE}.")
  int[] hidden = {128, 64};

  @Option(names = "--dropout", paramLabel = "RATE",
      description = "Probability of dropping each input of a hidden layer during training;"
          + " 0 turns dropout off. Default: ${DEFAULT-VALUE}.")
  double dropout;

  @Mixin
  TrainingMixin training = new TrainingMixin.Pretraining();

  @Option(names = "--seed", paramLabel = "SEED",
      description = "Seed of initialization, shuffling and padding. Default: ${DEFAULT-VALUE}.")
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
      local.requireTable(domain)
          .requireNoReports(runIdOption.runId, "pretrain", overwrite, List.of(ModelTraining.CURVE_REPORT));
      if (runIdOption.runId != null) {
        resumeOption.open(local.workspace(), runIdOption.runId, overwrite);
      }
    }
    JobContext context = JobContext.open("pretrain", sparkOptions, workspaceOptions,
        runIdOption.runId);
    Preflight.on(context.workspace())
        .requireNoReports(context.runId(), "pretrain", overwrite, List.of(ModelTraining.CURVE_REPORT));
    ModelTraining trainer = new ModelTraining(context,
        resumeOption.open(context.workspace(), context.runId(), overwrite));
    Provenance provenance = run(context, trainer);
    trainer.writeCurves(provenance, overwrite);
    trainer.deleteCheckpoints();
    return 0;
  }

  void validate() throws UserException {
    resumeOption.validate(runIdOption.runId);
    Workspace.checkName("domain", domain);
    Workspace.checkName("model", model);
    training.toOptions(seed, 1);
    if (!(dropout >= 0 && dropout < 1)) {
      throw new UserException(Checks.invalid("--dropout", dropout, "must be >= 0 and < 1"));
    }
    for (int width : hidden) {
      Checks.atLeast("--hidden", width, 1);
    }
  }

  /** Trains and saves the source model; the caller writes the curves. */
  Provenance run(JobContext context, ModelTraining trainer) throws UserException, IOException {
    TrainingOptions options = training.toOptions(seed, context.defaultParallelism());
    SampleTable table = SampleTables.read(context.spark(), context.workspace(), domain,
        ModelTraining.CLASSES);
    Map<String, Object> config = config(options);
    Provenance provenance = Provenance.start("pretrain", context.runId(), seed, config,
        Map.of(table.location(), table.fingerprint()));

    SampleTables.requireRows(table, Samples.TRAIN, "pretraining");
    JavaRDD<Example> train = ModelTraining.examples(table.split(Samples.TRAIN));
    MultiLayerNetwork network = Networks.perceptron(table.featureCount(), hidden,
        ModelTraining.CLASSES, options.learningRate(), dropout, seed);
    Manifest saved = trainer.trainAndSave(network, train,
        ModelTraining.evaluationSet(table, Samples.VALIDATION), options,
        ModelTraining.manifest(model, "pretrain", provenance, seed, null, config, table));
    train.unpersist();
    LOG.info("Saved {} v{} with validation accuracy {}", saved.name(), saved.version(),
        saved.metrics().get("validation_accuracy"));
    return provenance;
  }

  private Map<String, Object> config(TrainingOptions options) {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("--domain", domain);
    config.put("--hidden", Arrays.toString(hidden));
    config.put("--dropout", dropout);
    config.put("--epochs", options.epochs());
    config.put("--batch-size", options.batchSize());
    config.put("--averaging-frequency", options.averagingFrequency());
    config.put("--workers", options.workers());
    config.put("--learning-rate", options.learningRate());
    config.put("--trainer", options.engine().optionName());
    return config;
  }
}
