package io.ktp.augment;

import io.ktp.data.Samples;
import java.util.Arrays;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The columns that the augment job adds to the sample schema. All are nullable, so every job
 * that reads sample tables reads an augmented table as it is, and an input table may carry
 * {@link #LABEL_STATUS} to mark its unlabelled rows.
 */
public final class AugmentedSamples {
  /**
   * Source of the row's label: {@link #GIVEN}, {@link #AUGMENTED}, {@link #PSEUDO}, or in an
   * input table {@link #HIDDEN} and {@link #UNKNOWN}; null means given.
   */
  public static final String LABEL_STATUS = "label_status";
  /** Id of the row that an augmented copy was made from; null for other rows. */
  public static final String SOURCE_ID = "source_id";
  /** Largest class probability of the model that pseudo-labelled the row; null otherwise. */
  public static final String CONFIDENCE = "confidence";
  /** Self-training round (from 1) that added a pseudo-labelled row; null otherwise. */
  public static final String ROUND = "round";
  /** True label of a pseudo-labelled row whose input status was hidden; null otherwise. */
  public static final String HIDDEN_LABEL = "hidden_label";
  /** Lower-cased word tokens of a text row ({@link Samples#TOKENS}); null in other tables. */
  public static final String TOKENS = Samples.TOKENS;
  /**
   * Class probability vector of a row with a soft label (a mixup copy), one entry per class,
   * summing to 1, or null for rows whose label is one class. Training uses it in place of the
   * one-hot label, and {@link Samples#LABEL} is its most probable class.
   */
  public static final String LABEL_WEIGHTS = Samples.LABEL_WEIGHTS;

  /** A row whose label was given and is used for training. */
  public static final String GIVEN = "given";
  /** A transformed copy of a given row, with that row's label. */
  public static final String AUGMENTED = "augmented";
  /** A row labelled by a model's prediction. */
  public static final String PSEUDO = "pseudo";
  /** An input row whose label exists but must not be used for training, only to score. */
  public static final String HIDDEN = "hidden";
  /** An input row without a true label; its label value is a placeholder that nothing reads. */
  public static final String UNKNOWN = "unknown";

  private AugmentedSamples() {
  }

  /** Returns the sample schema with the grid shape, followed by the augment columns. */
  public static StructType schema(int gridRows, int gridColumns) {
    StructField[] base = Samples.schema(gridRows, gridColumns).fields();
    StructField[] fields = Arrays.copyOf(base, base.length + 7);
    fields[base.length] = DataTypes.createStructField(LABEL_STATUS, DataTypes.StringType, true);
    fields[base.length + 1] = DataTypes.createStructField(SOURCE_ID, DataTypes.StringType, true);
    fields[base.length + 2] = DataTypes.createStructField(CONFIDENCE, DataTypes.DoubleType, true);
    fields[base.length + 3] = DataTypes.createStructField(ROUND, DataTypes.IntegerType, true);
    fields[base.length + 4] = DataTypes.createStructField(HIDDEN_LABEL, DataTypes.IntegerType,
        true);
    fields[base.length + 5] = DataTypes.createStructField(TOKENS,
        DataTypes.createArrayType(DataTypes.StringType, false), true);
    fields[base.length + 6] = DataTypes.createStructField(LABEL_WEIGHTS,
        DataTypes.createArrayType(DataTypes.DoubleType, false), true);
    return new StructType(fields);
  }
}
