package io.ktp.train;

import java.io.Serializable;

/**
 * One labelled feature vector, scaled for the network.
 *
 * @param features network inputs
 * @param label class index
 */
public record Example(float[] features, int label) implements Serializable {
}
