package io.ktp.denoise;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import io.ktp.data.Samples;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Screens the train split of a sample table, step by step ({@link Step}). Each step screens only
 * the rows the earlier steps kept. Validation and test rows pass through unchanged, so evaluation
 * on the clean table measures the same rows as on the original.
 */
public final class Denoiser {
  /** Rejected-table column: what happened to the row. */
  public static final String ACTION = "action";
  /** Action of a row moved out of the clean table. */
  public static final String SET_ASIDE = "set_aside";
  /** Action of a row kept with a new label. */
  public static final String RELABELLED = "relabelled";
  /** Report reason of the rows that stay in the clean table. */
  public static final String KEPT = "kept";

  /** Columns of the per-reason, per-class report. */
  public static final StructType COUNTS_SCHEMA = new StructType()
      .add(Flags.REASON, DataTypes.StringType, false)
      .add(Samples.LABEL, DataTypes.IntegerType, false)
      .add("rows", DataTypes.LongType, false)
      .add("share_of_class", DataTypes.DoubleType, false);

  private static final Logger LOG = LoggerFactory.getLogger(Denoiser.class);

  private final SparkSession spark;
  private final DenoiseSettings settings;
  private final int classes;

  public Denoiser(SparkSession spark, DenoiseSettings settings, int classes) {
    this.spark = spark;
    this.settings = settings;
    this.classes = classes;
  }

  /** Screens {@code table}, whose feature vectors have {@code features} entries. */
  public DenoiseResult run(Dataset<Row> table, int features) {
    Dataset<Row> train = table.filter(col(Samples.SPLIT).equalTo(Samples.TRAIN))
        .localCheckpoint();
    long trainRows = train.count();
    Dataset<Row> kept = train;
    List<Dataset<Row>> flags = new ArrayList<>();
    Map<String, Long> byReason = new LinkedHashMap<>();
    LOG.info("Screening {} train rows with steps {}", trainRows, settings.steps());

    if (settings.runs(Step.DUPLICATES)) {
      kept = remove(kept, ExactDuplicates.find(kept), flags, byReason, "duplicates");
    }
    if (settings.runs(Step.NEAR_DUPLICATES)) {
      kept = remove(kept, NearDuplicates.find(spark, kept, features, settings), flags, byReason,
          "near duplicates");
    }
    JavaRDD<Scored> scored = null;
    int rounds = settings.runs(Step.LABEL_NOISE) ? settings.labelRounds() : 0;
    for (int round = 1; round <= rounds; round++) {
      scored = score(kept, features);
      LOG.info("Label-noise round {} of {}", round, rounds);
      kept = labelNoise(kept, LabelNoise.find(spark, scored, classes), flags, byReason);
    }
    if (scored == null && settings.runs(Step.UNSTABLE)) {
      scored = score(kept, features);
    }
    if (settings.runs(Step.OUTLIERS)) {
      kept = remove(kept, Outliers.find(spark, kept, features, classes,
          settings.outlierQuantile()), flags, byReason, "outliers");
    }
    if (settings.runs(Step.UNSTABLE)) {
      kept = remove(kept, unstable(scored), flags, byReason, "unstable rows");
    }

    long keptRows = kept.count();
    // The steps' joins leave rows in the order shuffle blocks arrived, which differs from run to
    // run. Training and sampling read the table in file order, so the clean table is laid out as
    // ingest lays out its tables: hashed by label, each partition ordered by a seeded hash of the
    // id. Two runs then write the same files and train on the same minibatches.
    Dataset<Row> clean = withSampleColumns(kept, table)
        .unionByName(withSampleColumns(table.filter(col(Samples.SPLIT).notEqual(Samples.TRAIN)),
            table))
        .repartition(col(Samples.LABEL))
        .sortWithinPartitions(col(Samples.LABEL), xxhash64(lit(settings.seed()), col(Samples.ID)),
            col(Samples.ID));
    Dataset<Row> allFlags = flags.stream().reduce(Dataset::unionByName)
        .orElse(Flags.none(spark));
    Dataset<Row> rejected = rejected(train, allFlags, table);
    List<Row> counts = counts(train, rejected, kept);
    LOG.info("Kept {} of {} train rows; by reason: {}", keptRows, trainRows, byReason);
    return new DenoiseResult(clean, rejected, counts, trainRows, keptRows, byReason);
  }

  /** Trains the fold models on the kept rows and scores every kept row out of fold. */
  private JavaRDD<Scored> score(Dataset<Row> kept, int features) {
    long start = System.nanoTime();
    FoldModels models = FoldModels.train(kept, features, classes, settings);
    JavaRDD<Scored> scored = models.score(
        JavaSparkContext.fromSparkContext(spark.sparkContext()), kept)
        .persist(StorageLevel.MEMORY_AND_DISK());
    long rows = scored.count();
    LOG.info("Scored {} rows with {} out-of-fold models and {} perturbations each ({} s)", rows,
        settings.folds(), settings.runs(Step.UNSTABLE) ? settings.perturbations() : 0,
        String.format(java.util.Locale.ROOT, "%.1f", (System.nanoTime() - start) / 1e9));
    return scored;
  }

  private Dataset<Row> labelNoise(Dataset<Row> kept, Dataset<Row> found,
      List<Dataset<Row>> flags, Map<String, Long> byReason) {
    if (settings.labelAction() == LabelAction.SET_ASIDE) {
      return remove(kept, found, flags, byReason, "likely wrong labels");
    }
    Dataset<Row> relabels = found.localCheckpoint();
    long count = relabels.count();
    flags.add(relabels);
    byReason.merge(Reason.LABEL_NOISE.code(), count, Long::sum);
    LOG.info("Relabelled {} rows with likely wrong labels", count);
    Dataset<Row> newLabels = relabels.select(col(Flags.ID).as(Samples.ID), col(Flags.NEW_LABEL));
    return kept.join(newLabels, new String[] {Samples.ID}, "left")
        .withColumn(Samples.LABEL, coalesce(col(Flags.NEW_LABEL), col(Samples.LABEL)))
        .drop(Flags.NEW_LABEL)
        .localCheckpoint();
  }

  private Dataset<Row> unstable(JavaRDD<Scored> scored) {
    double threshold = settings.unstableFraction();
    JavaRDD<Row> rows = scored.filter(row -> row.instability() >= threshold)
        .map(row -> Flags.of(row.id(), Reason.UNSTABLE, row.instability(), threshold, null));
    return spark.createDataFrame(rows, Flags.SCHEMA);
  }

  /**
   * Records one step's flags and returns the rows it kept. Flags of rows an earlier step already
   * removed are dropped, so every row has one reason.
   */
  private Dataset<Row> remove(Dataset<Row> kept, Dataset<Row> found, List<Dataset<Row>> flags,
      Map<String, Long> byReason, String what) {
    long start = System.nanoTime();
    Dataset<Row> ids = kept.select(col(Samples.ID).as(Flags.ID));
    // Checkpoints cut the query plan after each step: with every step's joins nested in one
    // plan, Spark spent most of the time planning (and printing) the plan, not running it.
    Dataset<Row> stepFlags = found.join(ids, Flags.ID).localCheckpoint();
    Map<String, Long> counts = new LinkedHashMap<>();
    for (Row row : stepFlags.groupBy(Flags.REASON).count().collectAsList()) {
      counts.put(row.getString(0), row.getLong(1));
    }
    for (Reason reason : Reason.values()) {
      if (counts.containsKey(reason.code())) {
        byReason.merge(reason.code(), counts.get(reason.code()), Long::sum);
      }
    }
    flags.add(stepFlags);
    Dataset<Row> remaining = kept.join(stepFlags.select(col(Flags.ID).as(Samples.ID)),
            new String[] {Samples.ID}, "left_anti")
        .localCheckpoint();
    long total = counts.values().stream().mapToLong(Long::longValue).sum();
    LOG.info("Set aside {} {} {}, {} rows remain ({} s)", total, what, counts, remaining.count(),
        String.format(java.util.Locale.ROOT, "%.1f", (System.nanoTime() - start) / 1e9));
    return remaining;
  }

  private Dataset<Row> rejected(Dataset<Row> train, Dataset<Row> allFlags, Dataset<Row> table) {
    boolean relabel = settings.labelAction() == LabelAction.RELABEL;
    Column action = when(lit(relabel).and(col(Flags.REASON).equalTo(Reason.LABEL_NOISE.code())),
        lit(RELABELLED)).otherwise(lit(SET_ASIDE));
    Dataset<Row> renamed = allFlags.withColumnRenamed(Flags.ID, Samples.ID);
    List<Column> columns = new ArrayList<>(sampleColumns(table));
    columns.addAll(Arrays.asList(col(Flags.REASON), col(Flags.SCORE), col(Flags.THRESHOLD),
        col(Flags.NEW_LABEL), action.as(ACTION)));
    return train.join(renamed, Samples.ID).select(columns.toArray(new Column[0]));
  }

  private List<Row> counts(Dataset<Row> train, Dataset<Row> rejected, Dataset<Row> kept) {
    long[] perClass = new long[classes];
    for (Row row : train.groupBy(Samples.LABEL).count().collectAsList()) {
      perClass[row.getInt(0)] = row.getLong(1);
    }
    List<Row> counts = new ArrayList<>();
    for (Row row : rejected.groupBy(Flags.REASON, Samples.LABEL).count()
        .orderBy(Flags.REASON, Samples.LABEL).collectAsList()) {
      counts.add(countRow(row.getString(0), row.getInt(1), row.getLong(2), perClass));
    }
    for (Row row : kept.groupBy(Samples.LABEL).count().orderBy(Samples.LABEL).collectAsList()) {
      counts.add(countRow(KEPT, row.getInt(0), row.getLong(1), perClass));
    }
    return counts;
  }

  private static Row countRow(String reason, int label, long rows, long[] perClass) {
    long classRows = label < perClass.length ? perClass[label] : 0;
    return RowFactory.create(reason, label, rows, classRows == 0 ? 0.0 : (double) rows / classRows);
  }

  /** Selects the sample columns in the table's order, keeping the features' grid metadata. */
  private static Dataset<Row> withSampleColumns(Dataset<Row> rows, Dataset<Row> table) {
    return rows.select(sampleColumns(table).toArray(new Column[0]));
  }

  private static List<Column> sampleColumns(Dataset<Row> table) {
    List<Column> columns = new ArrayList<>();
    for (var field : table.schema().fields()) {
      columns.add(col(field.name()).as(field.name(), field.metadata()));
    }
    return columns;
  }
}
