package io.ktp.jobs;

import io.ktp.cli.SparkOptions;
import io.ktp.cli.UserException;
import io.ktp.cli.WorkspaceOptions;
import io.ktp.io.SparkSessions;
import io.ktp.io.Workspace;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * The Spark session, workspace and run id one job works with.
 *
 * @param spark the session, shared when jobs run inside the pipeline
 * @param workspace the workspace the job reads and writes
 * @param runId the id of this run's reports
 */
record JobContext(SparkSession spark, Workspace workspace, String runId) {
  private static final DateTimeFormatter RUN_ID = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

  /** Validates the run id, starts or joins the session and opens the workspace. */
  static JobContext open(String job, SparkOptions sparkOptions, WorkspaceOptions workspaceOptions,
      String runId) throws UserException {
    String id = runId == null ? newRunId() : Workspace.checkName("run id", runId);
    SparkSession spark = SparkSessions.getOrCreate("ktp " + job, sparkOptions.master());
    Workspace workspace = Workspace.open(workspaceOptions.workspace(),
        spark.sparkContext().hadoopConfiguration());
    return new JobContext(spark, workspace, id);
  }

  /** Returns a run id from the current UTC time, such as {@code 20261204-153000}. */
  static String newRunId() {
    return ZonedDateTime.now(ZoneOffset.UTC).format(RUN_ID);
  }

  JavaSparkContext sparkContext() {
    return JavaSparkContext.fromSparkContext(spark.sparkContext());
  }

  int defaultParallelism() {
    return spark.sparkContext().defaultParallelism();
  }
}
