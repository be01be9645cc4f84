package io.ktp.jobs;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;

import io.ktp.cli.Checks;
import io.ktp.cli.SparkOptions;
import io.ktp.cli.UserException;
import io.ktp.cli.WorkspaceOptions;
import io.ktp.data.DigitHarmonizer;
import io.ktp.data.MnistPackageReader;
import io.ktp.data.OptdigitsCsvReader;
import io.ktp.data.RawSample;
import io.ktp.data.SampleTables;
import io.ktp.data.Samples;
import io.ktp.data.TextSample;
import io.ktp.io.Workspace;
import io.ktp.report.Provenance;
import io.ktp.report.Reports;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Reads the raw digit datasets and writes both domains as canonical sample tables; on request
 * also the sentiment files, one text table each.
 */
@Command(name = "ingest", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Read the MNIST package and the optdigits CSV, map MNIST into the optdigits"
        + " feature space (an 8x8 grid of 4x4-pixel block counts 0..16), split both domains (stratified, seeded)"
        + " and write samples/mnist and samples/optdigits to the workspace. With '--datasets"
        + " sentiment', tokenize each sentiment file instead (or as well) and write"
        + " samples/sentiment-<name> with tokens and hashed token counts as features.")
public final class IngestJob implements Callable<Integer> {
  static final String SOURCE_DOMAIN = "mnist";
  static final String TARGET_DOMAIN = "optdigits";
  static final String REPORT = "ingest";
  static final String DIGITS = "digits";
  static final String SENTIMENT = "sentiment";
  private static final Logger LOG = LoggerFactory.getLogger(IngestJob.class);

  @Mixin
  WorkspaceOptions workspaceOptions = new WorkspaceOptions();

  @Mixin
  SparkOptions sparkOptions = new SparkOptions();

  @Option(names = "--datasets", paramLabel = "NAMES", split = ",",
      description = "Datasets to ingest, from: digits (MNIST and optdigits), sentiment (the"
          + " --sentiment files). Default: ${DEFAULT-VALUE}.")
  List<String> datasets = new ArrayList<>(List.of(DIGITS));

  @Mixin
  DigitFiles files = new DigitFiles();

  @Mixin
  SentimentFiles sentiment = new SentimentFiles();

  @Option(names = "--validation-fraction", paramLabel = "FRACTION",
      description = "Share of each MNIST class put in the validation split. Default:"
          + " ${DEFAULT-VALUE}.")
  double validationFraction = 0.1;

  @Option(names = "--test-fraction", paramLabel = "FRACTION",
      description = "Share of each MNIST class put in the test split. Default: ${DEFAULT-VALUE}.")
  double testFraction = 0.1;

  @Option(names = "--target-validation-fraction", paramLabel = "FRACTION",
      description = "Share of each optdigits class, and of each class of a sentiment table,"
          + " put in the validation split. Default:"
          + " ${DEFAULT-VALUE}.")
  double targetValidationFraction = 0.1;

  @Option(names = "--target-test-fraction", paramLabel = "FRACTION",
      description = "Share of each optdigits class, and of each class of a sentiment table,"
          + " put in the test split; a large test split"
          + " keeps the few-shot accuracy estimate tight (about +-0.015 at 900 rows)."
          + " Default: ${DEFAULT-VALUE}.")
  double targetTestFraction = 0.5;

  @Option(names = "--stroke-pixels", paramLabel = "N|auto",
      description = "Pixels turned on in each 32x32 MNIST bitmap before block counting; 'auto'"
          + " uses the mean on-pixel count of the optdigits train split (labels unused)."
          + " Default: ${DEFAULT-VALUE}.")
  String strokePixels = "auto";

  @Option(names = "--seed", paramLabel = "SEED", description = "Seed of the split assignment. Default: ${DEFAULT-VALUE}.")
  long seed = 42;

  @Mixin
  RunIdOption runIdOption = new RunIdOption();

  @Option(names = "--overwrite",
      description = "Replace existing sample tables and this run's ingest report.")
  boolean overwrite;

  @Override
  public Integer call() throws UserException, IOException {
    validate();
    preflight(workspaceOptions);
    JobContext context = JobContext.open("ingest", sparkOptions, workspaceOptions,
        runIdOption.runId);
    run(context);
    return 0;
  }

  void validate() throws UserException {
    checkDatasets();
    checkFractions("--validation-fraction", validationFraction, "--test-fraction", testFraction);
    checkFractions("--target-validation-fraction", targetValidationFraction,
        "--target-test-fraction", targetTestFraction);
    fixedStrokePixels();
    // Checked again with the session's Hadoop configuration in run(); checking here first reports
    // a missing file before Spark starts and logs anything.
    Configuration defaults = new Configuration();
    if (datasets.contains(DIGITS)) {
      Inputs.existingFile(files.mnist, "--mnist", defaults);
      Inputs.existingFile(files.optdigits, "--optdigits", defaults);
    }
    if (datasets.contains(SENTIMENT)) {
      sentiment.validate(defaults);
    }
  }

  private void checkDatasets() throws UserException {
    List<String> known = List.of(DIGITS, SENTIMENT);
    for (String name : datasets) {
      if (!known.contains(name)) {
        throw new UserException(Checks.invalid("--datasets", String.join(",", datasets),
            "'" + name + "' is not a dataset; choose from " + String.join(", ", known)));
      }
    }
    Checks.atLeast("--datasets (count)", datasets.size(), 1);
  }

  private static void checkFractions(String validationName, double validation, String testName,
      double test) throws UserException {
    Checks.openRange(validationName, validation, 0, 1);
    Checks.openRange(testName, test, 0, 1);
    if (validation + test >= 1) {
      throw new UserException("Invalid values " + validation + " for " + validationName + " and "
          + test + " for " + testName + ": their sum must be < 1 to leave training rows");
    }
  }

  /** Checks a local workspace for existing tables before Spark starts. */
  void preflight(WorkspaceOptions options) throws UserException, IOException {
    Preflight local = Preflight.of(options);
    if (local == null) {
      return;
    }
    checkOutputs(local.workspace(), new Configuration());
    local.requireNoReports(runIdOption.runId, "ingest", overwrite, List.of(REPORT));
  }

  /**
   * Ingests the chosen datasets; returns the stroke-pixel count used for MNIST, or 0 without the
   * digits.
   */
  int run(JobContext context) throws UserException, IOException {
    Configuration conf = context.spark().sparkContext().hadoopConfiguration();
    checkOutputs(context.workspace(), conf);
    Preflight.on(context.workspace())
        .requireNoReports(context.runId(), "ingest", overwrite, List.of(REPORT));

    Map<Path, List<TextSample>> sentences = datasets.contains(SENTIMENT)
        ? sentiment.read(conf) : Map.of();
    Map<String, String> inputs = new LinkedHashMap<>();
    List<Dataset<Row>> written = new ArrayList<>();
    int stroke = datasets.contains(DIGITS) ? ingestDigits(context, inputs, written) : 0;
    if (datasets.contains(SENTIMENT)) {
      written.addAll(sentiment.ingest(context, sentences, targetValidationFraction,
          targetTestFraction, seed, overwrite, inputs));
    }
    writeReport(context, written, stroke, inputs);
    written.forEach(Dataset::unpersist);
    return stroke;
  }

  /**
   * Fails when an output table overlaps an input file or exists without --overwrite; checks
   * only the datasets that this run ingests.
   */
  private void checkOutputs(Workspace workspace, Configuration conf)
      throws UserException, IOException {
    if (datasets.contains(DIGITS)) {
      Path mnistPath = Inputs.existingFile(files.mnist, "--mnist", conf);
      Path optdigitsPath = Inputs.existingFile(files.optdigits, "--optdigits", conf);
      for (String domain : List.of(SOURCE_DOMAIN, TARGET_DOMAIN)) {
        Path output = workspace.samples(domain);
        Inputs.checkDisjoint(mnistPath, "--mnist", output, "--workspace");
        Inputs.checkDisjoint(optdigitsPath, "--optdigits", output, "--workspace");
        Preflight.on(workspace).requireNoTable(domain, overwrite);
      }
    }
    if (datasets.contains(SENTIMENT)) {
      sentiment.checkOutputs(workspace, conf, overwrite);
    }
  }

  /**
   * Ingests MNIST and optdigits, adds both files' SHA-256 to {@code inputs} and both written
   * (cached) tables to {@code written}; returns the stroke-pixel count used for MNIST.
   */
  private int ingestDigits(JobContext context, Map<String, String> inputs,
      List<Dataset<Row>> written) throws UserException, IOException {
    SparkSession spark = context.spark();
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    Path mnistPath = Inputs.existingFile(files.mnist, "--mnist", conf);
    Path optdigitsPath = Inputs.existingFile(files.optdigits, "--optdigits", conf);
    List<RawSample> targetRaw = OptdigitsCsvReader.read(optdigitsPath.getFileSystem(conf),
        optdigitsPath);
    List<RawSample> sourceRaw = MnistPackageReader.read(mnistPath.getFileSystem(conf), mnistPath);
    LOG.info("Read {} optdigits rows from {} and {} MNIST images from {}", targetRaw.size(),
        optdigitsPath, sourceRaw.size(), mnistPath);

    Dataset<Row> target = SampleTables.assignSplits(toTable(spark, TARGET_DOMAIN, targetRaw),
        targetValidationFraction, targetTestFraction, seed).cache();
    int stroke = strokePixels(target);
    DigitHarmonizer harmonizer = new DigitHarmonizer(MnistPackageReader.SIDE, stroke);
    Dataset<Row> source = SampleTables.assignSplits(harmonized(spark, sourceRaw, harmonizer),
        validationFraction, testFraction, seed).cache();
    LOG.info("Harmonized MNIST to 8x8 grids of 4x4-pixel block counts, {} stroke pixels per"
        + " 32x32 bitmap", stroke);

    SampleTables.write(source, context.workspace(), SOURCE_DOMAIN, overwrite);
    SampleTables.write(target, context.workspace(), TARGET_DOMAIN, overwrite);
    inputs.put(mnistPath.toString(), Inputs.sha256(mnistPath, conf));
    inputs.put(optdigitsPath.toString(), Inputs.sha256(optdigitsPath, conf));
    written.addAll(List.of(source, target));
    return stroke;
  }

  private int strokePixels(Dataset<Row> target) throws UserException {
    Integer fixed = fixedStrokePixels();
    if (fixed != null) {
      return fixed;
    }
    // Each optdigits value counts the on pixels of one 4x4 block, so a row's sum is the number of
    // on pixels in its 32x32 bitmap. The bundled set has about 312 of 1,024 on.
    double mean = target.filter(col(Samples.SPLIT).equalTo(Samples.TRAIN))
        .select(avg(expr("aggregate(" + Samples.FEATURES + ", 0D, (acc, x) -> acc + x)")))
        .first().getDouble(0);
    return (int) Math.round(mean);
  }

  private Integer fixedStrokePixels() throws UserException {
    if ("auto".equals(strokePixels)) {
      return null;
    }
    int bitmap = DigitHarmonizer.BITMAP_SIDE * DigitHarmonizer.BITMAP_SIDE;
    try {
      int value = Integer.parseInt(strokePixels);
      if (value >= 1 && value <= bitmap) {
        return value;
      }
    } catch (NumberFormatException e) {
      // Reported below with the rule.
    }
    throw new UserException(Checks.invalid("--stroke-pixels", strokePixels,
        "must be 'auto' or an integer in 1.." + bitmap));
  }

  private static Dataset<Row> toTable(SparkSession spark, String domain, List<RawSample> raw) {
    List<Row> rows = new ArrayList<>(raw.size());
    for (RawSample sample : raw) {
      rows.add(toRow(domain, sample, sample.values()));
    }
    return spark.createDataFrame(rows, unsplitSchema());
  }

  private static Dataset<Row> harmonized(SparkSession spark, List<RawSample> raw,
      DigitHarmonizer harmonizer) {
    // About 1 MB of raw pixels per task for the 10,000 bundled images, under Spark's task-size warning.
    int slices = Math.max(96, spark.sparkContext().defaultParallelism() * 4);
    JavaRDD<Row> rows = org.apache.spark.api.java.JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(raw, slices)
        .map(sample -> toRow(SOURCE_DOMAIN, sample, harmonizer.blockCounts(sample.values())));
    return spark.createDataFrame(rows, unsplitSchema());
  }

  private static Row toRow(String domain, RawSample sample, double[] features) {
    return RowFactory.create(sample.id(), domain, sample.label(), features, 1.0, sample.origin());
  }

  private static StructType unsplitSchema() {
    StructType full = Samples.schema(DigitHarmonizer.GRID_SIDE, DigitHarmonizer.GRID_SIDE);
    return new StructType(java.util.Arrays.stream(full.fields())
        .filter(field -> !field.name().equals(Samples.SPLIT))
        .toArray(org.apache.spark.sql.types.StructField[]::new));
  }

  /** Writes the ingest report: the rows of the written tables per domain, split and label. */
  private void writeReport(JobContext context, List<Dataset<Row>> written, int stroke,
      Map<String, String> inputs) throws UserException, IOException {
    Dataset<Row> all = written.stream()
        .map(table -> table.select(Samples.DOMAIN, Samples.SPLIT, Samples.LABEL))
        .reduce(Dataset::union).orElseThrow();
    List<Row> counts = all.groupBy(Samples.DOMAIN, Samples.SPLIT, Samples.LABEL).count()
        .orderBy(Samples.DOMAIN, Samples.SPLIT, Samples.LABEL).collectAsList();
    StructType schema = new StructType()
        .add("domain", DataTypes.StringType)
        .add("split", DataTypes.StringType)
        .add("label", DataTypes.IntegerType)
        .add("rows", DataTypes.LongType);
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("--datasets", String.join(",", datasets));
    config.put("--validation-fraction", validationFraction);
    config.put("--test-fraction", testFraction);
    config.put("--target-validation-fraction", targetValidationFraction);
    config.put("--target-test-fraction", targetTestFraction);
    config.put("--stroke-pixels", strokePixels);
    config.put("stroke_pixels_used", stroke);
    if (datasets.contains(SENTIMENT)) {
      config.putAll(sentiment.config());
    }
    Path path = Reports.write(context.spark(), context.workspace(), REPORT, schema, counts,
        Provenance.start("ingest", context.runId(), seed, config, inputs), overwrite);
    LOG.info("Wrote sample tables and the ingest report {}", path);
  }
}
