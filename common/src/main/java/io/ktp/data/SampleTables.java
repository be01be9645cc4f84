package io.ktp.data;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.min_by;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import io.ktp.cli.UserException;
import io.ktp.io.AtomicOutput;
import io.ktp.io.Workspace;
import java.io.EOFException;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.ChecksumException;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.io.ParquetDecodingException;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** Splits, writes, reads and validates the canonical sample tables of a workspace. */
public final class SampleTables {
  private static final String RANK = "_rank";
  private static final Pattern PARQUET_FILE = Pattern.compile("[a-zA-Z][a-zA-Z0-9+.-]*:/\\S*?\\.parquet\\b");
  private static final String CLASS_SIZE = "_class_size";
  private static final String NON_FINITE = "exists(" + Samples.FEATURES
      + ", x -> x is null or isnan(x) or abs(x) = double('infinity'))";
  private static final String NULL_FIELD = Samples.ID + " is null or " + Samples.LABEL
      + " is null or " + Samples.FEATURES + " is null or " + Samples.SPLIT + " is null";
  private static final String UNKNOWN_SPLIT = Samples.SPLIT + " is not null and " + Samples.SPLIT
      + " not in ('" + Samples.TRAIN + "', '" + Samples.VALIDATION + "', '" + Samples.TEST + "')";

  private SampleTables() {
  }

  /**
   * Assigns each row a split, stratified by label and seeded.
   *
   * <p>Within each class, rows are ordered by a seeded hash of their id, so the assignment does
   * not depend on partitioning or row order. With 180 rows in a class, a test fraction of 0.2 and
   * a validation fraction of 0.1, the first 36 rows of that order go to test, the next 18 to
   * validation and the remaining 126 to train.
   */
  public static Dataset<Row> assignSplits(Dataset<Row> rows, double validationFraction,
      double testFraction, long seed) {
    WindowSpec byClass = Window.partitionBy(col(Samples.LABEL));
    WindowSpec ordered = byClass.orderBy(xxhash64(lit(seed), col(Samples.ID)), col(Samples.ID));
    Column rank = col(RANK);
    Column classSize = col(CLASS_SIZE);
    // Decimal boundaries, because in doubles 0.2 + 0.1 is 0.30000000000000004 and 180 rows
    // times that is just above 54, which would move row 55 from train to validation.
    BigDecimal test = new BigDecimal(Double.toString(testFraction));
    BigDecimal testAndValidation = test.add(new BigDecimal(Double.toString(validationFraction)));
    Column split = when(rank.lt(classSize.multiply(lit(test))), Samples.TEST)
        .when(rank.lt(classSize.multiply(lit(testAndValidation))), Samples.VALIDATION)
        .otherwise(Samples.TRAIN);
    return rows
        .withColumn(RANK, row_number().over(ordered).minus(1))
        .withColumn(CLASS_SIZE, count(lit(1)).over(byClass))
        .withColumn(Samples.SPLIT, split)
        .drop(RANK, CLASS_SIZE);
  }

  /**
   * Returns up to {@code perClass} rows of each class, chosen by a seeded hash of the id, so the
   * same seed picks the same rows whatever the partitioning. {@code perClass <= 0} keeps all rows.
   */
  public static Dataset<Row> perClassSample(Dataset<Row> rows, int perClass, long seed) {
    if (perClass <= 0) {
      return rows;
    }
    WindowSpec ordered = Window.partitionBy(col(Samples.LABEL))
        .orderBy(xxhash64(lit(seed), col(Samples.ID)), col(Samples.ID));
    return rows.withColumn(RANK, row_number().over(ordered))
        .filter(col(RANK).leq(perClass))
        .drop(RANK);
  }

  /** Writes one domain's table atomically; fails before writing when it exists without overwrite. */
  public static void write(Dataset<Row> table, Workspace workspace, String domain,
      boolean overwrite) throws UserException, IOException {
    AtomicOutput.writeParquet(table, workspace.fs(), workspace.samples(domain), overwrite);
  }

  /** Reads and validates one domain's table. */
  public static SampleTable read(SparkSession spark, Workspace workspace, String domain,
      int classes) throws UserException, IOException {
    Path path = workspace.samples(domain);
    if (!workspace.exists(path)) {
      throw new UserException("Sample table for domain '" + domain + "' not found at " + path
          + ": run 'ktp ingest' with this workspace first");
    }
    try {
      Dataset<Row> rows = spark.read().parquet(path.toString());
      checkSchema(rows.schema(), path);
      return validate(rows, path.toString(), classes);
    } catch (Exception e) {
      // Spark reports a damaged file as a SparkException, a checked exception that Scala throws
      // undeclared, so Java cannot name it in a catch clause. Anything else is rethrown as is.
      String damaged = damagedFile(e);
      if (damaged == null) {
        throw e;
      }
      throw new UserException("Sample table " + path + " cannot be read (" + damaged
          + " is not a Parquet file or is damaged): ingest the domain again", e);
    }
  }

  /**
   * Returns the Parquet file that {@code failure} names as unreadable, or null when the failure
   * is not about a damaged file: a missing or wrong footer, a checksum mismatch, a truncated page.
   */
  static String damagedFile(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      String message = String.valueOf(cause.getMessage());
      boolean damaged = cause instanceof ChecksumException || cause instanceof EOFException
          || cause instanceof ParquetDecodingException
          || message.contains("is not a Parquet file")
          || message.contains("CANNOT_READ_FILE_FOOTER");
      if (damaged) {
        Matcher file = PARQUET_FILE.matcher(message);
        return file.find() ? "file " + file.group() : "a file";
      }
    }
    return null;
  }

  /**
   * Checks row-level rules in one pass and computes the table's fingerprint. No row may have a
   * null id, label, features or split. Every split is train, validation or test, every row has
   * the same feature count, features are finite, and labels are in [0, classes). Messages name
   * one offending row by id.
   */
  public static SampleTable validate(Dataset<Row> rows, String location, int classes)
      throws UserException {
    Column badLabel = col(Samples.LABEL).lt(0).or(col(Samples.LABEL).geq(classes));
    Row stats = rows.agg(
        count(lit(1)),
        min(size(col(Samples.FEATURES))),
        max(size(col(Samples.FEATURES))),
        expr("min_by(" + Samples.ID + ", size(" + Samples.FEATURES + "))"),
        min(when(badLabel, col(Samples.LABEL))),
        sum(xxhash64(col(Samples.ID), col(Samples.LABEL), col(Samples.FEATURES), col(Samples.SPLIT))
            .cast("decimal(38,0)")),
        sum(when(expr(NON_FINITE), 1).otherwise(0)),
        min(when(expr(NON_FINITE), col(Samples.ID))),
        sum(when(expr(NULL_FIELD), 1).otherwise(0)),
        min(when(expr(NULL_FIELD), col(Samples.ID))),
        sum(when(expr(UNKNOWN_SPLIT), 1).otherwise(0)),
        min(when(expr(UNKNOWN_SPLIT), col(Samples.SPLIT))),
        min_by(col(Samples.ID), when(badLabel, col(Samples.LABEL))))
        .first();
    long count = stats.getLong(0);
    if (count == 0) {
      throw new UserException("Sample table " + location + " is empty: ingest the domain again");
    }
    checkNulls(location, stats.getLong(8), stats.getString(9));
    checkSplits(location, stats.getLong(10), stats.getString(11));
    int minFeatures = stats.getInt(1);
    int maxFeatures = stats.getInt(2);
    if (minFeatures != maxFeatures) {
      throw new UserException("Sample table " + location + " has rows with " + minFeatures
          + " and with " + maxFeatures + " features (row " + stats.getString(3) + " has "
          + minFeatures + "): every row needs the same feature count");
    }
    if (!stats.isNullAt(4)) {
      throw new UserException("Sample table " + location + " has label " + stats.getInt(4)
          + " in row " + stats.getString(12) + ", outside the class range 0.." + (classes - 1)
          + ": relabel the rows or ingest the domain again");
    }
    long nonFinite = stats.getLong(6);
    if (nonFinite > 0) {
      throw new UserException("Sample table " + location + " has " + nonFinite
          + " rows with NaN, infinite or null features (for example row " + stats.getString(7)
          + "): remove or repair them and ingest again");
    }
    String fingerprint = String.format(Locale.ROOT, "%d-%s", count,
        Long.toHexString(stats.getDecimal(5).longValue()));
    return new SampleTable(rows, location, count, minFeatures, fingerprint);
  }

  /**
   * Fails when one split of a validated table has no rows. {@code use} names what the job needs
   * the split for, such as "training".
   */
  public static void requireRows(SampleTable table, String split, String use)
      throws UserException {
    if (table.split(split).isEmpty()) {
      throw new UserException("Sample table " + table.location() + " has no " + split + " rows,"
          + " which " + use + " needs: ingest the domain again with a " + split + " fraction"
          + " that leaves rows in every split");
    }
  }

  private static void checkNulls(String location, long rows, String exampleId)
      throws UserException {
    if (rows > 0) {
      throw new UserException("Sample table " + location + " has " + rows + " rows with a null "
          + Samples.ID + ", " + Samples.LABEL + ", " + Samples.FEATURES + " or " + Samples.SPLIT
          + (exampleId == null ? "" : " (for example row " + exampleId + ")")
          + ": remove them or ingest the domain again");
    }
  }

  private static void checkSplits(String location, long rows, String exampleSplit)
      throws UserException {
    if (rows > 0) {
      throw new UserException("Sample table " + location + " has " + rows + " rows with split '"
          + exampleSplit + "', expected " + Samples.TRAIN + ", " + Samples.VALIDATION + " or "
          + Samples.TEST + ": ingest the domain again");
    }
  }

  private static void checkSchema(StructType actual, Path path) throws UserException {
    StructType expected = Samples.schema(0, 0);
    for (StructField field : expected.fields()) {
      DataType found = Arrays.stream(actual.fields())
          .filter(f -> f.name().equals(field.name()))
          .map(StructField::dataType)
          .findFirst()
          .orElse(null);
      if (found == null || !found.sameType(field.dataType())) {
        throw new UserException("Sample table " + path + " has column " + field.name()
            + " of type " + (found == null ? "none" : found.simpleString()) + ", expected "
            + field.dataType().simpleString() + ": write it with 'ktp ingest'");
      }
    }
  }
}
