package io.ktp.jobs;

import io.ktp.cli.UserException;
import io.ktp.report.Provenance;
import io.ktp.report.Reports;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Row;

/**
 * The pipeline's headline numbers, as the {@code summary} report and as the table the pipeline
 * prints.
 */
final class Summary {
  private final List<Row> rows;
  private final List<Row> domainPairs;
  private final JobContext context;

  private Summary(List<Row> rows, List<Row> domainPairs, JobContext context) {
    this.rows = rows;
    this.domainPairs = domainPairs;
    this.context = context;
  }

  static Summary of(Evaluation evaluation, JobContext context, double seconds) {
    List<Row> rows = new ArrayList<>();
    for (Map.Entry<String, List<Double>> entry : evaluation.accuracies().entrySet()) {
      rows.add(PipelineJob.summaryRow("target_test_accuracy_" + entry.getKey(),
          entry.getValue()));
    }
    List<Double> retention = new ArrayList<>();
    List<Double> backward = new ArrayList<>();
    for (Row row : evaluation.rows(EvaluationSchemas.RETENTION)) {
      retention.add(row.getDouble(8));
      backward.add(row.getDouble(9));
    }
    rows.add(PipelineJob.summaryRow("source_retention_ratio", retention));
    rows.add(PipelineJob.summaryRow("backward_transfer", backward));
    List<Row> pairs = evaluation.rows(EvaluationSchemas.DOMAIN_SIMILARITY);
    for (Row pair : pairs) {
      String name = pair.getString(0) + ", " + pair.getString(1) + " kernel";
      rows.add(PipelineJob.summaryRow("mmd2 " + name, List.of(pair.getDouble(6))));
      rows.add(PipelineJob.summaryRow("mmd_p_value " + name, List.of(pair.getDouble(7))));
    }
    rows.add(PipelineJob.summaryRow("wall_seconds", List.of(seconds)));
    return new Summary(rows, pairs, context);
  }

  void write(JobContext jobContext, Provenance provenance, boolean overwrite)
      throws UserException, IOException {
    Reports.write(jobContext.spark(), jobContext.workspace(), PipelineJob.SUMMARY_REPORT,
        PipelineJob.summarySchema(), rows, provenance, overwrite);
  }

  void print(PrintWriter out, long[] seeds, int labelsPerClass) {
    out.printf(Locale.ROOT, "KTP pipeline run %s, workspace %s%n", context.runId(),
        context.workspace().root());
    out.printf(Locale.ROOT, "Target test accuracy, %s labelled rows per class, seeds %s"
        + " (mean +- std):%n", labelsPerClass == 0 ? "all" : labelsPerClass,
        Arrays.toString(seeds));
    for (Row row : rows) {
      String metric = row.getString(0);
      if (metric.startsWith("target_test_accuracy_")) {
        out.printf(Locale.ROOT, "  %-14s %.4f +- %.4f%n",
            metric.substring("target_test_accuracy_".length()), row.getDouble(1),
            row.getDouble(2));
      } else if (metric.equals("source_retention_ratio")) {
        out.printf(Locale.ROOT, "Source retention (source test accuracy after / before):"
            + " %.4f +- %.4f%n", row.getDouble(1), row.getDouble(2));
      }
    }
    out.println("Domain distance (unbiased MMD^2, permutation p-value):");
    for (Row pair : domainPairs) {
      out.printf(Locale.ROOT, "  %-26s %-6s kernel  %8.5f  p = %.4f%n", pair.getString(0),
          pair.getString(1), pair.getDouble(6), pair.getDouble(7));
    }
    out.printf(Locale.ROOT, "Reports: %s/reports/<kind>/run_id=%s%n",
        context.workspace().root(), context.runId());
    out.printf(Locale.ROOT, "Charts:  %s%n", context.workspace().charts(context.runId()));
  }
}
