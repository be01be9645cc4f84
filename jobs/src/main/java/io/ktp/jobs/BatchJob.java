package io.ktp.jobs;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.xxhash64;

import io.ktp.cli.Checks;
import io.ktp.cli.SparkOptions;
import io.ktp.cli.UserException;
import io.ktp.cli.WorkspaceOptions;
import io.ktp.data.SampleTable;
import io.ktp.data.SampleTables;
import io.ktp.data.Samples;
import io.ktp.drift.DigitTransforms;
import io.ktp.drift.Shift;
import io.ktp.io.Workspace;
import io.ktp.report.Provenance;
import io.ktp.report.Reports;
import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Writes a batch of incoming rows for the model lifecycle jobs: seeded rows of one split of a
 * sample table (by default the held-out target test rows), unchanged or with a documented shift.
 */
@Command(name = "batch", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Write a batch table of seeded rows from one split of a sample table, unchanged"
        + " or shifted (rotated, thickened or noisy digits), with a held-out part marked as its"
        + " test split; drift and recalibrate read it as new data.")
public final class BatchJob implements Callable<Integer> {
  static final String REPORT = "batch";
  private static final Logger LOG = LoggerFactory.getLogger(BatchJob.class);

  @Mixin
  WorkspaceOptions workspaceOptions = new WorkspaceOptions();

  @Mixin
  SparkOptions sparkOptions = new SparkOptions();

  @Option(names = "--domain", paramLabel = "NAME",
      description = "Sample table the rows come from. Default: ${DEFAULT-VALUE}.")
  String domain = IngestJob.TARGET_DOMAIN;

  @Option(names = "--split", paramLabel = "SPLIT",
      description = "Split the rows come from: train, validation or test. Default:"
          + " ${DEFAULT-VALUE}, rows no model was trained on.")
  String split = Samples.TEST;

  @Option(names = "--rows", paramLabel = "N",
      description = "Rows in the batch, chosen by a seeded hash of their ids. Default:"
          + " ${DEFAULT-VALUE}.")
  int rows = 300;

  @Option(names = "--transform", paramLabel = "KIND",
      description = "Shift applied to every row: none, rotate, thicken or noise. Default:"
          + " ${DEFAULT-VALUE}.")
  String transform = "none";

  @Option(names = "--rotation-degrees", paramLabel = "DEGREES",
      description = "Counterclockwise rotation about the image centre, with --transform rotate."
          + " Default: ${DEFAULT-VALUE}.")
  double rotationDegrees = 20;

  @Option(names = "--thicken-weight", paramLabel = "WEIGHT",
      description = "Blend weight in [0, 1] of the dilated image, with --transform thicken."
          + " Default: ${DEFAULT-VALUE}.")
  double thickenWeight = 0.5;

  @Option(names = "--noise-std", paramLabel = "COUNTS",
      description = "Standard deviation of the Gaussian noise in block counts (0..16), with"
          + " --transform noise. Default: ${DEFAULT-VALUE}.")
  double noiseStd = 2.0;

  @Option(names = "--holdout-fraction", paramLabel = "FRACTION",
      description = "Share of each class's batch rows marked as the batch's test split, which"
          + " recalibrate holds out to compare models. Default: ${DEFAULT-VALUE}.")
  double holdoutFraction = 0.3;

  @Option(names = "--output-domain", paramLabel = "NAME", required = true,
      description = "Name of the batch table, written to samples/<name>.")
  String outputDomain;

  @Option(names = "--seed", paramLabel = "SEED",
      description = "Seed of the row choice, the held-out split and the noise. Default:"
          + " ${DEFAULT-VALUE}.")
  long seed = 42;

  @Mixin
  RunIdOption runIdOption = new RunIdOption();

  @Spec
  CommandSpec spec;

  @Option(names = "--overwrite",
      description = "Replace the batch table and this run's batch report.")
  boolean overwrite;

  @Override
  public Integer call() throws UserException, IOException {
    Shift shift = validate();
    Preflight local = Preflight.of(workspaceOptions);
    if (local != null) {
      preflight(local);
    }
    JobContext context = JobContext.open("batch", sparkOptions, workspaceOptions,
        runIdOption.runId);
    preflight(Preflight.on(context.workspace()));
    run(context, shift);
    spec.commandLine().getOut().printf("Wrote %s: %d %s rows of %s (%s)%nNext: ktp drift"
        + " --batch-domain %s (the model needs a production alias first: ktp models promote)%n",
        context.workspace().samples(outputDomain), rows, split, domain, shift.describe(),
        outputDomain);
    spec.commandLine().getOut().flush();
    return 0;
  }

  /** Checks every option; returns the shift they give. */
  Shift validate() throws UserException {
    Workspace.checkName("domain", domain);
    Workspace.checkName("output domain", outputDomain);
    if (outputDomain.equals(domain)
        || List.of(IngestJob.SOURCE_DOMAIN, IngestJob.TARGET_DOMAIN).contains(outputDomain)) {
      throw new UserException(Checks.invalid("--output-domain", outputDomain, "names the input"
          + " table or a table that ingest writes, which batch must not replace; choose another"
          + " name"));
    }
    if (!List.of(Samples.TRAIN, Samples.VALIDATION, Samples.TEST).contains(split)) {
      throw new UserException(Checks.invalid("--split", split,
          "must be train, validation or test"));
    }
    Checks.atLeast("--rows", rows, 2);
    Checks.openRange("--holdout-fraction", holdoutFraction, 0, 1);
    DigitTransforms.Kind kind = Arrays.stream(DigitTransforms.Kind.values())
        .filter(k -> k.code().equals(transform.trim().toLowerCase(Locale.ROOT)))
        .findFirst().orElse(null);
    if (kind == null) {
      throw new UserException(Checks.invalid("--transform", transform,
          "must be none, rotate, thicken or noise"));
    }
    return new Shift(kind, amount(kind), seed);
  }

  private double amount(DigitTransforms.Kind kind) throws UserException {
    switch (kind) {
      case ROTATE:
        if (!Double.isFinite(rotationDegrees)) {
          throw new UserException(Checks.invalid("--rotation-degrees", rotationDegrees,
              "must be a finite angle"));
        }
        return rotationDegrees;
      case THICKEN:
        if (!(thickenWeight >= 0 && thickenWeight <= 1)) {
          throw new UserException(Checks.invalid("--thicken-weight", thickenWeight,
              "must be >= 0 and <= 1"));
        }
        return thickenWeight;
      case NOISE:
        if (!(noiseStd > 0 && Double.isFinite(noiseStd))) {
          throw new UserException(Checks.invalid("--noise-std", noiseStd,
              "must be finite and > 0"));
        }
        return noiseStd;
      default:
        return 0;
    }
  }

  void preflight(Preflight checks) throws UserException, IOException {
    checks.requireTable(domain)
        .requireNoTable(outputDomain, overwrite)
        .requireNoReports(runIdOption.runId, REPORT, overwrite, List.of(REPORT));
  }

  /** Selects, shifts and writes the batch; returns the written rows. */
  Dataset<Row> run(JobContext context, Shift shift) throws UserException, IOException {
    SampleTable table = SampleTables.read(context.spark(), context.workspace(), domain,
        ModelTraining.CLASSES);
    Dataset<Row> chosen = table.split(split)
        .orderBy(xxhash64(lit(seed), col(Samples.ID)), col(Samples.ID))
        .limit(rows)
        .localCheckpoint();
    long available = chosen.count();
    if (available < rows) {
      throw new UserException(Checks.invalid("--rows", rows, "the " + split + " split of "
          + table.location() + " has only " + available + " rows; ask for at most that many"));
    }
    int[] grid = grid(table, shift);
    Provenance provenance = Provenance.start("batch", context.runId(), seed, config(shift),
        Map.of(table.location(), table.fingerprint()));

    Dataset<Row> shifted = shift(context, chosen, shift, grid);
    Dataset<Row> batch = SampleTables.assignSplits(shifted.drop(Samples.SPLIT), 0,
        holdoutFraction, seed).select(Samples.ID, Samples.DOMAIN, Samples.LABEL, Samples.FEATURES,
            Samples.SPLIT, Samples.WEIGHT, Samples.ORIGIN).localCheckpoint();
    Workspace workspace = context.workspace();
    SampleTables.write(batch, workspace, outputDomain, overwrite);
    Reports.writeTable(batch.groupBy(Samples.SPLIT, Samples.LABEL).count()
            .withColumnRenamed("count", "rows")
            .withColumn("transform", lit(shift.describe()))
            .withColumn("source_table", lit(table.location()))
            .withColumn("source_split", lit(split))
            .select("source_table", "source_split", "transform", Samples.SPLIT, Samples.LABEL,
                "rows")
            .orderBy(Samples.SPLIT, Samples.LABEL).coalesce(1),
        workspace, REPORT, provenance, overwrite);
    LOG.info("Wrote {}: {} {} rows of {} ({})", workspace.samples(outputDomain), rows, split,
        table.location(), shift.describe());
    return batch;
  }

  /** Returns the grid shape of the features; shifts other than none need one. */
  private static int[] grid(SampleTable table, Shift shift) throws UserException {
    Metadata metadata = table.rows().schema().apply(Samples.FEATURES).metadata();
    if (metadata.contains(Samples.GRID_ROWS) && metadata.contains(Samples.GRID_COLUMNS)) {
      int gridRows = (int) metadata.getLong(Samples.GRID_ROWS);
      int gridColumns = (int) metadata.getLong(Samples.GRID_COLUMNS);
      if (gridRows * gridColumns == table.featureCount()) {
        return new int[] {gridRows, gridColumns};
      }
    }
    if (shift.kind() == DigitTransforms.Kind.ROTATE
        || shift.kind() == DigitTransforms.Kind.THICKEN) {
      throw new UserException("Sample table " + table.location() + " has no image grid shape"
          + " matching its " + table.featureCount() + " features, so it cannot be rotated or"
          + " thickened: use --transform none or noise");
    }
    return new int[] {1, table.featureCount()};
  }

  private Dataset<Row> shift(JobContext context, Dataset<Row> chosen, Shift shift, int[] grid) {
    String name = outputDomain;
    String note = "; " + shift.describe() + " of " + domain + " " + split;
    int gridRows = grid[0];
    int gridColumns = grid[1];
    JavaRDD<Row> rowsOut = chosen.select(Samples.ID, Samples.LABEL, Samples.FEATURES,
        Samples.SPLIT, Samples.WEIGHT, Samples.ORIGIN).javaRDD().map(row -> {
          List<Double> values = row.getList(2);
          double[] image = new double[values.size()];
          for (int i = 0; i < image.length; i++) {
            image[i] = values.get(i);
          }
          double[] features = shift.apply(image, gridRows, gridColumns, row.getString(0));
          return RowFactory.create(row.getString(0), name, row.getInt(1), features,
              row.getString(3), row.getDouble(4), row.getString(5) + note);
        });
    StructType schema = Samples.schema(gridRows, gridColumns);
    return context.spark().createDataFrame(rowsOut, schema);
  }

  private Map<String, Object> config(Shift shift) {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("--domain", domain);
    config.put("--split", split);
    config.put("--rows", rows);
    config.put("--transform", shift.kind().code());
    config.put("--rotation-degrees", rotationDegrees);
    config.put("--thicken-weight", thickenWeight);
    config.put("--noise-std", noiseStd);
    config.put("--holdout-fraction", holdoutFraction);
    config.put("--output-domain", outputDomain);
    return config;
  }
}
