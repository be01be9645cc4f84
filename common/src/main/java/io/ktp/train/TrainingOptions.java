package io.ktp.train;

import io.ktp.cli.Checks;
import io.ktp.cli.UserException;

/**
 * Settings of one parameter-averaging training run.
 *
 * @param epochs passes over the training rows
 * @param batchSize examples per minibatch on each worker
 * @param averagingFrequency minibatches each worker fits between two parameter averages
 * @param workers parallel training tasks; each fits its own copy of the network
 * @param learningRate Adam's step size
 * @param seed seed of weight initialization, shuffling and padding
 */
public record TrainingOptions(int epochs, int batchSize, int averagingFrequency, int workers,
    double learningRate, long seed) {

  /** Checks every value against its rule, naming the option that carries it. */
  public TrainingOptions validate() throws UserException {
    Checks.atLeast("--epochs", epochs, 1);
    Checks.atLeast("--batch-size", batchSize, 1);
    Checks.atLeast("--averaging-frequency", averagingFrequency, 1);
    Checks.atLeast("--workers", workers, 1);
    Checks.openRange("--learning-rate", learningRate, 0, 10);
    return this;
  }

  /** Returns the minibatches per epoch must be a multiple of this for the master to fit all. */
  public int batchesPerRound() {
    return workers * averagingFrequency;
  }
}
