package io.ktp.train;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/** Fits one epoch of a training run on Spark, with one of the {@link TrainingEngine}s. */
interface EpochFitter {
  /** Fits epoch {@code epoch} (from 1) into {@code network} in place; returns the mean loss. */
  double fitEpoch(MultiLayerNetwork network, int epoch);

  /** Describes an epoch's work for the log, such as "126 minibatches of 64 rows". */
  String describe();
}
