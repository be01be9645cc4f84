package io.ktp.denoise;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.when;

import io.ktp.data.Samples;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.types.DataTypes;

/**
 * Finds rows with identical features. When every copy carries the same label, the copy with the
 * smallest id stays and the others are duplicates; when the labels differ, no copy can be trusted
 * and all are conflicting duplicates. The score is the number of copies.
 *
 * <p>One shuffle by the feature vector: the cost grows linearly with the rows.
 */
final class ExactDuplicates {
  private static final String COPIES = "_copies";
  private static final String RANK = "_rank";

  private ExactDuplicates() {
  }

  static Dataset<Row> find(Dataset<Row> rows) {
    WindowSpec sameFeatures = Window.partitionBy(col(Samples.FEATURES));
    Column conflicting = min(col(Samples.LABEL)).over(sameFeatures)
        .notEqual(max(col(Samples.LABEL)).over(sameFeatures));
    Dataset<Row> copies = rows.select(Samples.ID, Samples.LABEL, Samples.FEATURES)
        .withColumn(COPIES, count(lit(1)).over(sameFeatures))
        .withColumn(RANK, row_number().over(sameFeatures.orderBy(col(Samples.ID))))
        .withColumn("_conflicting", conflicting)
        .filter(col(COPIES).gt(1));
    Column reason = when(col("_conflicting"), lit(Reason.CONFLICTING_DUPLICATE.code()))
        .when(col(RANK).gt(1), lit(Reason.DUPLICATE.code()));
    return copies
        .withColumn(Flags.REASON, reason)
        .filter(col(Flags.REASON).isNotNull())
        .select(col(Samples.ID).as(Flags.ID), col(Flags.REASON),
            col(COPIES).cast(DataTypes.DoubleType).as(Flags.SCORE),
            lit(null).cast(DataTypes.DoubleType).as(Flags.THRESHOLD),
            lit(null).cast(DataTypes.IntegerType).as(Flags.NEW_LABEL));
  }
}
