package io.ktp.jobs;

import io.ktp.cli.Checks;
import io.ktp.cli.UserException;
import io.ktp.io.Workspace;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** Options of the augment job's self-training rounds. */
final class PseudoLabelOptions {
  @Option(names = "--rounds", paramLabel = "N",
      description = "Self-training rounds; each adapts the source model to the rows labelled so"
          + " far and pseudo-labels confident unlabelled rows. 0 only makes copies. Default:"
          + " ${DEFAULT-VALUE}.")
  int rounds = 2;

  @Option(names = "--threshold", paramLabel = "PROBABILITY",
      description = "Smallest predicted-class probability of a row to pseudo-label, in (0, 1]."
          + " Default: ${DEFAULT-VALUE}.")
  double threshold = 0.9;

  @Option(names = "--per-class-cap", paramLabel = "ROWS",
      description = "Most rows pseudo-labelled per class in each round, the most confident"
          + " first, so that the classes stay balanced. Default: ${DEFAULT-VALUE}.")
  int perClassCap = 50;

  @Option(names = "--source-model", paramLabel = "NAME",
      description = "Model that each round adapts (its latest version). Default:"
          + " ${DEFAULT-VALUE}.")
  String sourceModel = "source";

  @Option(names = "--frozen-layers", paramLabel = "N",
      description = "Lower hidden layers of the round models whose weights stay fixed."
          + " Default: ${DEFAULT-VALUE}.")
  int frozenLayers = 1;

  @Option(names = "--head-epochs", paramLabel = "N",
      description = "Epochs that train only the round model's new output layer before"
          + " --epochs of fine-tuning; 0 skips them. Default: ${DEFAULT-VALUE}.")
  int headEpochs = 10;

  void validate() throws UserException {
    Checks.atLeast("--rounds", rounds, 0);
    Checks.halfOpenRange("--threshold", threshold, 0, 1);
    Checks.atLeast("--per-class-cap", perClassCap, 1);
    Workspace.checkName("model", sourceModel);
    Checks.atLeast("--frozen-layers", frozenLayers, 0);
    Checks.atLeast("--head-epochs", headEpochs, 0);
  }

  Map<String, Object> config() {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("--rounds", rounds);
    config.put("--threshold", threshold);
    config.put("--per-class-cap", perClassCap);
    config.put("--source-model", sourceModel);
    config.put("--frozen-layers", frozenLayers);
    config.put("--head-epochs", headEpochs);
    return config;
  }
}
