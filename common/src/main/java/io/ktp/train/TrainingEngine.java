package io.ktp.train;

import java.util.Locale;

/** The code that runs parameter-averaging training on Spark. */
public enum TrainingEngine {
  /**
   * KTP's own averaging ({@link ChunkAveraging}): partitions cached on the executors, each worker
   * fits a chunk of minibatches locally, parameters and updater state are averaged with a tree
   * reduction and broadcast back; every row is fitted every epoch.
   */
  KTP,
  /** DL4J's {@code ParameterAveragingTrainingMaster}, fed whole rounds of padded minibatches. */
  DL4J;

  /** Returns the name used on the command line, in lower case. */
  public String optionName() {
    return name().toLowerCase(Locale.ROOT);
  }

  @Override
  public String toString() {
    return optionName();
  }
}
