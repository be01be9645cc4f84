package io.ktp.jobs;

import picocli.CommandLine.Option;

/** The {@code --run-id} option shared by every job. */
final class RunIdOption {
  @Option(names = "--run-id", paramLabel = "ID",
      description = "Id of this run's reports, charts and checkpoints. Default: the UTC start"
          + " time.")
  String runId;
}
