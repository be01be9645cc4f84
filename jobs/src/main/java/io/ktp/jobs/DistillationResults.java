package io.ktp.jobs;

import io.ktp.cli.UserException;
import io.ktp.model.Manifest;
import io.ktp.model.StoredModel;
import io.ktp.report.Charts;
import io.ktp.report.Provenance;
import io.ktp.report.Reports;
import io.ktp.train.Predictions;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * Test accuracies of the teacher, the distilled students and the baselines of one distill run,
 * as the {@code distillation} and {@code distillation_summary} reports, a chart and a table.
 */
final class DistillationResults {
  static final String TEACHER = "teacher";
  static final String STUDENT = "student";
  static final String BASELINE = "baseline";

  private static final StructType SCHEMA = new StructType()
      .add("role", DataTypes.StringType)
      .add("model", DataTypes.StringType)
      .add("version", DataTypes.IntegerType)
      .add("model_seed", DataTypes.LongType)
      .add("parameters", DataTypes.LongType)
      .add("parameter_ratio", DataTypes.DoubleType)
      .add("test_rows", DataTypes.IntegerType)
      .add("test_accuracy", DataTypes.DoubleType);
  private static final StructType SUMMARY_SCHEMA = new StructType()
      .add("role", DataTypes.StringType)
      .add("parameters", DataTypes.LongType)
      .add("runs", DataTypes.IntegerType)
      .add("mean_test_accuracy", DataTypes.DoubleType)
      .add("std_test_accuracy", DataTypes.DoubleType)
      .add("values", DataTypes.createArrayType(DataTypes.DoubleType));

  private final Provenance provenance;
  private final Predictions test;
  private final long teacherParameters;
  private final List<Row> rows = new ArrayList<>();
  private final Map<String, List<Double>> accuracies = new LinkedHashMap<>();
  private final Map<String, Long> parameters = new LinkedHashMap<>();

  DistillationResults(Provenance provenance, StoredModel teacher, Predictions test) {
    this.provenance = provenance;
    this.test = test;
    this.teacherParameters = teacher.network().numParams();
    add(TEACHER, teacher.manifest(), teacher.network());
  }

  Provenance provenance() {
    return provenance;
  }

  /** Scores one seed's student and baseline on the test split. */
  void add(Manifest student, MultiLayerNetwork studentNetwork, Manifest baseline,
      MultiLayerNetwork baselineNetwork) {
    add(STUDENT, student, studentNetwork);
    add(BASELINE, baseline, baselineNetwork);
  }

  private void add(String role, Manifest manifest, MultiLayerNetwork network) {
    double accuracy = test.accuracy(network);
    long count = network.numParams();
    rows.add(RowFactory.create(role, manifest.name(), manifest.version(), manifest.seed(), count,
        (double) count / teacherParameters, test.size(), accuracy));
    accuracies.computeIfAbsent(role, key -> new ArrayList<>()).add(accuracy);
    parameters.put(role, count);
  }

  /** Returns the test accuracies by role: teacher, student, baseline; one per seed. */
  Map<String, List<Double>> accuracies() {
    return accuracies;
  }

  /** Writes both reports and a bar chart of the mean test accuracy by role. */
  void write(JobContext context, boolean overwrite) throws UserException, IOException {
    Reports.write(context.spark(), context.workspace(), DistillJob.REPORT, SCHEMA, rows,
        provenance, overwrite);
    List<Row> summary = new ArrayList<>();
    Map<String, Double> means = new LinkedHashMap<>();
    for (Map.Entry<String, List<Double>> entry : accuracies.entrySet()) {
      Row row = PipelineJob.summaryRow(entry.getKey(), entry.getValue());
      summary.add(RowFactory.create(entry.getKey(), parameters.get(entry.getKey()), row.getInt(3),
          row.getDouble(1), row.getDouble(2), row.get(4)));
      means.put(entry.getKey() + " (" + parameters.get(entry.getKey()) + " parameters)",
          row.getDouble(1));
    }
    Reports.write(context.spark(), context.workspace(), DistillJob.SUMMARY_REPORT,
        SUMMARY_SCHEMA, summary, provenance, overwrite);
    new Charts().barChart("Mean test accuracy by model (distill)", "model", "accuracy", means,
        context.workspace().fs(), new Path(context.workspace().charts(provenance.runId()),
            "distill-test-accuracy.png"));
  }

  /** Prints the mean and standard deviation of each role's test accuracy. */
  void print(PrintWriter out, int labelsPerClass) {
    out.printf(Locale.ROOT, "Test accuracy, %s labels per class, %d test rows (mean +- std over"
        + " seeds):%n", labelsPerClass == 0 ? "all" : Integer.toString(labelsPerClass),
        test.size());
    for (Map.Entry<String, List<Double>> entry : accuracies.entrySet()) {
      Row row = PipelineJob.summaryRow(entry.getKey(), entry.getValue());
      out.printf(Locale.ROOT, "  %-8s %6d parameters  %.4f +- %.4f  (%d runs)%n", entry.getKey(),
          parameters.get(entry.getKey()), row.getDouble(1), row.getDouble(2), row.getInt(3));
    }
    out.flush();
  }
}
