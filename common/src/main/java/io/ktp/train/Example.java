package io.ktp.train;

import java.io.Serializable;

/**
 * One feature vector, scaled for the network, with its label and optionally a teacher's logits.
 *
 * @param features network inputs
 * @param label class index, or -1 for a row whose label the training does not use
 * @param teacherLogits a teacher network's logits (its output before softmax) for this row, or
 *     null when no teacher is involved
 * @param labelWeights class probabilities that training uses in place of the one-hot label (a
 *     soft label, such as a mixup copy's), or null for the one-hot label
 */
public record Example(float[] features, int label, float[] teacherLogits, float[] labelWeights)
    implements Serializable {
  /** The label that marks a row whose true label training does not use. */
  public static final int NO_LABEL = -1;

  /** Returns a labelled example without teacher logits. */
  public Example(float[] features, int label) {
    this(features, label, null, null);
  }

  /** Returns an example with a one-hot label and {@code teacherLogits}. */
  public Example(float[] features, int label, float[] teacherLogits) {
    this(features, label, teacherLogits, null);
  }

  /** Returns a copy with {@code logits} as the teacher's logits. */
  public Example withTeacherLogits(float[] logits) {
    return new Example(features, label, logits, labelWeights);
  }

  /** Returns a copy whose true label training ignores, keeping the teacher's logits. */
  public Example withoutLabel() {
    return new Example(features, NO_LABEL, teacherLogits, null);
  }
}
