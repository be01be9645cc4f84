package io.ktp.jobs;

import io.ktp.cli.UserException;
import io.ktp.compress.Int8Network;
import io.ktp.compress.Latency;
import io.ktp.compress.Recommendation;
import io.ktp.model.Manifest;
import io.ktp.report.Charts;
import io.ktp.report.Provenance;
import io.ktp.report.Reports;
import io.ktp.train.Predictions;
import java.io.ByteArrayOutputStream;
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
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measurements of every variant of one compress run: the {@code compression} report, charts and
 * the table the job prints.
 */
final class CompressionResults {
  static final String INT8_FILE = "model.int8";
  private static final int LARGE_BATCH = 64;
  private static final Logger LOG = LoggerFactory.getLogger(CompressionResults.class);
  private static final StructType SCHEMA = new StructType()
      .add("variant", DataTypes.StringType)
      .add("model", DataTypes.StringType)
      .add("format", DataTypes.StringType)
      .add("parameters", DataTypes.LongType)
      .add("nonzero_weights", DataTypes.LongType)
      .add("sparsity", DataTypes.DoubleType)
      .add("size_bytes", DataTypes.LongType)
      .add("latency_us_batch1", DataTypes.DoubleType)
      .add("latency_us_batch64", DataTypes.DoubleType)
      .add("throughput_per_s_batch64", DataTypes.DoubleType)
      .add("test_rows", DataTypes.IntegerType)
      .add("test_accuracy", DataTypes.DoubleType)
      .add("recommended_for", DataTypes.StringType);

  /** One measured variant. */
  record Variant(String variant, String model, String format, long parameters,
      long nonzeroWeights, double sparsity, long sizeBytes, Latency single, Latency batch,
      double accuracy) {
  }

  private final Provenance provenance;
  private final Predictions test;
  private final int repeats;
  private final List<Variant> variants = new ArrayList<>();

  CompressionResults(Provenance provenance, Predictions test, int repeats) {
    this.provenance = provenance;
    this.test = test;
    this.repeats = repeats;
  }

  Provenance provenance() {
    return provenance;
  }

  List<Variant> variants() {
    return variants;
  }

  /**
   * Measures a DL4J network. Its size is that of its DL4J archive without updater state, the
   * form a deployment would ship.
   */
  void addFp32(String variant, String model, MultiLayerNetwork network, double sparsity)
      throws IOException {
    ByteArrayOutputStream archive = new ByteArrayOutputStream();
    ModelSerializer.writeModel(network, archive, false);
    Latency.Predictor predictor = rows -> network.output(Nd4j.create(rows), false).argMax(1)
        .toIntVector();
    long weights = 0;
    for (int i = 0; i < network.getnLayers(); i++) {
      weights += network.getLayer(i).getParam("W").length();
    }
    add(new Variant(variant, model, "fp32", network.numParams(),
        Math.round(weights * (1 - sparsity)), sparsity, archive.size(),
        latency(predictor, 1), latency(predictor, LARGE_BATCH), test.accuracy(network)));
  }

  /** Measures an int8 network; its size is that of the stored {@code model.int8} file. */
  void addInt8(String variant, Manifest saved, Int8Network network) throws IOException {
    ByteArrayOutputStream file = new ByteArrayOutputStream();
    network.write(file);
    int[] predicted = network.predict(test.features());
    int correct = 0;
    for (int i = 0; i < predicted.length; i++) {
      correct += predicted[i] == test.labels()[i] ? 1 : 0;
    }
    long weights = network.parameterCount();
    add(new Variant(variant, saved.name() + "/v" + saved.version(), "int8", weights, -1, 0,
        file.size(), latency(network::predict, 1), latency(network::predict, LARGE_BATCH),
        (double) correct / predicted.length));
  }

  private void add(Variant measured) {
    variants.add(measured);
    LOG.info("{} ({}): {} bytes, {} us per sample at batch 1, {} at batch {}, test accuracy {}",
        measured.variant(), measured.model(), measured.sizeBytes(),
        CompressJob.format(measured.single().microsPerSample()),
        CompressJob.format(measured.batch().microsPerSample()), LARGE_BATCH,
        CompressJob.format(measured.accuracy()));
  }

  private Latency latency(Latency.Predictor predictor, int batchSize) {
    int timedRepeats = Math.max(1, repeats / batchSize);
    return Latency.measure(predictor, test.features(), batchSize, timedRepeats, timedRepeats);
  }

  private String recommendation(Variant variant, Double latencyBudget, Double sizeBudget) {
    List<String> budgets = new ArrayList<>();
    if (latencyBudget != null && variant == byLatency(latencyBudget)) {
      budgets.add("latency");
    }
    if (sizeBudget != null && variant == bySize(sizeBudget)) {
      budgets.add("size");
    }
    return budgets.isEmpty() ? null : String.join(",", budgets);
  }

  Variant byLatency(double budgetMicros) {
    return Recommendation.best(variants, Variant::accuracy,
        variant -> variant.single().microsPerSample(), budgetMicros);
  }

  Variant bySize(double budgetKilobytes) {
    return Recommendation.best(variants, Variant::accuracy, Variant::sizeBytes,
        budgetKilobytes * 1000);
  }

  /** Writes the report and bar charts of accuracy, size and latency by variant. */
  void write(JobContext context, boolean overwrite, Double latencyBudget, Double sizeBudget)
      throws UserException, IOException {
    List<Row> rows = new ArrayList<>();
    Map<String, Double> accuracy = new LinkedHashMap<>();
    Map<String, Double> kilobytes = new LinkedHashMap<>();
    Map<String, Double> micros = new LinkedHashMap<>();
    for (Variant v : variants) {
      rows.add(RowFactory.create(v.variant(), v.model(), v.format(), v.parameters(),
          v.nonzeroWeights() < 0 ? null : v.nonzeroWeights(), v.sparsity(), v.sizeBytes(),
          v.single().microsPerSample(), v.batch().microsPerSample(),
          v.batch().samplesPerSecond(), test.size(), v.accuracy(),
          recommendation(v, latencyBudget, sizeBudget)));
      accuracy.put(v.variant(), v.accuracy());
      kilobytes.put(v.variant(), v.sizeBytes() / 1000.0);
      micros.put(v.variant(), v.single().microsPerSample());
    }
    Reports.write(context.spark(), context.workspace(), CompressJob.REPORT, SCHEMA, rows,
        provenance, overwrite);
    Path charts = context.workspace().charts(provenance.runId());
    Charts chart = new Charts();
    chart.barChart("Test accuracy by variant (compress)", "variant", "accuracy", accuracy,
        context.workspace().fs(), new Path(charts, "compress-test-accuracy.png"));
    chart.barChart("Size on disk by variant (compress)", "variant", "kilobytes", kilobytes,
        context.workspace().fs(), new Path(charts, "compress-size.png"));
    chart.barChart("Latency per sample at batch 1 (compress)", "variant", "microseconds",
        micros, context.workspace().fs(), new Path(charts, "compress-latency.png"));
  }

  /** Prints the trade-off table and the recommendations. */
  void print(PrintWriter out, Double latencyBudget, Double sizeBudget) {
    out.printf(Locale.ROOT, "%-13s %-26s %-5s %7s %9s %11s %11s %10s %8s%n", "variant", "model",
        "type", "params", "bytes", "us/sample@1", "us/sample@64", "samples/s", "accuracy");
    for (Variant v : variants) {
      out.printf(Locale.ROOT, "%-13s %-26s %-5s %7d %9d %11.2f %12.2f %10.0f %8.4f%n",
          v.variant(), v.model(), v.format(), v.parameters(), v.sizeBytes(),
          v.single().microsPerSample(), v.batch().microsPerSample(),
          v.batch().samplesPerSecond(), v.accuracy());
    }
    if (latencyBudget != null) {
      Variant best = byLatency(latencyBudget);
      out.printf(Locale.ROOT, "Recommended for at most %s us per sample at batch 1: %s%n",
          latencyBudget, best == null ? "none fits" : best.variant() + " (" + best.model() + ")");
    }
    if (sizeBudget != null) {
      Variant best = bySize(sizeBudget);
      out.printf(Locale.ROOT, "Recommended for at most %s KB on disk: %s%n", sizeBudget,
          best == null ? "none fits" : best.variant() + " (" + best.model() + ")");
    }
    out.flush();
  }
}
