package io.ktp.jobs;

import java.util.List;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** Column layouts of the evaluation reports; docs/reports.md describes every column. */
final class EvaluationSchemas {
  static final String TRANSFER = "transfer";
  static final String RETENTION = "retention";
  static final String PER_CLASS = "per_class";
  static final String CONVERGENCE = "convergence";
  static final String DOMAIN_SIMILARITY = "domain_similarity";
  static final List<String> KINDS =
      List.of(TRANSFER, RETENTION, PER_CLASS, CONVERGENCE, DOMAIN_SIMILARITY);

  private EvaluationSchemas() {
  }

  static StructType schema(String kind) {
    return switch (kind) {
      case TRANSFER -> new StructType()
          .add("role", DataTypes.StringType)
          .add("model", DataTypes.StringType)
          .add("version", DataTypes.IntegerType)
          .add("model_seed", DataTypes.LongType)
          .add("table", DataTypes.StringType)
          .add("split", DataTypes.StringType)
          .add("rows", DataTypes.IntegerType)
          .add("accuracy", DataTypes.DoubleType)
          .add("macro_f1", DataTypes.DoubleType);
      case RETENTION -> new StructType()
          .add("model", DataTypes.StringType)
          .add("version", DataTypes.IntegerType)
          .add("model_seed", DataTypes.LongType)
          .add("source_model", DataTypes.StringType)
          .add("source_table", DataTypes.StringType)
          .add("rows", DataTypes.IntegerType)
          .add("source_accuracy_before", DataTypes.DoubleType)
          .add("source_accuracy_after", DataTypes.DoubleType)
          .add("retention_ratio", DataTypes.DoubleType)
          .add("backward_transfer", DataTypes.DoubleType);
      case PER_CLASS -> new StructType()
          .add("role", DataTypes.StringType)
          .add("model", DataTypes.StringType)
          .add("version", DataTypes.IntegerType)
          .add("model_seed", DataTypes.LongType)
          .add("label", DataTypes.IntegerType)
          .add("support", DataTypes.LongType)
          .add("recall", DataTypes.DoubleType)
          .add("precision", DataTypes.DoubleType);
      case CONVERGENCE -> new StructType()
          .add("model", DataTypes.StringType)
          .add("version", DataTypes.IntegerType)
          .add("model_seed", DataTypes.LongType)
          .add("epochs", DataTypes.IntegerType)
          .add("final_validation_accuracy", DataTypes.DoubleType)
          .add("own_target", DataTypes.DoubleType)
          .add("epochs_to_own_target", DataTypes.IntegerType)
          .add("shared_target", DataTypes.DoubleType)
          .add("epochs_to_shared_target", DataTypes.IntegerType)
          .add("mean_validation_accuracy", DataTypes.DoubleType);
      case DOMAIN_SIMILARITY -> new StructType()
          .add("pair", DataTypes.StringType)
          .add("kernel", DataTypes.StringType)
          .add("domain_x", DataTypes.StringType)
          .add("domain_y", DataTypes.StringType)
          .add("rows_x", DataTypes.IntegerType)
          .add("rows_y", DataTypes.IntegerType)
          .add("mmd2", DataTypes.DoubleType)
          .add("p_value", DataTypes.DoubleType)
          .add("permutations", DataTypes.IntegerType)
          .add("bandwidths", DataTypes.createArrayType(DataTypes.DoubleType, false));
      default -> throw new IllegalArgumentException("Unknown report kind " + kind);
    };
  }
}
