package io.ktp.denoise;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.percentile_approx;

import io.ktp.data.Samples;
import java.io.Serializable;
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
 * Per-class outliers: the Mahalanobis distance of each row from its class's mean under the class's
 * shrunk covariance ({@link ShrunkCovariance}), flagged when it lies above the class's quantile
 * {@code outlierQuantile}. The score is the distance, the threshold the class's quantile.
 *
 * <p>Two passes: one tree aggregation of per-class counts, sums and sums of outer products
 * (classes x features^2 numbers, 330 KB for ten classes of 64 features, whatever the row count),
 * then one scoring pass with an approximate per-class quantile.
 */
final class Outliers {
  private static final StructType SCORES = new StructType()
      .add(Samples.ID, DataTypes.StringType, false)
      .add(Samples.LABEL, DataTypes.IntegerType, false)
      .add(Flags.SCORE, DataTypes.DoubleType, false);
  /** Relative accuracy of Spark's approximate percentile is 1 / this. */
  private static final int QUANTILE_ACCURACY = 10_000;

  private Outliers() {
  }

  static Dataset<Row> find(SparkSession spark, Dataset<Row> rows, int features, int classes,
      double quantile) {
    JavaRDD<Row> selected = rows.select(Samples.ID, Samples.LABEL, Samples.FEATURES).javaRDD();
    Model model = fit(selected, features, classes);
    Broadcast<Model> broadcast = JavaSparkContext.fromSparkContext(spark.sparkContext())
        .broadcast(model);
    JavaRDD<Row> scored = selected
        .filter(row -> broadcast.value().fitted(row.getInt(1)))
        .map(row -> RowFactory.create(row.getString(0), row.getInt(1),
            broadcast.value().distance(row.getInt(1), row.getList(2))));
    Dataset<Row> scores = spark.createDataFrame(scored, SCORES).localCheckpoint();
    Dataset<Row> cuts = scores.groupBy(Samples.LABEL)
        .agg(percentile_approx(col(Flags.SCORE), lit(quantile), lit(QUANTILE_ACCURACY))
            .as(Flags.THRESHOLD));
    return scores.join(cuts, Samples.LABEL)
        .filter(col(Flags.SCORE).gt(col(Flags.THRESHOLD)))
        .select(col(Samples.ID).as(Flags.ID), lit(Reason.OUTLIER.code()).as(Flags.REASON),
            col(Flags.SCORE), col(Flags.THRESHOLD),
            lit(null).cast(DataTypes.IntegerType).as(Flags.NEW_LABEL));
  }

  /** Fits each class's mean and inverse shrunk covariance on rows of (id, label, features). */
  static Model fit(JavaRDD<Row> selected, int features, int classes) {
    return selected.treeAggregate(new Moments(classes, features), Moments::add, Moments::merge)
        .model();
  }

  /** Per-class row counts, feature sums and sums of outer products. */
  static final class Moments implements Serializable {
    private static final long serialVersionUID = 1L;
    private final long[] counts;
    private final double[][] sums;
    private final double[][] outer;

    Moments(int classes, int features) {
      counts = new long[classes];
      sums = new double[classes][features];
      outer = new double[classes][features * features];
    }

    Moments add(Row row) {
      int label = row.getInt(1);
      List<Double> values = row.getList(2);
      int p = sums[label].length;
      double[] x = new double[p];
      for (int i = 0; i < p; i++) {
        x[i] = values.get(i);
      }
      counts[label]++;
      double[] sum = sums[label];
      double[] products = outer[label];
      for (int i = 0; i < p; i++) {
        sum[i] += x[i];
        if (x[i] != 0) {
          for (int j = 0; j < p; j++) {
            products[i * p + j] += x[i] * x[j];
          }
        }
      }
      return this;
    }

    Moments merge(Moments other) {
      for (int c = 0; c < counts.length; c++) {
        counts[c] += other.counts[c];
        for (int i = 0; i < sums[c].length; i++) {
          sums[c][i] += other.sums[c][i];
        }
        for (int i = 0; i < outer[c].length; i++) {
          outer[c][i] += other.outer[c][i];
        }
      }
      return this;
    }

    /** Returns each class's mean and inverse shrunk covariance; classes under 2 rows are skipped. */
    Model model() {
      int p = sums.length == 0 ? 0 : sums[0].length;
      double[][] means = new double[counts.length][];
      double[][][] inverses = new double[counts.length][][];
      for (int c = 0; c < counts.length; c++) {
        if (counts[c] < 2) {
          continue;
        }
        double n = counts[c];
        means[c] = new double[p];
        for (int i = 0; i < p; i++) {
          means[c][i] = sums[c][i] / n;
        }
        double[][] covariance = new double[p][p];
        for (int i = 0; i < p; i++) {
          for (int j = 0; j < p; j++) {
            covariance[i][j] = outer[c][i * p + j] / n - means[c][i] * means[c][j];
          }
        }
        inverses[c] = ShrunkCovariance.inverse(covariance, counts[c]);
      }
      return new Model(means, inverses);
    }
  }

  /** Class means and inverse covariances, broadcast to the executors. */
  record Model(double[][] means, double[][][] inverses) implements Serializable {
    boolean fitted(int label) {
      return means[label] != null;
    }

    double distance(int label, List<Double> values) {
      double[] mean = means[label];
      double[][] inverse = inverses[label];
      double[] centred = new double[mean.length];
      for (int i = 0; i < mean.length; i++) {
        centred[i] = values.get(i) - mean[i];
      }
      double sum = 0;
      for (int i = 0; i < mean.length; i++) {
        double row = 0;
        for (int j = 0; j < mean.length; j++) {
          row += inverse[i][j] * centred[j];
        }
        sum += centred[i] * row;
      }
      return Math.sqrt(Math.max(0, sum));
    }
  }
}
