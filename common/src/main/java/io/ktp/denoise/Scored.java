package io.ktp.denoise;

import java.io.Serializable;

/**
 * A row scored by the fold model that did not see it.
 *
 * @param id the row's id
 * @param label the given label
 * @param probabilities predicted class probabilities
 * @param instability share of the seeded perturbations whose predicted class differs from the
 *     prediction on the row itself
 */
record Scored(String id, int label, float[] probabilities, double instability)
    implements Serializable {

  /** Returns the most probable class. */
  int predicted() {
    int best = 0;
    for (int c = 1; c < probabilities.length; c++) {
      if (probabilities[c] > probabilities[best]) {
        best = c;
      }
    }
    return best;
  }
}
