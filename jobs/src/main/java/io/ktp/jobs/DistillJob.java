package io.ktp.jobs;

import static org.apache.spark.sql.functions.col;

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
import io.ktp.train.DistillationLoss;
import io.ktp.train.Example;
import io.ktp.train.Networks;
import io.ktp.train.Predictions;
import io.ktp.train.SoftTargets;
import io.ktp.train.TrainingOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Distills a fine-tuned teacher into a smaller student on the target domain, and trains the same
 * student without the teacher as the baseline, once per seed.
 */
@Command(name = "distill", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Train a smaller student network from a teacher model with knowledge"
        + " distillation (Hinton, Vinyals and Dean, 2015) on every target train row, with the"
        + " true labels of a few rows per class, and the same student on those labelled rows"
        + " alone as the baseline; one student and one baseline per seed.")
public final class DistillJob implements Callable<Integer> {
  static final String REPORT = "distillation";
  static final String SUMMARY_REPORT = "distillation_summary";
  private static final Logger LOG = LoggerFactory.getLogger(DistillJob.class);

  @Spec
  CommandSpec spec;

  @Mixin
  WorkspaceOptions workspaceOptions = new WorkspaceOptions();

  @Mixin
  SparkOptions sparkOptions = new SparkOptions();

  @Option(names = "--teacher", paramLabel = "NAME",
      description = "Teacher model (its latest version). Default: ${DEFAULT-VALUE}.")
  String teacher = "finetuned";

  @Option(names = "--domain", paramLabel = "NAME",
      description = "Target domain sample table. Default: ${DEFAULT-VALUE}.")
  String domain = IngestJob.TARGET_DOMAIN;

  @Option(names = "--labels-per-class", paramLabel = "N",
      description = "Train rows per class whose true label the student and the baseline use;"
          + " the student learns the other train rows from the teacher alone. 0 uses every"
          + " label. Default: ${DEFAULT-VALUE}.")
  int labelsPerClass = 10;

  @Option(names = "--student-hidden", paramLabel = "WIDTHS", split = ",",
      description = "Hidden layer widths of the student, comma-separated. Default: 32.")
  int[] studentHidden = {32};

  @Option(names = "--temperature", paramLabel = "T",
      description = "Softmax temperature of the teacher term (> 0); higher values soften the"
          + " teacher's probabilities. Default: ${DEFAULT-VALUE}.")
  double temperature = 4;

  @Option(names = "--alpha", paramLabel = "WEIGHT",
      description = "Weight of the teacher term in [0, 1]; the true-label cross-entropy gets"
          + " 1 - alpha. Default: ${DEFAULT-VALUE}.")
  double alpha = 0.7;

  @Option(names = "--seeds", paramLabel = "SEEDS", split = ",",
      description = "Seeds; one student and one baseline per seed. Default: 1,2,3.")
  long[] seeds = {1, 2, 3};

  @Option(names = "--model", paramLabel = "NAME",
      description = "Name of the distilled student. Default: ${DEFAULT-VALUE}.")
  String model = "student";

  @Option(names = "--baseline-model", paramLabel = "NAME",
      description = "Name of the student trained without distillation. Default:"
          + " ${DEFAULT-VALUE}.")
  String baselineModel = "student-scratch";

  @Mixin
  TrainingMixin training = new TrainingMixin.Distillation();

  @Mixin
  RunIdOption runIdOption = new RunIdOption();

  @Option(names = "--overwrite", description = "Replace this run's existing reports and charts.")
  boolean overwrite;

  @Override
  public Integer call() throws UserException, IOException {
    validate();
    Preflight local = Preflight.of(workspaceOptions);
    if (local != null) {
      local.requireModel(teacher).requireTable(domain)
          .requireNoReports(runIdOption.runId, "distill", overwrite, reports());
    }
    JobContext context = JobContext.open("distill", sparkOptions, workspaceOptions,
        runIdOption.runId);
    Preflight.on(context.workspace())
        .requireNoReports(context.runId(), "distill", overwrite, reports());
    ModelTraining trainer = new ModelTraining(context);
    DistillationResults results = run(context, trainer);
    trainer.writeCurves(results.provenance(), overwrite);
    results.write(context, overwrite);
    results.print(new PrintWriter(spec.commandLine().getOut(), true), labelsPerClass);
    return 0;
  }

  private static List<String> reports() {
    return List.of(ModelTraining.CURVE_REPORT, REPORT, SUMMARY_REPORT);
  }

  void validate() throws UserException {
    Workspace.checkName("model", teacher);
    Workspace.checkName("model", model);
    Workspace.checkName("model", baselineModel);
    Workspace.checkName("domain", domain);
    if (model.equals(teacher) || baselineModel.equals(teacher) || model.equals(baselineModel)) {
      throw new UserException(Checks.invalid(model.equals(teacher) ? "--model" : "--baseline-model",
          model.equals(teacher) ? model : baselineModel, "the teacher, the student and the"
          + " baseline need three different names; choose another name"));
    }
    Checks.atLeast("--labels-per-class", labelsPerClass, 0);
    validateDistillation();
    if (seeds.length == 0) {
      throw new UserException("Missing value for --seeds: give at least one seed");
    }
    training.toOptions(seeds[0], 1);
  }

  private void validateDistillation() throws UserException {
    if (!(temperature > 0) || Double.isInfinite(temperature)) {
      throw new UserException(Checks.invalid("--temperature", temperature,
          "must be > 0 and finite"));
    }
    if (!(alpha >= 0 && alpha <= 1)) {
      throw new UserException(Checks.invalid("--alpha", alpha, "must be >= 0 and <= 1"));
    }
    if (studentHidden.length == 0) {
      throw new UserException("Missing value for --student-hidden: give at least one width");
    }
    for (int width : studentHidden) {
      Checks.atLeast("--student-hidden", width, 1);
    }
  }

  /** Loads the teacher, then trains and saves a student and a baseline per seed. */
  DistillationResults run(JobContext context, ModelTraining trainer)
      throws UserException, IOException {
    SampleTable table = SampleTables.read(context.spark(), context.workspace(), domain,
        ModelTraining.CLASSES);
    SampleTables.requireRows(table, Samples.TRAIN, "distillation");
    StoredModel stored = new ModelStore(context.workspace()).load(teacher, 0,
        table.featureCount(), 0);
    MultiLayerNetwork teacherNetwork = stored.network();
    long outputs = teacherNetwork.layerSize(teacherNetwork.getnLayers() - 1);
    if (outputs != ModelTraining.CLASSES) {
      throw new UserException(Checks.invalid("--teacher", teacher, "model "
          + stored.reference() + " has " + outputs + " outputs but domain '" + domain + "' has "
          + ModelTraining.CLASSES + " classes; choose a teacher fine-tuned for this domain"));
    }

    Map<String, Object> config = config();
    Provenance provenance = Provenance.start("distill", context.runId(), seeds[0], config,
        Map.of(table.location(), table.fingerprint()));
    Predictions validation = ModelTraining.evaluationSet(table, Samples.VALIDATION);
    Predictions test = ModelTraining.evaluationSet(table, Samples.TEST);
    DistillationResults results = new DistillationResults(provenance, stored, test);
    LOG.info("Distilling {} ({} parameters) into {} students of widths {} at temperature {},"
        + " alpha {}, {} labels per class", stored.reference(), teacherNetwork.numParams(),
        seeds.length, java.util.Arrays.toString(studentHidden), temperature, alpha,
        labelsPerClass);
    for (long seed : seeds) {
      TrainingOptions options = training.toOptions(seed, context.defaultParallelism());
      Dataset<Row> train = table.split(Samples.TRAIN);
      Dataset<Row> labelledRows = SampleTables.perClassSample(train, labelsPerClass, seed);
      JavaRDD<Example> labelled = ModelTraining.examples(labelledRows);
      Dataset<Row> labelledIds = labelledRows.select(col(Samples.ID).as("labelled_id"));
      Dataset<Row> unlabelledRows = train.join(labelledIds,
          train.col(Samples.ID).equalTo(labelledIds.col("labelled_id")), "left_anti");
      JavaRDD<Example> all = labelled.union(ModelTraining.examples(unlabelledRows)
          .map(Example::withoutLabel));
      JavaRDD<Example> withTeacher = SoftTargets.attach(context.sparkContext(), teacherNetwork,
          all);

      MultiLayerNetwork student = Networks.perceptron(table.featureCount(), studentHidden,
          ModelTraining.CLASSES, options.learningRate(),
          new DistillationLoss(temperature, alpha), seed);
      Manifest studentManifest = trainer.trainAndSave(student, withTeacher, validation, options,
          ModelTraining.manifest(model, "distill", provenance, seed, stored.reference(), config,
              table));
      MultiLayerNetwork baseline = Networks.perceptron(table.featureCount(), studentHidden,
          ModelTraining.CLASSES, options.learningRate(), seed);
      Manifest baselineManifest = trainer.trainAndSave(baseline, labelled, validation, options,
          ModelTraining.manifest(baselineModel, "distill", provenance, seed, null, config,
              table));
      results.add(studentManifest, student, baselineManifest, baseline);
      withTeacher.unpersist();
      labelled.unpersist();
    }
    return results;
  }

  private Map<String, Object> config() {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("--teacher", teacher);
    config.put("--domain", domain);
    config.put("--labels-per-class", labelsPerClass);
    config.put("--student-hidden", toList(studentHidden));
    config.put("--temperature", temperature);
    config.put("--alpha", alpha);
    config.put("--seeds", toList(seeds));
    config.put("--epochs", training.epochs);
    config.put("--batch-size", training.batchSize);
    config.put("--averaging-frequency", training.averagingFrequency);
    config.put("--workers", training.workers);
    config.put("--learning-rate", training.learningRate);
    config.put("--trainer", training.trainer);
    return config;
  }

  private static List<Object> toList(Object array) {
    List<Object> values = new ArrayList<>();
    for (int i = 0; i < java.lang.reflect.Array.getLength(array); i++) {
      values.add(java.lang.reflect.Array.get(array, i));
    }
    return values;
  }
}
