package io.ktp.drift;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.percentile_approx;

import io.ktp.data.Samples;
import io.ktp.denoise.ClassDistances;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Quarantines incoming rows far outside the reference distribution before they reach training. It
 * uses the denoise outlier step's scorer ({@link ClassDistances}: the Mahalanobis distance from
 * the row's class mean under the class's shrunk covariance, fitted on the reference rows). A row
 * is quarantined when its distance exceeds {@code factor} times its class's {@code quantile} of
 * the reference rows' own distances, or when its class has fewer than 2 reference rows.
 *
 * <p>The factor keeps shifted but plausible rows: a drifted batch is what recalibration must learn
 * from, so only rows far beyond the reference's own tail are held back. Example: with the 0.99
 * quantile of a class at 9.0 and factor 4, a row of that class is quarantined above 36.0.
 */
public final class IncomingFilter {
  /** Reason of a row whose distance is above its class's threshold. */
  public static final String OUTLIER = "outlier";
  /** Reason of a row whose class the reference rows do not cover. */
  public static final String UNKNOWN_CLASS = "class_not_in_reference";
  public static final String REASON = "reason";
  public static final String SCORE = "score";
  public static final String THRESHOLD = "threshold";

  private static final StructType SCORES = new StructType()
      .add(Samples.ID, DataTypes.StringType, false)
      .add(Samples.LABEL, DataTypes.IntegerType, false)
      .add(SCORE, DataTypes.DoubleType, true);
  /** Relative accuracy of Spark's approximate percentile is 1 / this. */
  private static final int QUANTILE_ACCURACY = 10_000;

  private final SparkSession spark;
  private final Broadcast<ClassDistances> distances;
  private final Dataset<Row> thresholds;

  private IncomingFilter(SparkSession spark, Broadcast<ClassDistances> distances,
      Dataset<Row> thresholds) {
    this.spark = spark;
    this.distances = distances;
    this.thresholds = thresholds;
  }

  /** Fits the scorer and the per-class thresholds on the reference rows. */
  public static IncomingFilter fit(SparkSession spark, Dataset<Row> reference, int features,
      int classes, double quantile, double factor) {
    ClassDistances fitted = ClassDistances.fit(reference, features, classes);
    Broadcast<ClassDistances> broadcast = JavaSparkContext.fromSparkContext(spark.sparkContext())
        .broadcast(fitted);
    Dataset<Row> referenceScores = score(spark, broadcast, reference);
    Dataset<Row> thresholds = referenceScores.filter(col(SCORE).isNotNull())
        .groupBy(Samples.LABEL)
        .agg(percentile_approx(col(SCORE), lit(quantile), lit(QUANTILE_ACCURACY))
            .multiply(factor).as(THRESHOLD))
        .localCheckpoint();
    return new IncomingFilter(spark, broadcast, thresholds);
  }

  /**
   * Returns {@code rows} with the columns {@code score}, {@code threshold} and {@code reason}
   * (null for a row that passes, {@value #OUTLIER} or {@value #UNKNOWN_CLASS} otherwise).
   */
  public Dataset<Row> screen(Dataset<Row> rows) {
    Dataset<Row> scores = score(spark, distances, rows).drop(Samples.LABEL);
    Dataset<Row> joined = rows.join(scores, Samples.ID)
        .join(thresholds, rows.col(Samples.LABEL).equalTo(thresholds.col(Samples.LABEL)),
            "left")
        .drop(thresholds.col(Samples.LABEL));
    return joined.withColumn(REASON,
        org.apache.spark.sql.functions.when(col(THRESHOLD).isNull().or(col(SCORE).isNull()),
                lit(UNKNOWN_CLASS))
            .when(col(SCORE).gt(col(THRESHOLD)), lit(OUTLIER)));
  }

  /** Returns the rows that pass, with their original columns. */
  public static Dataset<Row> kept(Dataset<Row> screened, List<String> columns) {
    return screened.filter(col(REASON).isNull())
        .select(columns.stream().map(org.apache.spark.sql.functions::col).toArray(
            org.apache.spark.sql.Column[]::new));
  }

  /** Returns the quarantined rows with their reason, score and threshold. */
  public static Dataset<Row> quarantined(Dataset<Row> screened) {
    return screened.filter(col(REASON).isNotNull());
  }

  private static Dataset<Row> score(SparkSession spark, Broadcast<ClassDistances> distances,
      Dataset<Row> rows) {
    JavaRDD<Row> scored = rows.select(Samples.ID, Samples.LABEL, Samples.FEATURES).javaRDD()
        .map(row -> {
          int label = row.getInt(1);
          ClassDistances model = distances.value();
          Double score = model.fitted(label) ? model.distance(label, row.getList(2)) : null;
          return RowFactory.create(row.getString(0), label, score);
        });
    return spark.createDataFrame(scored, SCORES);
  }
}
