package io.ktp.augment;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Token-level transforms of one sentence (Wei and Zou, 2019, "EDA": random deletion and random
 * swap). Each returns a new list and leaves its input unchanged.
 */
public final class TokenTransforms {
  private TokenTransforms() {
  }

  /**
   * Returns the tokens with each one dropped independently with probability {@code rate}, in
   * their order. When every token is dropped, one token chosen by {@code random} is kept, so a
   * copy is never empty; an empty input gives an empty list.
   */
  public static List<String> dropout(List<String> tokens, double rate, Random random) {
    List<String> kept = new ArrayList<>(tokens.size());
    for (String token : tokens) {
      if (random.nextDouble() >= rate) {
        kept.add(token);
      }
    }
    if (kept.isEmpty() && !tokens.isEmpty()) {
      kept.add(tokens.get(random.nextInt(tokens.size())));
    }
    return kept;
  }

  /**
   * Returns the tokens after {@code swaps} swaps, each of two distinct positions drawn uniformly
   * by {@code random}; a list of fewer than two tokens comes back unchanged. The tokens stay the
   * same multiset, only their order changes.
   */
  public static List<String> swap(List<String> tokens, int swaps, Random random) {
    List<String> swapped = new ArrayList<>(tokens);
    if (swapped.size() < 2) {
      return swapped;
    }
    for (int s = 0; s < swaps; s++) {
      int first = random.nextInt(swapped.size());
      int second = random.nextInt(swapped.size() - 1);
      // Draws the second position from the other size - 1 positions, so it never equals first.
      if (second >= first) {
        second++;
      }
      Collections.swap(swapped, first, second);
    }
    return swapped;
  }
}
