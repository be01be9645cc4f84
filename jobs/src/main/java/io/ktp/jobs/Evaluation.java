package io.ktp.jobs;

import static org.apache.spark.sql.functions.col;

import io.ktp.cli.UserException;
import io.ktp.data.SampleTable;
import io.ktp.data.Samples;
import io.ktp.metrics.Classification;
import io.ktp.metrics.Convergence;
import io.ktp.metrics.Mmd;
import io.ktp.metrics.MmdResult;
import io.ktp.metrics.Retention;
import io.ktp.model.StoredModel;
import io.ktp.report.Charts;
import io.ktp.report.Provenance;
import io.ktp.report.Reports;
import io.ktp.train.Example;
import io.ktp.train.Predictions;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scores models on the test splits and measures the domains, collecting rows for the
 * {@code transfer}, {@code retention}, {@code per_class}, {@code convergence} and
 * {@code domain_similarity} reports (schemas in {@link EvaluationSchemas}).
 */
final class Evaluation {
  static final String SOURCE_ONLY = "source_only";
  static final String FINE_TUNED = "fine_tuned";
  static final String FROM_SCRATCH = "from_scratch";
  private static final Logger LOG = LoggerFactory.getLogger(Evaluation.class);

  private final JobContext context;
  private final SampleTable source;
  private final SampleTable target;
  private final Predictions sourceTest;
  private final Predictions targetTest;
  private final Map<String, List<Row>> reports = new LinkedHashMap<>();
  private final Map<String, List<Double>> accuracies = new LinkedHashMap<>();

  Evaluation(JobContext context, SampleTable source, SampleTable target) {
    this.context = context;
    this.source = source;
    this.target = target;
    this.sourceTest = ModelTraining.evaluationSet(source, Samples.TEST);
    this.targetTest = ModelTraining.evaluationSet(target, Samples.TEST);
    for (String kind : EvaluationSchemas.KINDS) {
      reports.put(kind, new ArrayList<>());
    }
  }

  /** Scores the three models of one fine-tuning run; returns the fine-tuned target accuracy. */
  double addModels(StoredModel sourceModel, StoredModel tuned, StoredModel scratch,
      double convergenceFraction) throws UserException {
    double sourceOnly = score(sourceModel, SOURCE_ONLY, tuned.manifest().seed());
    double fineTuned = score(tuned, FINE_TUNED, tuned.manifest().seed());
    double fromScratch = score(scratch, FROM_SCRATCH, tuned.manifest().seed());

    double before = sourceTest.accuracy(sourceModel.network());
    double after = sourceTest.accuracy(tuned.network());
    Retention retention = new Retention(before, after);
    reports.get(EvaluationSchemas.RETENTION).add(RowFactory.create(tuned.manifest().name(),
        tuned.manifest().version(), tuned.manifest().seed(), sourceModel.reference(),
        source.location(), sourceTest.size(), before, after, retention.ratio(),
        retention.backwardTransfer()));
    addConvergence(List.of(tuned, scratch), convergenceFraction);
    LOG.info("Seed {}: target test accuracy fine-tuned {}, from scratch {}, source-only {};"
        + " source retention {}", tuned.manifest().seed(), fineTuned, fromScratch, sourceOnly,
        retention.ratio());
    return fineTuned;
  }

  /** Runs the MMD test between two samples of feature rows and records it. */
  MmdResult addDomainPair(String pair, String kernel, DomainSample x, DomainSample y,
      double[] multipliers, int permutations, long seed) {
    MmdResult result = Mmd.test(x.rows(), y.rows(), multipliers, permutations, seed);
    reports.get(EvaluationSchemas.DOMAIN_SIMILARITY).add(RowFactory.create(pair, kernel,
        x.domain(), y.domain(), result.sizeX(), result.sizeY(), result.mmd2(), result.pValue(),
        result.permutations(), result.bandwidths()));
    LOG.info("MMD^2 {} ({} kernel): {} (p = {}, {} permutations, {} + {} rows)", pair, kernel,
        result.mmd2(), result.pValue(), permutations, result.sizeX(), result.sizeY());
    return result;
  }

  /** Returns the rows collected so far for one report kind. */
  List<Row> rows(String kind) {
    return reports.get(kind);
  }

  /** Returns target test accuracies recorded so far, by role. */
  Map<String, List<Double>> accuracies() {
    return accuracies;
  }

  /** Writes every collected report and its charts. */
  void write(Provenance provenance, boolean overwrite) throws UserException, IOException {
    for (String kind : EvaluationSchemas.KINDS) {
      List<Row> rows = reports.get(kind);
      if (!rows.isEmpty()) {
        Path path = Reports.write(context.spark(), context.workspace(), kind,
            EvaluationSchemas.schema(kind), rows, provenance, overwrite);
        LOG.info("Wrote {} report rows to {}", rows.size(), path);
      }
    }
    writeCharts(provenance.job());
  }

  private double score(StoredModel model, String role, long runSeed) {
    int[] predicted = targetTest.predict(model.network());
    int[] truth = targetTest.labels();
    double accuracy = Classification.accuracy(truth, predicted);
    long[][] confusion = Classification.confusionMatrix(truth, predicted, ModelTraining.CLASSES);
    reports.get(EvaluationSchemas.TRANSFER).add(RowFactory.create(role, model.manifest().name(),
        model.manifest().version(), runSeed, target.location(), Samples.TEST, truth.length,
        accuracy, Classification.macroF1(confusion)));
    double[] recall = Classification.perClassRecall(confusion);
    double[] precision = Classification.perClassPrecision(confusion);
    for (int label = 0; label < confusion.length; label++) {
      long support = java.util.Arrays.stream(confusion[label]).sum();
      reports.get(EvaluationSchemas.PER_CLASS).add(RowFactory.create(role,
          model.manifest().name(), model.manifest().version(), runSeed, label, support,
          recall[label], precision[label]));
    }
    accuracies.computeIfAbsent(role, key -> new ArrayList<>()).add(accuracy);
    return accuracy;
  }

  private void addConvergence(List<StoredModel> models, double fraction) {
    Map<StoredModel, double[]> curves = new LinkedHashMap<>();
    double best = 0;
    for (StoredModel model : models) {
      double[] curve = validationCurve(model);
      curves.put(model, curve);
      for (double value : curve) {
        best = Double.isNaN(value) ? best : Math.max(best, value);
      }
    }
    double shared = fraction * best;
    for (Map.Entry<StoredModel, double[]> entry : curves.entrySet()) {
      double[] curve = entry.getValue();
      double last = curve.length == 0 ? Double.NaN : curve[curve.length - 1];
      double own = fraction * last;
      reports.get(EvaluationSchemas.CONVERGENCE).add(RowFactory.create(
          entry.getKey().manifest().name(), entry.getKey().manifest().version(),
          entry.getKey().manifest().seed(), curve.length, last, own,
          Convergence.epochsToReach(curve, own), shared,
          Convergence.epochsToReach(curve, shared), Convergence.areaUnderCurve(curve)));
    }
  }

  private double[] validationCurve(StoredModel model) {
    Path curves = context.workspace().reports(ModelTraining.CURVE_REPORT);
    Dataset<Row> rows = context.spark().read().parquet(curves.toString())
        .filter(col("model").equalTo(model.manifest().name())
            .and(col("version").equalTo(model.manifest().version())))
        .orderBy("epoch")
        .select("validation_accuracy");
    return rows.collectAsList().stream().mapToDouble(row -> row.getDouble(0)).toArray();
  }

  private void writeCharts(String job) throws IOException {
    Path folder = context.workspace().charts(context.runId());
    Map<String, Double> mmd = new LinkedHashMap<>();
    for (Row row : reports.get(EvaluationSchemas.DOMAIN_SIMILARITY)) {
      mmd.put(row.getString(0) + ", " + row.getString(1) + " kernel", row.getDouble(6));
    }
    if (!mmd.isEmpty()) {
      new Charts().barChart("MMD^2 between domains", "domain pair", "MMD^2 (unbiased)", mmd,
          context.workspace().fs(), new Path(folder, job + "-mmd.png"));
    }
    Map<String, Double> meanAccuracy = new LinkedHashMap<>();
    accuracies.forEach((role, values) -> meanAccuracy.put(role,
        values.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN)));
    if (!meanAccuracy.isEmpty()) {
      new Charts().barChart("Target test accuracy (mean over seeds)", "model", "accuracy",
          meanAccuracy, context.workspace().fs(), new Path(folder, job + "-accuracy.png"));
    }
  }

  /**
   * Scaled feature rows sampled from one domain.
   *
   * @param domain the domain's name
   * @param rows one feature vector per row
   */
  record DomainSample(String domain, double[][] rows) {
  }

  /** Collects up to {@code rows} scaled feature vectors of one split, chosen by seed. */
  static double[][] featureSample(SampleTable table, String split, int rows, long seed) {
    List<Example> sample = ModelTraining.examples(table.split(split))
        .takeSample(false, rows, seed);
    double[][] features = new double[sample.size()][];
    for (int i = 0; i < features.length; i++) {
      float[] values = sample.get(i).features();
      features[i] = new double[values.length];
      for (int j = 0; j < values.length; j++) {
        features[i][j] = values[j];
      }
    }
    return features;
  }
}
