package io.ktp.denoise;

import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** The rows one step flags: id, reason, the score behind it, the threshold, a new label. */
final class Flags {
  static final String ID = "id";
  static final String REASON = "reason";
  static final String SCORE = "score";
  static final String THRESHOLD = "threshold";
  static final String NEW_LABEL = "new_label";

  static final StructType SCHEMA = new StructType()
      .add(ID, DataTypes.StringType, false)
      .add(REASON, DataTypes.StringType, false)
      .add(SCORE, DataTypes.DoubleType, false)
      .add(THRESHOLD, DataTypes.DoubleType, true)
      .add(NEW_LABEL, DataTypes.IntegerType, true);

  private Flags() {
  }

  /** Returns one flag row; {@code threshold} and {@code newLabel} may be null. */
  static Row of(String id, Reason reason, double score, Double threshold, Integer newLabel) {
    return RowFactory.create(id, reason.code(), score, threshold, newLabel);
  }

  /** Returns an empty flag table. */
  static Dataset<Row> none(SparkSession spark) {
    return spark.createDataFrame(List.of(), SCHEMA);
  }
}
