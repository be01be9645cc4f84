package io.ktp.train;

import io.ktp.cli.UserException;
import java.io.IOException;
import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * Storage for the state of a training run, which {@link SparkTrainer} saves after every epoch and
 * restores when the run is resumed.
 */
public interface EpochCheckpoints {
  /** Checkpoints that save nothing and restore nothing, so every run starts at epoch 1. */
  EpochCheckpoints NONE = new EpochCheckpoints() {
    @Override
    public List<CurvePoint> restore(MultiLayerNetwork network) {
      return List.of();
    }

    @Override
    public void save(MultiLayerNetwork network, List<CurvePoint> curve) {
      // Nothing to save.
    }
  };

  /**
   * Copies the parameters, updater state and iteration counts of the last complete checkpoint
   * into {@code network} and returns the curve up to that epoch. Returns an empty list and leaves
   * the network unchanged when there is nothing to resume from.
   */
  List<CurvePoint> restore(MultiLayerNetwork network) throws UserException, IOException;

  /** Saves {@code network} after the epoch of the last point of {@code curve}. */
  void save(MultiLayerNetwork network, List<CurvePoint> curve) throws IOException;
}
