package io.ktp.augment;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;

import io.ktp.data.SampleTables;
import io.ktp.data.Samples;
import java.util.Arrays;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The non-test rows of a target table, divided into labelled train rows, unlabelled train rows
 * and validation rows, all in the augmented schema. Test rows are dropped first, so nothing
 * derived from these datasets can contain or copy one.
 *
 * <p>A train row is unlabelled when its {@link AugmentedSamples#LABEL_STATUS} is hidden or
 * unknown, or when it is a labelled row beyond the {@code labelsPerClass} rows that a seeded hash
 * of the id picks per class ({@link SampleTables#perClassSample}, the rows fine-tuning picks with
 * the same seed); such rows get the status hidden, so their labels only score the pseudo-labels.
 *
 * @param labelled labelled train rows, status given
 * @param unlabelled unlabelled train rows, status hidden or unknown
 * @param validation validation rows, status given
 */
public record TargetRows(Dataset<Row> labelled, Dataset<Row> unlabelled,
    Dataset<Row> validation) {

  /** Divides {@code table}; {@code labelsPerClass <= 0} keeps every labelled train row. */
  public static TargetRows of(Dataset<Row> table, int labelsPerClass, long seed) {
    Dataset<Row> rows = inAugmentedSchema(table.filter(col(Samples.SPLIT).notEqual(Samples.TEST)));
    Column status = col(AugmentedSamples.LABEL_STATUS);
    Column unlabelledStatus = status.isin(AugmentedSamples.HIDDEN, AugmentedSamples.UNKNOWN);
    Dataset<Row> train = rows.filter(col(Samples.SPLIT).equalTo(Samples.TRAIN));

    Dataset<Row> labelledRows = train.filter(status.isNull().or(not(unlabelledStatus)))
        .withColumn(AugmentedSamples.LABEL_STATUS, lit(AugmentedSamples.GIVEN));
    Dataset<Row> chosen = SampleTables.perClassSample(labelledRows, labelsPerClass, seed);
    Dataset<Row> hidden = labelledRows.join(chosen.select(Samples.ID), labelledRows.col(Samples.ID)
        .equalTo(chosen.col(Samples.ID)), "left_anti")
        .withColumn(AugmentedSamples.LABEL_STATUS, lit(AugmentedSamples.HIDDEN));
    Dataset<Row> unlabelled = train.filter(unlabelledStatus.isNotNull().and(unlabelledStatus))
        .unionByName(hidden);
    Dataset<Row> validation = rows.filter(col(Samples.SPLIT).equalTo(Samples.VALIDATION))
        .withColumn(AugmentedSamples.LABEL_STATUS,
            coalesce(status, lit(AugmentedSamples.GIVEN)));
    return new TargetRows(chosen, unlabelled, validation);
  }

  /**
   * Returns the rows with the augmented schema's columns in its order: columns the table lacks
   * are added as nulls and columns outside the schema are dropped.
   */
  public static Dataset<Row> inAugmentedSchema(Dataset<Row> table) {
    StructType schema = AugmentedSamples.schema(0, 0);
    Column[] columns = Arrays.stream(schema.fields())
        .map(field -> hasColumn(table, field.name()) ? col(field.name())
            : lit(null).cast(field.dataType()).as(field.name()))
        .toArray(Column[]::new);
    return table.select(columns);
  }

  private static boolean hasColumn(Dataset<Row> table, String name) {
    return Arrays.stream(table.schema().fields()).map(StructField::name).anyMatch(name::equals);
  }
}
