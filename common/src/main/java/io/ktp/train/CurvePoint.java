package io.ktp.train;

/**
 * The state of a training run after one epoch.
 *
 * @param epoch 1-based epoch number
 * @param loss mean training loss of the last averaged minibatches (cross-entropy, nats)
 * @param trainAccuracy accuracy on the training rows (a seeded subsample of at most 2,000)
 * @param validationAccuracy accuracy on the validation rows, NaN when there are none
 * @param seconds wall time of the epoch's fit, evaluation excluded
 */
public record CurvePoint(int epoch, double loss, double trainAccuracy, double validationAccuracy,
    double seconds) {
}
