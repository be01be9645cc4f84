package io.ktp.jobs;

import io.ktp.cli.UserException;
import io.ktp.train.TrainingEngine;
import io.ktp.train.TrainingOptions;
import picocli.CommandLine.Option;

/** Training options shared by the training jobs; each job sets its own defaults. */
public class TrainingMixin {
  @Option(names = "--epochs", paramLabel = "N",
      description = "Passes over the training rows. Default: ${DEFAULT-VALUE}.")
  int epochs;

  @Option(names = "--batch-size", paramLabel = "ROWS",
      description = "Rows per minibatch on each worker. Default: ${DEFAULT-VALUE}.")
  int batchSize;

  @Option(names = "--averaging-frequency", paramLabel = "BATCHES",
      description = "Minibatches each worker fits between two parameter averages; 0 averages"
          + " once per epoch, after each worker has fitted its share. Default: ${DEFAULT-VALUE}.")
  int averagingFrequency;

  @Option(names = "--workers", paramLabel = "N",
      description = "Parallel training tasks, each with its own copy of the network; 0 means"
          + " Spark's default parallelism. Default: ${DEFAULT-VALUE}.")
  int workers;

  @Option(names = "--learning-rate", paramLabel = "RATE",
      description = "Adam step size. Default: ${DEFAULT-VALUE}.")
  double learningRate;

  @Option(names = "--trainer", paramLabel = "ENGINE",
      description = "Parameter-averaging engine: ktp (KTP's own: cached partitions, a chunk of"
          + " minibatches per worker between averages, every row every epoch) or dl4j (DL4J's"
          + " ParameterAveragingTrainingMaster). Default: ${DEFAULT-VALUE}.")
  String trainer = TrainingEngine.KTP.optionName();

  TrainingMixin(int epochs, int batchSize, int averagingFrequency, double learningRate) {
    this.epochs = epochs;
    this.batchSize = batchSize;
    this.averagingFrequency = averagingFrequency;
    this.learningRate = learningRate;
  }

  /** Returns validated options; {@code defaultWorkers} replaces a workers value of 0. */
  TrainingOptions toOptions(long seed, int defaultWorkers) throws UserException {
    if (workers < 0) {
      throw new UserException(io.ktp.cli.Checks.invalid("--workers", workers,
          "must be >= 0 (0 uses Spark's default parallelism)"));
    }
    int effectiveWorkers = workers == 0 ? defaultWorkers : workers;
    return new TrainingOptions(epochs, batchSize, averagingFrequency, effectiveWorkers,
        learningRate, seed, engine(trainer)).validate();
  }

  /** Returns the engine an option value names. */
  static TrainingEngine engine(String value) throws UserException {
    for (TrainingEngine engine : TrainingEngine.values()) {
      if (engine.optionName().equals(value)) {
        return engine;
      }
    }
    throw new UserException(io.ktp.cli.Checks.invalid("--trainer", value,
        "must be ktp or dl4j"));
  }

  /** Defaults for pretraining on the large source domain. */
  static final class Pretraining extends TrainingMixin {
    Pretraining() {
      // Averaging once per epoch reached 0.95 held-out MNIST accuracy fastest of the settings
      // measured (docs/benchmarks.md, "KTP engine sweeps").
      super(30, 64, 0, 2e-3);
    }
  }

  /**
   * Defaults for distilling a student from a teacher on every target train row; the baseline
   * student trains with the same values on the labelled rows alone.
   */
  static final class Distillation extends TrainingMixin {
    Distillation() {
      super(60, 64, 5, 1e-2);
    }
  }

  /** Defaults for the short fine-tune of a pruned network. */
  static final class PruningFineTune extends TrainingMixin {
    PruningFineTune() {
      super(5, 64, 5, 1e-3);
    }
  }

  /** Defaults for recalibrating a production model on a few hundred new rows with replay. */
  static final class Recalibration extends TrainingMixin {
    Recalibration() {
      super(15, 32, 2, 1e-3);
    }
  }

  /** Defaults for fine-tuning on a few labelled target rows. */
  static final class FineTuning extends TrainingMixin {
    FineTuning() {
      super(40, 16, 2, 3e-3);
    }
  }

  /**
   * Defaults for the augment job's self-training round models, which train on the labelled rows
   * and their copies (about five times the labelled rows): larger minibatches than fine-tuning,
   * so an epoch needs fewer averaging rounds.
   */
  static final class SelfTraining extends TrainingMixin {
    SelfTraining() {
      super(30, 32, 4, 3e-3);
    }
  }
}
