package io.ktp.train;

import io.ktp.cli.Checks;
import java.io.Serializable;
import java.util.List;

/**
 * Earlier rows replayed during training to limit forgetting (experience replay). Every minibatch
 * contains {@code perBatch} rows drawn, by the epoch's seed, from {@code examples}, and new rows
 * fill the rest. Example: batch size 32 and 16 replayed rows per batch give 16 new and 16 earlier
 * rows in every minibatch, so an epoch over 280 new rows has 18 minibatches.
 *
 * @param examples the earlier rows, such as a reservoir sample of the source and target tables
 * @param perBatch replayed rows per minibatch; 0 trains on new rows alone
 */
public record Replay(List<Example> examples, int perBatch) implements Serializable {
  /** No replay. */
  public static final Replay NONE = new Replay(List.of(), 0);

  public Replay {
    examples = List.copyOf(examples);
    if (perBatch < 0 || (perBatch > 0 && examples.isEmpty())) {
      throw new IllegalArgumentException(Checks.invalid("replayed rows per minibatch", perBatch,
          "must be >= 0, and 0 when there are no earlier rows"));
    }
  }

  /**
   * Returns the replay of {@code examples} that makes {@code fraction} of each minibatch of
   * {@code batchSize} rows earlier rows, rounded to whole rows and kept between 1 and
   * batchSize - 1 when the fraction is above 0, so every minibatch has new rows.
   */
  public static Replay of(List<Example> examples, double fraction, int batchSize) {
    if (fraction <= 0 || examples.isEmpty()) {
      return NONE;
    }
    int rows = (int) Math.round(fraction * batchSize);
    return new Replay(examples, Math.max(1, Math.min(batchSize - 1, rows)));
  }

  /** Returns true when minibatches get earlier rows. */
  public boolean active() {
    return perBatch > 0;
  }
}
