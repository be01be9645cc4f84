package io.ktp.train;

import io.ktp.cli.Checks;
import io.ktp.cli.UserException;

/**
 * Settings of one parameter-averaging training run.
 *
 * @param epochs passes over the training rows
 * @param batchSize examples per minibatch on each worker
 * @param averagingFrequency minibatches each worker fits between two parameter averages; 0
 *     averages once per epoch, after each worker has fitted all its minibatches
 * @param workers parallel training tasks; each fits its own copy of the network
 * @param learningRate Adam's step size
 * @param seed seed of weight initialization, shuffling and padding
 * @param engine the code that runs the averaging on Spark
 */
public record TrainingOptions(int epochs, int batchSize, int averagingFrequency, int workers,
    double learningRate, long seed, TrainingEngine engine) {

  /** Returns options that train with KTP's own averaging, the default engine. */
  public TrainingOptions(int epochs, int batchSize, int averagingFrequency, int workers,
      double learningRate, long seed) {
    this(epochs, batchSize, averagingFrequency, workers, learningRate, seed, TrainingEngine.KTP);
  }

  /** Returns a copy that trains with {@code newEngine}. */
  public TrainingOptions withEngine(TrainingEngine newEngine) {
    return new TrainingOptions(epochs, batchSize, averagingFrequency, workers, learningRate, seed,
        newEngine);
  }

  /** Returns a copy with {@code newSeed} as its seed. */
  public TrainingOptions withSeed(long newSeed) {
    return new TrainingOptions(epochs, batchSize, averagingFrequency, workers, learningRate,
        newSeed, engine);
  }

  /** Returns a copy that averages every {@code minibatches} minibatches. */
  public TrainingOptions withAveragingFrequency(int minibatches) {
    return new TrainingOptions(epochs, batchSize, minibatches, workers, learningRate, seed,
        engine);
  }

  /** Returns true when the workers average once per epoch ({@code averagingFrequency} 0). */
  public boolean averagesOncePerEpoch() {
    return averagingFrequency == 0;
  }

  /** Returns a copy that runs {@code newEpochs} epochs. */
  public TrainingOptions withEpochs(int newEpochs) {
    return new TrainingOptions(newEpochs, batchSize, averagingFrequency, workers, learningRate,
        seed, engine);
  }

  /** Checks every value against its rule, naming the option that carries it. */
  public TrainingOptions validate() throws UserException {
    Checks.atLeast("--epochs", epochs, 1);
    Checks.atLeast("--batch-size", batchSize, 1);
    Checks.atLeast("--averaging-frequency", averagingFrequency, 0);
    Checks.atLeast("--workers", workers, 1);
    Checks.openRange("--learning-rate", learningRate, 0, 10);
    if (engine == null) {
      throw new UserException("--trainer is missing: choose ktp or dl4j");
    }
    return this;
  }

  /** Returns the minibatches per epoch must be a multiple of this for the master to fit all. */
  public int batchesPerRound() {
    return workers * averagingFrequency;
  }
}
