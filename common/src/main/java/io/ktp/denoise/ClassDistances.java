package io.ktp.denoise;

import io.ktp.data.Samples;
import java.io.Serializable;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The outlier step's scorer for use outside denoise: each class's mean and inverse shrunk
 * covariance ({@link ShrunkCovariance}), fitted on reference rows, and the Mahalanobis distance of
 * any row from its class. Serializable, so it can be broadcast to executors.
 */
public final class ClassDistances implements Serializable {
  private static final long serialVersionUID = 1L;
  private final Outliers.Model model;

  private ClassDistances(Outliers.Model model) {
    this.model = model;
  }

  /** Fits on sample rows with labels in [0, classes) and {@code features} features each. */
  public static ClassDistances fit(Dataset<Row> rows, int features, int classes) {
    return new ClassDistances(Outliers.fit(
        rows.select(Samples.ID, Samples.LABEL, Samples.FEATURES).javaRDD(), features, classes));
  }

  /** Returns true when the class had at least 2 reference rows, so it has a distance. */
  public boolean fitted(int label) {
    return label >= 0 && label < model.means().length && model.fitted(label);
  }

  /** Returns the Mahalanobis distance of a row from its class, in feature units. */
  public double distance(int label, List<Double> values) {
    return model.distance(label, values);
  }
}
