package io.ktp.data;

import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.MetadataBuilder;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The canonical sample table that every domain is ingested into.
 *
 * <p>One row per sample. {@code features} is a fixed-length vector in the domains' shared feature
 * space; for image domains its column metadata carries the grid shape ({@value #GRID_ROWS} x
 * {@value #GRID_COLUMNS}), so image transforms can reshape the vector.
 */
public final class Samples {
  public static final String ID = "id";
  public static final String DOMAIN = "domain";
  public static final String LABEL = "label";
  public static final String FEATURES = "features";
  public static final String SPLIT = "split";
  public static final String WEIGHT = "weight";
  public static final String ORIGIN = "origin";
  /** Lower-cased word tokens of a text row, in order; only text tables have this column. */
  public static final String TOKENS = "tokens";
  /**
   * Class probability vector of a row with a soft label; only augmented tables have this
   * nullable column, and a null value means the one-hot vector of {@link #LABEL}.
   */
  public static final String LABEL_WEIGHTS = "label_weights";

  public static final String TRAIN = "train";
  public static final String VALIDATION = "validation";
  public static final String TEST = "test";

  /** Metadata key of the number of grid rows of an image feature vector. */
  public static final String GRID_ROWS = "grid_rows";
  /** Metadata key of the number of grid columns of an image feature vector. */
  public static final String GRID_COLUMNS = "grid_columns";

  private Samples() {
  }

  /** Returns the table schema; {@code gridRows x gridColumns} is the image shape of the features. */
  public static StructType schema(int gridRows, int gridColumns) {
    Metadata grid = new MetadataBuilder()
        .putLong(GRID_ROWS, gridRows)
        .putLong(GRID_COLUMNS, gridColumns)
        .build();
    return new StructType(new StructField[] {
        DataTypes.createStructField(ID, DataTypes.StringType, false),
        DataTypes.createStructField(DOMAIN, DataTypes.StringType, false),
        DataTypes.createStructField(LABEL, DataTypes.IntegerType, false),
        new StructField(FEATURES, DataTypes.createArrayType(DataTypes.DoubleType, false), false,
            grid),
        DataTypes.createStructField(SPLIT, DataTypes.StringType, false),
        DataTypes.createStructField(WEIGHT, DataTypes.DoubleType, false),
        DataTypes.createStructField(ORIGIN, DataTypes.StringType, false),
    });
  }

  /**
   * Returns the schema of a text table: the sample schema with {@code featureMetadata} on the
   * features column (it records how the features were made from the tokens), followed by
   * {@value #TOKENS}.
   */
  public static StructType textSchema(Metadata featureMetadata) {
    StructField[] fields = schema(0, 0).fields();
    for (int i = 0; i < fields.length; i++) {
      if (fields[i].name().equals(FEATURES)) {
        fields[i] = new StructField(FEATURES, fields[i].dataType(), false, featureMetadata);
      }
    }
    return new StructType(fields).add(TOKENS,
        DataTypes.createArrayType(DataTypes.StringType, false), false);
  }
}
