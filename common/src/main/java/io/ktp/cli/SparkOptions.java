package io.ktp.cli;

import picocli.CommandLine.Option;

/** Options that choose where Spark runs; shared by every job. */
public final class SparkOptions {
  @Option(names = "--master", paramLabel = "URL",
      description = "Spark master URL. Default: ${DEFAULT-VALUE} (embedded, all cores),"
          + " ignored when the job runs under spark-submit, which sets spark.master itself.")
  String master = "local[*]";

  public String master() {
    return master;
  }
}
