package io.ktp.report;

import static org.apache.spark.sql.functions.lit;

import io.ktp.cli.UserException;
import io.ktp.io.AtomicOutput;
import io.ktp.io.Workspace;
import java.io.IOException;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * Writes Parquet reports under {@code reports/<kind>/run_id=<id>/}, each row carrying the run's
 * provenance columns. Reading {@code reports/<kind>} with Spark gives every run, with
 * {@code run_id} as a partition column.
 */
public final class Reports {
  /** Provenance columns appended to every report, after the report's own columns. */
  public static final List<String> PROVENANCE_COLUMNS =
      List.of("job", "created_at", "seed", "config", "inputs", "code_version");

  private Reports() {
  }

  /** Writes {@code rows} as one run's report of {@code kind}, atomically; returns its path. */
  public static Path write(SparkSession spark, Workspace workspace, String kind, StructType schema,
      List<Row> rows, Provenance provenance, boolean overwrite) throws UserException, IOException {
    return writeTable(spark.createDataFrame(rows, schema).coalesce(1), workspace, kind,
        provenance, overwrite);
  }

  /**
   * Writes a distributed table as one run's report of {@code kind}, with the provenance columns
   * appended, atomically; returns its path. For reports too large to hold on the driver.
   */
  public static Path writeTable(Dataset<Row> rows, Workspace workspace, String kind,
      Provenance provenance, boolean overwrite) throws UserException, IOException {
    Dataset<Row> table = rows
        .withColumn("job", lit(provenance.job()))
        .withColumn("created_at", lit(provenance.createdAt()))
        .withColumn("seed", lit(provenance.seed()))
        .withColumn("config", lit(provenance.configJson()))
        .withColumn("inputs", lit(provenance.inputsJson()))
        .withColumn("code_version", lit(Provenance.codeVersion()));
    Path target = workspace.report(kind, provenance.runId());
    AtomicOutput.writeParquet(table, workspace.fs(), target, overwrite);
    return target;
  }
}
